"""BIZ-3: bookings never overlap for a practitioner (with the rest gap) or a room."""

import contextlib
import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.audit.models import OperationLog, UseLog
from anxin.clients.services import client_create
from anxin.scheduling import services
from anxin.scheduling.models import Appointment, Room, Status

from .concurrency import at_once


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    base = timezone.localdate() + dt.timedelta(days=day_offset)
    return timezone.make_aware(dt.datetime.combine(base, dt.time(hour, minute)))


@pytest.fixture
def clients(store, front_desk):
    return [
        client_create(actor=front_desk, store=store, name=f"客户{i}", phone=f"1381234{i:04d}")
        for i in range(3)
    ]


@pytest.fixture
def room(store):
    return Room.objects.create(store=store, name="1号床")


def book(front_desk, store, client, practitioner, start, minutes=60, room=None, **kw):
    return services.appointment_book(
        actor=front_desk,
        store=store,
        client=client,
        practitioner=practitioner,
        start=start,
        minutes=minutes,
        item_name="全身推拿",
        room=room,
        **kw,
    )


def messages_of(exc: ValidationError) -> str:
    return " ".join(m for msgs in exc.message_dict.values() for m in msgs)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "COD-YY")
def test_a_booking_gets_a_yy_code_and_holds_the_rest_gap(store, front_desk, practitioner, clients):
    appointment = book(front_desk, store, clients[0], practitioner, at(1, 10))
    assert appointment.code.startswith("YY") and len(appointment.code) == 10
    assert appointment.end == at(1, 11)
    assert appointment.busy_until == at(1, 11, 10)
    entry = OperationLog.objects.get(record_code=appointment.code)
    assert entry.action == "create" and entry.operator == front_desk


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
@pytest.mark.parametrize(
    ("start", "minutes"),
    [((1, 10, 30), 60), ((1, 9, 30), 31), ((1, 11, 5), 30), ((1, 9, 0), 180)],
)
def test_an_overlap_with_the_practitioner_is_refused_and_nothing_changes(
    store, front_desk, practitioner, clients, start, minutes
):
    first = book(front_desk, store, clients[0], practitioner, at(1, 10))
    before = (Appointment.objects.count(), OperationLog.objects.count())
    with pytest.raises(ValidationError) as exc:
        book(front_desk, store, clients[1], practitioner, at(*start), minutes)
    assert first.code in messages_of(exc.value)
    assert "客户0" not in messages_of(exc.value)  # the other client is not named
    assert (Appointment.objects.count(), OperationLog.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_right_after_the_rest_gap_is_free_and_another_practitioner_is_free(
    store, front_desk, practitioner, practitioner_b, clients
):
    book(front_desk, store, clients[0], practitioner, at(1, 10))
    book(front_desk, store, clients[1], practitioner, at(1, 11, 10))  # end + 10 minutes
    book(front_desk, store, clients[2], practitioner_b, at(1, 10))
    book(front_desk, store, clients[2], practitioner, at(1, 8), minutes=110)  # ends 9:50 + gap
    assert Appointment.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_room_cannot_be_double_booked(
    store, front_desk, practitioner, practitioner_b, clients, room
):
    book(front_desk, store, clients[0], practitioner, at(1, 10), room=room)
    with pytest.raises(ValidationError) as exc:
        book(front_desk, store, clients[1], practitioner_b, at(1, 10, 30), room=room)
    assert "1号床" in messages_of(exc.value)
    # a room needs no rest gap: the next session may start when the last ends
    book(front_desk, store, clients[1], practitioner_b, at(1, 11), room=room)
    assert Appointment.objects.filter(room=room).count() == 2


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_cancelled_booking_frees_its_slot_and_needs_a_reason(
    store, front_desk, practitioner, clients
):
    first = book(front_desk, store, clients[0], practitioner, at(1, 10))
    with pytest.raises(ValidationError):
        services.appointment_cancel(actor=front_desk, appointment=first, reason=" ")
    first.refresh_from_db()
    assert first.status == Status.BOOKED
    services.appointment_cancel(actor=front_desk, appointment=first, reason="客户改期")
    book(front_desk, store, clients[1], practitioner, at(1, 10))
    log = OperationLog.objects.get(record_code=first.code, action="cancelled")
    assert log.reason == "客户改期"


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_bad_bookings_each_get_a_clear_message_and_nothing_is_saved(
    store, other_store, front_desk, practitioner, clients, make_persona
):
    from anxin.clients.models import Client

    elsewhere = Client.objects.create(code="KH99010001", store=other_store, name="外店客户")
    other_room = Room.objects.create(store=other_store, name="外店床")
    cases = [
        ({"start": at(1, 10), "minutes": 0}, "duration"),  # zero length
        ({"start": at(-1, 10)}, "start"),  # in the past
        ({"start": at(1, 10), "practitioner": front_desk}, "practitioner"),  # not a practitioner
        ({"start": at(1, 10), "client": elsewhere}, "client"),  # another store's client
        ({"start": at(1, 10), "room": other_room}, "room"),  # another store's room
        ({"start": at(1, 10), "minutes": 13 * 60}, "duration"),  # absurd length
    ]
    for overrides, field in cases:
        kwargs = {"client": clients[0], "practitioner": practitioner, "minutes": 60, **overrides}
        with pytest.raises(ValidationError) as exc:
            book(front_desk, store, kwargs.pop("client"), kwargs.pop("practitioner"), **kwargs)
        assert field in exc.value.message_dict, (overrides, exc.value.message_dict)
    assert Appointment.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_availability_checks_from_other_apps_are_honoured(
    store, front_desk, practitioner, clients, monkeypatch
):
    def on_leave(*, practitioner, store, start, end):
        return ["在休假"] if start.date() == at(1, 0).date() else []

    monkeypatch.setitem(services.AVAILABILITY_CHECKS, "leave", on_leave)
    with pytest.raises(ValidationError) as exc:
        book(front_desk, store, clients[0], practitioner, at(1, 10))
    assert "在休假" in messages_of(exc.value)
    book(front_desk, store, clients[0], practitioner, at(2, 10))
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "SEC-3")
def test_a_practitioner_cannot_book_and_the_attempt_is_logged(store, practitioner, clients):
    before = Appointment.objects.count()
    with pytest.raises(PermissionDenied):
        book(practitioner, store, clients[0], practitioner, at(1, 10))
    assert Appointment.objects.count() == before
    denied = UseLog.objects.order_by("-seq").first()
    assert (denied.user, denied.record_type, denied.outcome) == (
        practitioner,
        "scheduling.appointment",
        "denied",
    )


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_rescheduling_checks_the_new_slot_but_not_against_itself(
    store, front_desk, practitioner, clients
):
    first = book(front_desk, store, clients[0], practitioner, at(1, 10))
    second = book(front_desk, store, clients[1], practitioner, at(1, 14))
    moved = services.appointment_reschedule(
        actor=front_desk, appointment=first, start=at(1, 10, 30), reason="客户晚到"
    )
    assert (moved.start, moved.end) == (at(1, 10, 30), at(1, 11, 30))
    with pytest.raises(ValidationError) as exc:
        services.appointment_reschedule(
            actor=front_desk, appointment=first, start=at(1, 13, 30), reason="改时间"
        )
    assert second.code in messages_of(exc.value)
    first.refresh_from_db()
    assert first.start == at(1, 10, 30)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_no_show_only_after_the_start(store, front_desk, practitioner, clients):
    first = book(front_desk, store, clients[0], practitioner, at(1, 10))
    with pytest.raises(ValidationError):
        services.appointment_no_show(actor=front_desk, appointment=first, reason="未到")
    services.appointment_no_show(
        actor=front_desk, appointment=first, reason="未到", now=at(1, 10, 30)
    )
    first.refresh_from_db()
    assert first.status == Status.NO_SHOW


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("BIZ-3", "PLT-1")
def test_twenty_concurrent_attempts_at_one_slot_give_exactly_one_booking(
    store, front_desk, practitioner, room
):
    """Different clients, one practitioner, one room, one slot: 1 booking, 19 conflicts."""
    workers = 20
    people = [
        client_create(actor=front_desk, store=store, name=f"并发{i}", phone=f"1390000{i:04d}")
        for i in range(workers)
    ]
    start = at(1, 15)
    outcomes = at_once(
        lambda person: book(front_desk, store, person, practitioner, start, room=room), people
    )
    assert outcomes == ["booked"] + ["conflict"] * (workers - 1), outcomes
    assert Appointment.objects.filter(practitioner=practitioner).count() == 1


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(
    attempts=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 40), st.integers(1, 12)), max_size=12
    )
)
def test_whatever_is_attempted_no_two_bookings_of_a_practitioner_overlap(
    attempts, store, front_desk, practitioner, practitioner_b, clients
):
    """Property: after any sequence of attempts, held bookings keep the rest gap apart."""
    Appointment.objects.all().delete()
    people = [practitioner, practitioner_b]
    for who, slot, length in attempts:
        start = at(1, 8) + dt.timedelta(minutes=15 * slot)
        with contextlib.suppress(ValidationError):
            book(front_desk, store, clients[0], people[who], start, minutes=15 * length)
    gap = services.rest_gap()
    for person in people:
        held = list(Appointment.objects.filter(practitioner=person).order_by("start"))
        for a, b in itertools.pairwise(held):
            assert a.end + gap <= b.start
    # and the one client is never in two bookings at once
    theirs = list(Appointment.objects.filter(client=clients[0]).order_by("start"))
    for a, b in itertools.pairwise(theirs):
        assert a.end <= b.start


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_a_practitioner_sees_a_client_booked_with_them_until_the_booking_is_cancelled(
    store, front_desk, practitioner, practitioner_b, clients
):
    from anxin.clients.selectors import scoped_clients

    def visible(person):
        return set(scoped_clients(actor=person, store=store).values_list("pk", flat=True))

    assert clients[0].pk not in visible(practitioner)
    booking = book(front_desk, store, clients[0], practitioner, at(1, 10))
    assert clients[0].pk in visible(practitioner)
    assert clients[0].pk not in visible(practitioner_b)
    services.appointment_cancel(actor=front_desk, appointment=booking, reason="改约")
    assert clients[0].pk not in visible(practitioner)


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("BIZ-3")
def test_reminders_reach_client_and_practitioner_once(
    store, front_desk, practitioner, clients, settings, tmp_path
):
    from anxin.notifications.models import Notification

    settings.DATA_DIR = tmp_path
    settings.ANXIN_NOTIFY_CHANNELS = {"sms": "anxin.notifications.backends.FileBackend"}
    soon = book(front_desk, store, clients[0], practitioner, timezone.now() + dt.timedelta(hours=3))
    later = book(front_desk, store, clients[1], practitioner, at(3, 10))
    # the booking itself told the practitioner
    assert (
        Notification.objects.filter(recipient=practitioner, subject__contains=soon.code).count()
        == 1
    )
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0  # once only
    sms = (tmp_path / "outbox" / "sms.log").read_text(encoding="utf-8").splitlines()
    # one reminder, logged with the number masked and without its text
    assert len(sms) == 1 and "sms to 138****0000: scheduling.reminder" in sms[0]
    assert clients[0].phone not in sms[0] and soon.code not in sms[0]
    later.refresh_from_db()
    assert later.reminded_at is None  # not yet due
    assert (
        Notification.objects.filter(recipient=practitioner, subject__contains=soon.code).count()
        == 2
    )
    used = UseLog.objects.get(action="notify")
    assert (used.record_code, used.user) == (clients[0].code, None)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "CLI-4")
def test_start_and_end_of_service_stamp_the_times_and_write_the_service_record(
    store, front_desk, manager, practitioner, clients, item
):
    from anxin.clients.models import ServiceRecord
    from anxin.scheduling.models import QueueEntry

    services.queue_open(
        actor=manager, store=store, day=timezone.localdate(), practitioners=[practitioner]
    )
    now = timezone.now()
    booking = services.appointment_book(
        actor=front_desk,
        store=store,
        client=clients[0],
        practitioner=practitioner,
        start=now,
        item=item,
    )
    assert (booking.item_name, booking.end - booking.start) == ("全身推拿", dt.timedelta(hours=1))
    with pytest.raises(ValidationError):  # not started yet
        services.service_end(actor=practitioner, appointment=booking)
    started = services.service_start(actor=practitioner, appointment=booking)
    assert started.status == Status.IN_SERVICE and started.started_at is not None
    ended = services.service_end(actor=practitioner, appointment=booking)
    record = ServiceRecord.objects.get()
    assert ended.status == Status.DONE and ended.service_record == record
    assert (record.practitioner, record.client, record.item) == (practitioner, clients[0], item)
    assert record.clock_type == "named" and record.amount == item.price
    assert (record.started_at, record.ended_at) == (started.started_at, ended.ended_at)
    assert QueueEntry.objects.get(practitioner=practitioner).last_end == ended.ended_at


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_only_the_practitioner_or_the_desk_starts_a_service_and_a_refusal_changes_nothing(
    store, front_desk, practitioner, practitioner_b, clients, item
):
    booking = services.appointment_book(
        actor=front_desk,
        store=store,
        client=clients[0],
        practitioner=practitioner,
        start=timezone.now(),
        item=item,
    )
    with pytest.raises(PermissionDenied):
        services.service_start(actor=practitioner_b, appointment=booking)
    booking.refresh_from_db()
    assert (booking.status, booking.started_at) == (Status.BOOKED, None)
    services.service_start(actor=front_desk, appointment=booking)
    booking.refresh_from_db()
    assert booking.status == Status.IN_SERVICE
