"""The appointment pages at a store's scale (BIZ-3): the free-slot search and the conflict check
read the day's bookings, not the whole booking history; the day view reads the day."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from anxin.clients.services import client_create
from anxin.core.testing import (
    assert_constant_queries,
    assert_no_full_scans,
    captured,
    query_plan,
)
from anxin.scheduling import selectors, services
from anxin.scheduling.models import Appointment, Status


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def customer(store, front_desk):
    return client_create(actor=front_desk, store=store, name="李雷", phone="13912345678")


@pytest.fixture
def history(store, customer, practitioner):
    """``add(n)``: n past bookings (done) per day, on the n days before last week."""

    def add(n):
        done = Appointment.objects.count()
        for d in range(done, done + n):
            day = timezone.localdate() - dt.timedelta(days=8 + d)
            for h in range(n):
                start = local(day, 10 + h)
                Appointment.objects.create(
                    store=store, client=customer, practitioner=practitioner,
                    item_name="推拿", start=start, end=start + dt.timedelta(minutes=50),
                    busy_until=start + dt.timedelta(minutes=60), status=Status.DONE,
                    code=f"YY{d:04d}{h:02d}",
                )  # fmt: skip

    return add


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_booking_from_the_evening_before_still_blocks_the_morning(
    store, front_desk, practitioner, customer
):
    day = timezone.localdate() + dt.timedelta(days=3)
    services.appointment_book(
        actor=front_desk, store=store, client=customer, practitioner=practitioner,
        start=local(day - dt.timedelta(days=1), 23), minutes=12 * 60, item_name="陪护",
    )  # fmt: skip
    (_person, times), *_ = selectors.free_slots(store=store, day=day, minutes=60)
    assert times[0] == local(day, 11, 15)  # ends 11:00, then the rest gap
    with pytest.raises(ValidationError):
        services.appointment_book(
            actor=front_desk, store=store, client=customer, practitioner=practitioner,
            start=local(day, 10, 30), minutes=30, item_name="推拿",
        )  # fmt: skip


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_free_slot_search_reads_the_day_not_the_history(store, practitioner, history):
    history(3)
    day = timezone.localdate() + dt.timedelta(days=1)
    _result, sql = captured(lambda: selectors.free_slots(store=store, day=day, minutes=60))
    assert_no_full_scans(sql)
    bookings = [s for s in sql if 'FROM "scheduling_appointment"' in s]
    assert bookings
    for statement in bookings:
        plan = " ".join(query_plan(statement))
        assert "start>? AND" in plan and "start<?" in plan, plan  # a range, bounded both ways


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_day_view_takes_the_same_queries_however_long_the_history(
    client, login, manager, history
):
    login(client, manager)
    assert_constant_queries(lambda: client.get("/appointments/"), history, rows=2)


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_day_view_and_the_free_slots_page_read_through_indexes(client, login, manager, history):
    history(3)
    login(client, manager)
    for path in ("/appointments/", f"/appointments/free/?day={timezone.localdate()}&minutes=60"):
        response, sql = captured(lambda path=path: client.get(path))
        assert response.status_code == 200
        assert_no_full_scans(sql)
