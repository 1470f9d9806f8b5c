"""Fill zh_Hant from zh_Hans where zh_Hant has no translation yet (zhconv, Taiwan usage),
then apply the project's own term choices. A human-edited zh_Hant entry is left alone."""

import sys
from pathlib import Path

import polib
import zhconv

# Terms where the everyday Traditional usage differs from a character-by-character conversion.
TERMS = {
    "登录": "登入",
    "登錄": "登入",
    "退出登入": "登出",
    "信息": "資訊",
    "账户": "帳戶",
    "賬戶": "帳戶",
    "账号": "帳號",
    "賬號": "帳號",
    "數據": "資料",
    "默認": "預設",
    "設置": "設定",
    "搜索": "搜尋",
    "用戶": "使用者",
    "收件箱": "收件匣",
    "令牌": "權杖",
    "鍾": "鐘",  # 钟 as in 上钟/轮钟: a session, not the surname
}


def to_hant(text: str) -> str:
    out = zhconv.convert(text, "zh-tw")
    for a, b in TERMS.items():
        out = out.replace(a, b)
    return out


def main(locale_dir: str) -> None:
    base = Path(locale_dir)
    hans = polib.pofile(str(base / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    hant_path = base / "zh_Hant" / "LC_MESSAGES" / "django.po"
    hant = polib.pofile(str(hant_path))
    source = {(e.msgctxt, e.msgid): e for e in hans}
    filled = 0
    for entry in hant:
        src = source.get((entry.msgctxt, entry.msgid))
        if src is None or not src.translated() or "fuzzy" in src.flags:
            continue
        if entry.translated() and "fuzzy" not in entry.flags:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {k: to_hant(v) for k, v in src.msgstr_plural.items()}
        else:
            entry.msgstr = to_hant(src.msgstr)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    hant.save(str(hant_path))
    print(f"zh_Hant: filled {filled} entries from zh_Hans", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
