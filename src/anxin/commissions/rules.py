"""Which rule commissions a line: the rule book of a store, read once, asked many times.

For a line paid on a day by a practitioner of a level, with the practitioner's services already
paid that month (the volume): among the rules of the line's basis that cover its item (the
item, its category, or every item) and the practitioner's level (or every level), each rule
counts in its version in force on that day; the most specific rule wins (item before category
before every item, a level before every level), and of its tiers the highest one reached.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from anxin.core.marks import kept

from .models import Basis, Mode, Rule

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def basis_of(clock_type: str) -> str:
    """点钟 and 加钟 are requested; 轮钟 (and a line without a clock type) is rotation."""
    return Basis.ROTATION if clock_type in ("rotation", "") else Basis.REQUESTED


def commission_on(rule: Rule, base: Decimal, quantity: int = 1) -> Decimal:
    if rule.mode == Mode.PERCENT:
        return cents(base * rule.rate / 100)
    return cents(rule.rate * quantity)


class RuleBook:
    """The store's rules, grouped by key, each key's versions newest first."""

    def __init__(self, rules):
        self.versions: dict[tuple, list[Rule]] = defaultdict(list)
        for rule in sorted(rules, key=lambda r: (r.effective_from, r.pk), reverse=True):
            self.versions[rule.key].append(rule)
        self._cache: dict[tuple, list[tuple[tuple, Rule]]] = {}
        every = [rule for versions in self.versions.values() for rule in versions]
        # What finding a rule needs to know of a line: levels and monthly volumes are read
        # only when some rule asks for them.
        self.uses_levels = any(rule.level for rule in every)
        self.uses_tiers = any(rule.min_volume > 0 for rule in every)
        self.uses_categories = any(rule.category_id is not None for rule in every)

    @classmethod
    def of(cls, store) -> RuleBook:
        """The store's rule book, read by every bill: kept per server process until a rule of
        the store changes (``core.marks``); shared by the process's threads."""
        return kept(store, "commissions.rules", lambda: cls(Rule.objects.filter(store=store)))

    def _in_force(self, day: dt.date) -> list[tuple[tuple, Rule]]:
        """Every key's version in force on ``day``, most specific first, highest tier first."""
        found = self._cache.get(day)
        if found is None:
            found = []
            for key, versions in self.versions.items():
                for rule in versions:
                    if rule.effective_from <= day:
                        found.append((key, rule))
                        break
            found.sort(
                key=lambda kr: (
                    kr[1].item_id is not None,
                    kr[1].category_id is not None,
                    bool(kr[1].level),
                    kr[1].min_volume,
                ),
                reverse=True,
            )
            self._cache[day] = found
        return found

    def find(
        self,
        *,
        basis: str,
        day: dt.date,
        item_id=None,
        category_id=None,
        level: str = "",
        volume: Decimal = ZERO,
    ) -> Rule | None:
        for _key, rule in self._in_force(day):
            if (
                rule.basis == basis
                and (rule.item_id is None or rule.item_id == item_id)
                and (rule.category_id is None or rule.category_id == category_id)
                and (not rule.level or rule.level == level)
                and rule.min_volume <= volume
            ):
                return rule
        return None
