"""Bookings respect working hours, approved leave and days off; leave respects bookings
(BIZ-3, STF-4)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from anxin.attendance.services import leave_decide, leave_request, pattern_set
from anxin.clients.services import client_create
from anxin.scheduling import selectors, services
from anxin.scheduling.models import Appointment
from anxin.staff.tests.factories import hr_persona, staff_file

# Monday to Friday, 10:00-18:00, on the national calendar (public holidays off, 调休 worked)
WEEKDAYS = {str(d): ["10:00", "18:00"] for d in range(5)}


def next_weekday(weekday: int) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def at(day, hh, mm=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


@pytest.fixture
def rostered(store, practitioner):
    hr = hr_persona(store)
    member = staff_file(actor=hr, store=store, user=practitioner)
    pattern_set(actor=hr, store=store, member=member, calendar="roster", week=WEEKDAYS)
    return member


@pytest.fixture
def customer(store, front_desk):
    return client_create(actor=front_desk, store=store, name="考勤客", phone="13712340000")


def book(front_desk, store, customer, practitioner, start, minutes=60):
    return services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner,
        start=start,
        minutes=minutes,
        item_name="推拿",
    )


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "STF-4")
def test_bookings_only_within_working_hours_of_a_rostered_practitioner(
    store, front_desk, practitioner, rostered, customer
):
    monday, saturday = next_weekday(0), next_weekday(5)
    for start, minutes in [(at(monday, 9), 60), (at(monday, 17, 30), 60), (at(saturday, 11), 60)]:
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            book(front_desk, store, customer, practitioner, start, minutes)
        assert "not working then" in " ".join(exc.value.message_dict["start"])
    book(front_desk, store, customer, practitioner, at(monday, 10))
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "STF-4")
def test_approved_leave_blocks_bookings_and_leave_over_a_booking_lists_it(
    store, front_desk, manager, practitioner, rostered, customer
):
    tuesday, wednesday = next_weekday(1), next_weekday(2)
    booked = book(front_desk, store, customer, practitioner, at(wednesday, 11))
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        leave_request(
            actor=practitioner,
            store=store,
            kind="annual",
            start=at(wednesday, 10),
            end=at(wednesday, 18),
        )
    assert booked.code in str(exc.value)
    leave = leave_request(
        actor=practitioner, store=store, kind="annual", start=at(tuesday, 10), end=at(tuesday, 18)
    )
    leave_decide(actor=manager, store=store, pk=leave.pk, approve=True)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        book(front_desk, store, customer, practitioner, at(tuesday, 14))
    assert "leave" in " ".join(exc.value.message_dict["start"])
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_free_slots_follow_working_hours_and_someone_without_a_file_is_unlimited(
    store, front_desk, practitioner, practitioner_b, rostered, settings
):
    settings.ANXIN_OPENING_HOURS = "08:00-20:00"
    monday = next_weekday(0)
    found = dict(selectors.free_slots(store=store, day=monday, minutes=60))
    rostered_times = [timezone.localtime(t).strftime("%H:%M") for t in found[practitioner]]
    assert rostered_times[0] == "10:00" and rostered_times[-1] == "17:00"
    open_times = [timezone.localtime(t).strftime("%H:%M") for t in found[practitioner_b]]
    assert open_times[0] == "08:00" and open_times[-1] == "19:00"
