"""Promotion rules are data; eligibility and discounts are pure functions (BIZ-2)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from anxin.catalogue.rules import MEMBER_LEVELS, Purchase, discounted, eligible, validate_rules

pytestmark = pytest.mark.req("BIZ-2")

money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)
codes = st.sampled_from(["XM01001", "XM01002", "XM02001", "XM03005"])
levels = st.sampled_from([*MEMBER_LEVELS, None])
purchases = st.builds(
    Purchase, item_code=codes, price=money, is_new_client=st.booleans(), member_level=levels
)
rule_sets = st.fixed_dictionaries(
    {},
    optional={
        "new_clients_only": st.booleans(),
        "min_spend": money.map(str),
        "items": st.lists(codes, max_size=3),
        "member_levels": st.lists(st.sampled_from(MEMBER_LEVELS), max_size=3),
    },
)


@given(price=money, value=money, kind=st.sampled_from(["percent", "amount"]))
def test_a_discount_never_goes_below_zero_nor_above_the_price(price, value, kind):
    result = discounted(price, kind, value)
    assert Decimal(0) <= result <= price
    assert result == result.quantize(Decimal("0.01"))


def test_discount_examples():
    assert discounted(Decimal("128.00"), "percent", Decimal("20")) == Decimal("102.40")
    assert discounted(Decimal("98.00"), "amount", Decimal("30")) == Decimal("68.00")
    assert discounted(Decimal("98.00"), "amount", Decimal("300")) == Decimal("0.00")


@given(rules=rule_sets)
def test_validating_is_idempotent(rules):
    clean = validate_rules(rules)
    assert validate_rules(clean) == clean


@given(purchase=purchases)
def test_no_rules_means_everyone(purchase):
    assert eligible({}, purchase)


@given(rules=rule_sets, purchase=purchases)
def test_eligible_exactly_when_every_rule_holds(rules, purchase):
    clean = validate_rules(rules)
    expected = all(
        [
            not clean.get("new_clients_only") or purchase.is_new_client,
            "min_spend" not in clean or purchase.price >= Decimal(clean["min_spend"]),
            "items" not in clean or purchase.item_code in clean["items"],
            "member_levels" not in clean or purchase.member_level in clean["member_levels"],
        ]
    )
    assert eligible(clean, purchase) is expected


@given(rules=rule_sets, purchase=purchases)
def test_adding_a_rule_never_widens_eligibility(rules, purchase):
    clean = validate_rules(rules)
    stricter = validate_rules({**clean, "new_clients_only": True})
    if eligible(stricter, purchase):
        assert eligible(clean, purchase)


@pytest.mark.parametrize(
    "bad",
    [
        ["not", "a", "dict"],
        {"colour": "red"},
        {"new_clients_only": "yes"},
        {"min_spend": "lots"},
        {"min_spend": "-1"},
        {"min_spend": "1e9"},
        {"items": "XM01001"},
        {"items": ["KH23050123"]},
        {"items": ["<script>"]},
        {"member_levels": ["diamond"]},
    ],
)
def test_bad_rules_are_refused_with_a_message(bad):
    with pytest.raises(ValidationError) as exc:
        validate_rules(bad)
    assert exc.value.messages[0]
