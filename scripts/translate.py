"""Fill Simplified Chinese translations from a JSON file, then refresh zh-Hant and compile.

    .venv/bin/python scripts/translate.py my-strings.json     # {"msgid": "译文", ...}
    .venv/bin/python scripts/translate.py --missing           # list what still needs a translation

A plural msgid takes a list (Chinese has one form: ["收件箱（%(n)s 条未读）"]). An entry given here
replaces a fuzzy guess from makemessages and clears the fuzzy flag. Run `make messages` first so
the catalogue holds the new msgids; this script runs hant.py and compilemessages afterwards.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "anxin" / "locale"
HANS = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"


def missing(po) -> list:
    return [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def main(argv: list[str]) -> int:
    po = polib.pofile(str(HANS))
    if argv == ["--missing"]:
        for e in missing(po):
            guess = f"   (fuzzy guess: {e.msgstr})" if "fuzzy" in e.flags else ""
            print(json.dumps(e.msgid, ensure_ascii=False) + guess)
        return 0
    wanted = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    by_id = {e.msgid: e for e in po if not e.obsolete}
    unknown = [k for k in wanted if k not in by_id]
    for msgid, text in wanted.items():
        entry = by_id.get(msgid)
        if entry is None:
            continue
        if entry.msgid_plural:
            forms = text if isinstance(text, list) else [text]
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
    po.save()
    # zh_Hant: drop its text for these msgids (a fuzzy guess or an older wording) so hant.py
    # converts the new text.
    hant_path = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"
    hant = polib.pofile(str(hant_path))
    for e in hant:
        if e.msgid in wanted:
            if "fuzzy" in e.flags:
                e.flags.remove("fuzzy")
            e.msgstr = ""
            e.msgstr_plural = {k: "" for k in e.msgstr_plural}
    hant.save()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "hant.py"), str(LOCALE)], check=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "anxin.config.settings.test"}
    env["ANXIN_DATA_DIR"] = tempfile.mkdtemp(prefix="anxin-messages-")
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "anxin"), "compilemessages"],
        check=True,
        cwd=ROOT / "src" / "anxin",
        env=env,
        stdout=subprocess.DEVNULL,
    )
    left = missing(polib.pofile(str(HANS)))
    if unknown:
        print(f"not in the catalogue (run `make messages`?): {unknown[:5]}")
    print(f"{len(wanted) - len(unknown)} filled; {len(left)} still missing in zh_Hans")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
