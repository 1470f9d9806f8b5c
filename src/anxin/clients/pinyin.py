"""Pinyin search keys for a client's name (CLI-7): 张三 → ``zhangsan`` and ``zs``.

A surname may be read several ways (单 dan/shan, 曾 ceng/zeng, 解 jie/xie, 区 qu/ou …): every
reading of the surname is kept, combined with the usual reading of the given name (pypinyin's
phrase dictionary decides that one), so a search finds the client whichever reading is typed.
Keys are lower-case ASCII, stored in ``SearchKey`` and matched by prefix through an index.
"""

import re

from pypinyin import Style, lazy_pinyin, pinyin

# Two-character surnames read as one unit; checked before the one-character ones.
COMPOUND_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "呼延",
}  # fmt: skip
# Surname readings that differ from the everyday reading (pypinyin lists them all as
# heteronyms; these make sure the surname reading is first, and cover compound ones).
SURNAME_READINGS = {
    "单": ["shan"], "曾": ["zeng"], "解": ["xie"], "区": ["ou"], "仇": ["qiu"],
    "朴": ["piao"], "查": ["zha"], "盖": ["ge"], "缪": ["miao"], "折": ["she"],
    "尉迟": ["yuchi"], "万俟": ["moqi"], "长孙": ["zhangsun"], "乐": ["yue", "le"],
    "覃": ["qin"], "黑": ["he"], "种": ["chong"], "繁": ["po"], "员": ["yun"],
}  # fmt: skip
MAX_VARIANTS = 8
_ASCII = re.compile(r"[^a-z]")


def _readings(text: str) -> list[str]:
    known = SURNAME_READINGS.get(text, [])
    if len(text) == 1:
        heteronyms = pinyin(text, style=Style.NORMAL, heteronym=True)[0]
    else:
        heteronyms = ["".join(lazy_pinyin(text))]
    seen = []
    for r in [*known, *heteronyms]:
        r = _ASCII.sub("", r.lower())
        if r and r not in seen:
            seen.append(r)
    return seen or [""]


def split_name(name: str) -> tuple[str, str]:
    name = name.strip()
    if name[:2] in COMPOUND_SURNAMES or name[:2] in SURNAME_READINGS:
        return name[:2], name[2:]
    return name[:1], name[1:]


def name_keys(name: str) -> list[str]:
    """Every full-pinyin and initials key of a name, most likely reading first."""
    name = (name or "").strip()
    if not name:
        return []
    surname, given = split_name(name)
    given_syllables = [_ASCII.sub("", s.lower()) for s in lazy_pinyin(given)]
    given_syllables = [s for s in given_syllables if s]
    surname_variants = _readings(surname) if surname else [""]
    keys = []
    for reading in surname_variants[:MAX_VARIANTS]:
        sur_syllables = [reading] if len(surname) == 1 else lazy_pinyin(surname)
        if len(surname) > 1 and surname in SURNAME_READINGS:
            sur_syllables = [reading]
        full = "".join([*sur_syllables, *given_syllables])
        initials = "".join(s[0] for s in [*_syllables(surname, reading), *given_syllables] if s)
        for key in (full, initials):
            key = _ASCII.sub("", key)[:80]
            if key and key not in keys:
                keys.append(key)
    return keys


def _syllables(surname: str, reading: str) -> list[str]:
    """The syllables of one surname reading (two for a compound surname: 欧阳 → ou, yang)."""
    if len(surname) == 1:
        return [reading]
    if surname in SURNAME_READINGS:
        parts = [_ASCII.sub("", p.lower()) for p in lazy_pinyin(surname)]
        # keep the known reading's syllable boundaries when it has the same total length
        out, rest = [], reading
        for p in parts:
            out.append(rest[: len(p)])
            rest = rest[len(p) :]
        if rest:
            out[-1] += rest
        return out
    return [_ASCII.sub("", p.lower()) for p in lazy_pinyin(surname)]


def query_key(text: str) -> str:
    """A search box entry as a key: lower-case letters only (``Zhang San`` → ``zhangsan``)."""
    return _ASCII.sub("", (text or "").lower())[:80]
