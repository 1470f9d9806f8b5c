"""Masked display of sensitive values (SEC-4): ``138****5678``, ``110***********1234``.

How much each kind shows is set by ``settings.ANXIN_MASKING``, merged over ``DEFAULTS``::

    ANXIN_MASKING = {"phone": {"show_first": 3, "show_last": 4}}

Numbers are masked after dropping spaces and hyphens and turning full-width digits into
ASCII; the mask keeps the length, one ``*`` per hidden character. Whatever the settings say, a
number always keeps at least ``min_hidden(n)`` of its ``n`` characters hidden (a third, and at
least 4 or all of them), so short and odd inputs are never shown whole. An address shows its
district-level prefix (北京市朝阳区), or ``show_first`` characters when it has none, then
``****`` whatever its length; at least 4 of its characters are always hidden. ``None`` and
``""`` give ``""``.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings

DEFAULTS: dict[str, dict[str, int]] = {
    "phone": {"show_first": 3, "show_last": 4},
    "id_number": {"show_first": 3, "show_last": 4},
    "bank_card": {"show_first": 0, "show_last": 4},
    "address": {"show_first": 3, "show_last": 0},
}
STAR = "*"
ADDRESS_MASK = "****"
ADDRESS_MIN_HIDDEN = 4
_SEPARATORS = re.compile(r"[\s\-]+")
# Up to and including the district-level unit after a city or prefecture: 北京市朝阳区,
# 浙江省杭州市西湖区, 新疆维吾尔自治区乌鲁木齐市天山区, 延边朝鲜族自治州延吉市.
_DISTRICT_PREFIX = re.compile(r"^.{0,16}?(?:市|州|盟|地区).{1,6}?(?:区|县|旗|市)")


def rule(kind: str) -> tuple[int, int]:
    """(show_first, show_last) for a kind, from ``ANXIN_MASKING`` over the defaults."""
    configured = getattr(settings, "ANXIN_MASKING", {}).get(kind, {})
    merged = {**DEFAULTS.get(kind, {"show_first": 0, "show_last": 0}), **configured}
    return max(0, int(merged["show_first"])), max(0, int(merged["show_last"]))


def min_hidden(length: int) -> int:
    """How many characters of a value of this length must stay hidden."""
    return min(length, max(4, -(-length // 3)))


def mask(value: str | None, *, show_first: int, show_last: int) -> str:
    """Keep at most ``show_first`` leading and ``show_last`` trailing characters."""
    if not value:
        return ""
    n = len(value)
    visible = n - min_hidden(n)
    last = min(show_last, visible)
    first = min(show_first, visible - last)
    return value[:first] + STAR * (n - first - last) + (value[n - last :] if last else "")


def _compact(value: str | None) -> str:
    if not value:
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)))


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    first, last = rule("phone")
    return mask(_compact(value), show_first=first, show_last=last)


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` → ``110***********1234``."""
    first, last = rule("id_number")
    return mask(_compact(value), show_first=first, show_last=last)


def mask_bank_card(value: str | None) -> str:
    """``6222021234567890123`` → ``***************0123``."""
    first, last = rule("bank_card")
    return mask(_compact(value), show_first=first, show_last=last)


def mask_address(value: str | None) -> str:
    """``北京市朝阳区建国路88号`` → ``北京市朝阳区****``; otherwise the first few characters."""
    text = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if not text:
        return ""
    first, _last = rule("address")  # the tail of an address is never shown
    visible = len(text) - min(len(text), ADDRESS_MIN_HIDDEN)
    district = _DISTRICT_PREFIX.match(text)
    shown = len(district.group(0)) if district else first
    shown = min(shown, visible)
    return text[:shown] + ADDRESS_MASK
