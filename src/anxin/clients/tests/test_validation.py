"""The ID-number check agrees with python-stdnum's cn.ric exactly (only faster: the region
lookup is memoised), for valid numbers and for every kind of mistake."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from anxin.clients.validation import _validate_ric, clean_phone
from anxin.core.demo import DemoRandom


def outcome(fn, number):
    try:
        return fn(number)
    except Exception as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    mutate=st.sampled_from(["none", "check", "digit", "region", "date", "short"]),
    position=st.integers(0, 16),
)
@pytest.mark.req("CLI-1")
def test_same_verdict_as_stdnum(seed, mutate, position):
    rnd = DemoRandom(seed)
    number = rnd.id_number(birth=rnd.birth_date(today=dt.date(2026, 1, 1)), female=seed % 2 == 0)
    if mutate == "check":
        number = number[:-1] + ("0" if number[-1] != "0" else "1")
    elif mutate == "digit":
        number = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
    elif mutate == "region":
        number = "99" + number[2:]
    elif mutate == "date":
        number = number[:10] + "13" + number[12:]
    elif mutate == "short":
        number = number[:position]
    assert outcome(_validate_ric, number) == outcome(ric.validate, number)


@given(st.text(max_size=40))
@pytest.mark.req("CLI-1")
def test_phone_check_never_crashes(text):
    try:
        clean_phone(text)
    except Exception as exc:
        assert type(exc).__name__ == "ValidationError"
