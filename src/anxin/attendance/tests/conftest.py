import datetime as dt

import pytest
from django.utils import timezone, translation

from anxin.staff.tests.factories import hr_persona, staff_file

OFFICE = {str(d): ["09:00", "18:00"] for d in range(5)}
EVERY_DAY = {str(d): ["10:00", "22:00"] for d in range(7)}


@pytest.fixture(autouse=True)
def _english():
    """Service messages are read in English here (the pages are tested in their languages)."""
    with translation.override("en"):
        yield


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hh, mm))


@pytest.fixture
def hr(store):
    return hr_persona(store)


@pytest.fixture
def clerk(store, make_persona):
    return make_persona("clerk", store, "attendance_clerk")


@pytest.fixture
def member(hr, store, practitioner):
    """Practitioner A's staff file, hired in 2023, on the shop roster 10:00-22:00 every day."""
    from anxin.attendance.services import pattern_set

    m = staff_file(actor=hr, store=store, user=practitioner)
    pattern_set(actor=hr, store=store, member=m, calendar="roster", week=EVERY_DAY)
    return m


@pytest.fixture
def member_b(hr, store, practitioner_b):
    return staff_file(actor=hr, store=store, user=practitioner_b, name="李强")
