"""Information codes (信息编码, SPEC §2): one allocator for every code family.

A code is ``prefix + [YY[MM]] + [category] + serial``. The serial is counted in
``CodeSequence`` per family and scope; the counter moves inside the caller's
transaction, so a rolled-back creation gives its serial back, and concurrent
creators queue on the counter row (a row lock on PostgreSQL, the write lock of
an IMMEDIATE transaction on SQLite): no duplicates, no gaps.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CodeSequence

if TYPE_CHECKING:
    from django.db.models import Model


class CodeError(Exception):
    """A code cannot be given or read; the message is translated and names the family."""


class CodeRangeExhausted(CodeError):
    pass


class InvalidCode(CodeError):
    pass


@dataclass(frozen=True)
class CodeFamily:
    prefix: str
    label: Promise
    period: str | None  # "month" (YYMM), "year" (YY) or None
    category: bool  # a two-digit category number follows the period
    serial_width: int  # 0: one code per scope (finance reports)

    @property
    def width(self) -> int:
        return settings.ANXIN_CODE_WIDTHS.get(self.prefix, self.serial_width)

    @property
    def pattern(self) -> re.Pattern:
        period = {"month": r"(?P<yy>\d{2})(?P<mm>0[1-9]|1[0-2])", "year": r"(?P<yy>\d{2})"}.get(
            self.period or "", ""
        )
        category = r"(?P<cat>\d{2})" if self.category else ""
        serial = rf"(?P<serial>\d{{{self.width}}})" if self.width else ""
        return re.compile(rf"^{self.prefix}{period}{category}{serial}$")

    @property
    def example(self) -> str:
        return EXAMPLES[self.prefix]


FAMILIES: dict[str, CodeFamily] = {
    f.prefix: f
    for f in [
        CodeFamily("KH", gettext_lazy("client"), "month", False, 4),
        CodeFamily("MS", gettext_lazy("practitioner"), "month", False, 4),
        CodeFamily("XM", gettext_lazy("service item"), None, True, 3),
        CodeFamily("CX", gettext_lazy("promotion"), "year", False, 3),
        CodeFamily("YY", gettext_lazy("appointment"), "month", False, 4),
        CodeFamily("CW", gettext_lazy("finance report"), "month", True, 0),
        CodeFamily("JG", gettext_lazy("organisation post"), None, True, 2),
        CodeFamily("GZ", gettext_lazy("regulation"), None, True, 3),
        CodeFamily("SB", gettext_lazy("equipment"), None, True, 3),
        CodeFamily("GS", gettext_lazy("supplier"), None, True, 3),
    ]
}
EXAMPLES = {
    "KH": "KH23050123",
    "MS": "MS23060456",
    "XM": "XM01001",
    "CX": "CX23002",
    "YY": "YY23070789",
    "CW": "CW230801",
    "JG": "JG0101",
    "GZ": "GZ01001",
    "SB": "SB01001",
    "GS": "GS01001",
}


def _family(prefix: str) -> CodeFamily:
    try:
        return FAMILIES[prefix]
    except KeyError:
        raise InvalidCode(_("There is no code family %(prefix)s.") % {"prefix": prefix}) from None


def _period_text(family: CodeFamily, on: dt.date) -> str:
    if family.period == "month":
        return on.strftime("%y%m")
    if family.period == "year":
        return on.strftime("%y")
    return ""


def allocate_code(prefix: str, *, on: dt.date | None = None, category: int | None = None) -> str:
    """Give the next code of a family. Call it inside the transaction that creates the record."""
    family = _family(prefix)
    if family.category:
        if category is None or not 1 <= int(category) <= 99:
            raise CodeError(
                _("A %(family)s code needs a category number from 01 to 99.")
                % {"family": family.label}
            )
    elif category is not None:
        raise CodeError(_("%(family)s codes have no category.") % {"family": family.label})
    if on is None:
        on = timezone.localdate()
    period = _period_text(family, on)
    category_text = f"{int(category):02d}" if family.category else ""
    scope = period + category_text
    width = family.width
    limit = 10**width - 1 if width else 1

    with transaction.atomic():
        serial = _next_serial(family.prefix, scope, limit)
        if serial is None:
            raise CodeRangeExhausted(
                _(
                    "No %(family)s code (%(prefix)s) is left for %(scope)s: all %(limit)s "
                    "serials are used. Ask the administrator to widen the %(prefix)s serial."
                )
                % {
                    "family": family.label,
                    "prefix": family.prefix,
                    "scope": scope or family.prefix,
                    "limit": limit,
                }
            )
    serial_text = f"{serial:0{width}d}" if width else ""
    return f"{family.prefix}{period}{category_text}{serial_text}"


_UPDATE = (
    "UPDATE core_codesequence SET last_serial = last_serial + 1 "
    "WHERE family = %s AND scope = %s AND last_serial < %s RETURNING last_serial"
)


def _next_serial(prefix: str, scope: str, limit: int) -> int | None:
    """Advance the counter in one statement; None when the range is used up."""
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE, [prefix, scope, limit])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        # Either the range is used up, or this scope has no counter yet. Decide by the value,
        # not by the row's existence: a concurrent creator may have just committed the row.
        if CodeSequence.objects.filter(family=prefix, scope=scope, last_serial__gte=limit).exists():
            return None
        # First code of this scope: create the counter (ON CONFLICT DO NOTHING, so a concurrent
        # creator may win the race), then advance it.
        CodeSequence.objects.bulk_create(
            [CodeSequence(family=prefix, scope=scope, last_serial=0)], ignore_conflicts=True
        )
    raise CodeError(_("The code counter could not be advanced; try again."))


def parse_code(text: str) -> tuple[CodeFamily, dict[str, str]]:
    """Read a code typed by a person: trimmed, case-insensitive, full-width letters accepted."""
    import unicodedata

    normal = unicodedata.normalize("NFKC", text or "").strip().upper().replace(" ", "")
    if len(normal) < 2 or normal[:2] not in FAMILIES:
        raise InvalidCode(
            _(
                "“%(text)s” is not a code. Codes start with a family such as KH or XM, e.g. %(example)s."
            )
            % {"text": text[:40], "example": EXAMPLES["KH"]}
        )
    family = FAMILIES[normal[:2]]
    match = family.pattern.match(normal)
    if not match:
        raise InvalidCode(
            _("“%(text)s” is not a valid %(family)s code. They look like %(example)s.")
            % {"text": text[:40], "family": family.label, "example": family.example}
        )
    return family, {"code": normal, **match.groupdict()}


# -- finding a record by its code (COD-4) -------------------------------------------------


@dataclass(frozen=True)
class CodeTarget:
    model: type[Model]
    url_name: str
    can_view: object  # callable(user, obj) -> bool, the record type's own scope rule


_REGISTRY: dict[str, CodeTarget] = {}


def register(prefix: str, model: type[Model], url_name: str, can_view) -> None:
    """Each app registers the record type its code family names (in ``AppConfig.ready``)."""
    _family(prefix)
    _REGISTRY[prefix] = CodeTarget(model, url_name, can_view)


def registered(prefix: str) -> CodeTarget | None:
    return _REGISTRY.get(prefix)
