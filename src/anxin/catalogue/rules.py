"""Promotion eligibility rules as data, and the pure functions that check and apply them.

A rule set is a JSON object; every key is optional and all given keys must hold::

    {"new_clients_only": true,          # the client's first service in this store
     "min_spend": "200.00",             # the item's price before the discount, in yuan
     "items": ["XM01001", "XM02003"],   # only these items
     "member_levels": ["gold"]}         # only clients at one of these member levels

An empty rule set means everyone is eligible.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from anxin.core.codes import InvalidCode, parse_code

KEYS = ("new_clients_only", "min_spend", "items", "member_levels")
MEMBER_LEVELS = ("regular", "silver", "gold", "platinum")
CENT = Decimal("0.01")
MAX_MONEY = Decimal("100000.00")


@dataclass(frozen=True)
class Purchase:
    """What the rules look at: one service for one client."""

    item_code: str
    price: Decimal
    is_new_client: bool
    member_level: str | None = None


def validate_rules(data) -> dict:
    """The rule set in its stored form, or ``ValidationError`` with a translated message."""
    if data in (None, ""):
        return {}
    if not isinstance(data, dict):
        raise ValidationError(_("The rules must be a set of named conditions."))
    unknown = sorted(set(data) - set(KEYS), key=str)
    if unknown:
        raise ValidationError(
            _("Unknown rule: %(names)s."), params={"names": ", ".join(map(str, unknown))[:200]}
        )
    clean: dict = {}
    if "new_clients_only" in data:
        if not isinstance(data["new_clients_only"], bool):
            raise ValidationError(_("“New clients only” must be yes or no."))
        if data["new_clients_only"]:
            clean["new_clients_only"] = True
    if data.get("min_spend") not in (None, ""):
        try:
            spend = Decimal(str(data["min_spend"]))
        except (InvalidOperation, ValueError):
            raise ValidationError(_("The minimum spend must be an amount in yuan.")) from None
        if not spend.is_finite() or spend < 0 or spend > MAX_MONEY:
            raise ValidationError(
                _("The minimum spend must be between 0 and %(max)s yuan."),
                params={"max": MAX_MONEY},
            )
        clean["min_spend"] = str(spend.quantize(CENT, rounding=ROUND_HALF_UP))
    if data.get("items"):
        items = data["items"]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValidationError(_("The chosen items must be a list of item codes."))
        codes = []
        for text in items:
            try:
                family, parts = parse_code(text)
            except InvalidCode as exc:
                raise ValidationError(str(exc)) from None
            if family.prefix != "XM":
                raise ValidationError(
                    _("%(code)s is not a service item code."), params={"code": parts["code"]}
                )
            codes.append(parts["code"])
        clean["items"] = sorted(set(codes))
    if data.get("member_levels"):
        levels = data["member_levels"]
        if not isinstance(levels, list) or not set(levels) <= set(MEMBER_LEVELS):
            raise ValidationError(_("Unknown member level."))
        clean["member_levels"] = sorted(set(levels), key=MEMBER_LEVELS.index)
    return clean


def eligible(rules: dict, purchase: Purchase) -> bool:
    """Whether the purchase meets every rule of the (validated) rule set."""
    if rules.get("new_clients_only") and not purchase.is_new_client:
        return False
    if "min_spend" in rules and purchase.price < Decimal(rules["min_spend"]):
        return False
    if "items" in rules and purchase.item_code not in rules["items"]:
        return False
    return not ("member_levels" in rules and purchase.member_level not in rules["member_levels"])


def discounted(price: Decimal, kind: str, value: Decimal) -> Decimal:
    """The price after the discount: never below zero, never above the price, to the fen."""
    price = Decimal(price)
    if kind == "percent":
        pct = min(max(Decimal(value), Decimal(0)), Decimal(100))
        result = price * (Decimal(100) - pct) / Decimal(100)
    else:
        result = price - max(Decimal(value), Decimal(0))
    result = min(max(result, Decimal(0)), price)
    return result.quantize(CENT, rounding=ROUND_HALF_UP)
