"""The appointment pages: booking (named and rotation), the day view, changes, free slots, queue."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.audit.models import UseLog
from anxin.clients.services import client_create
from anxin.scheduling import services
from anxin.scheduling.models import Appointment, QueueEntry, Room, Status


def local(day_offset, hour, minute=0):
    base = timezone.localdate() + dt.timedelta(days=day_offset)
    return timezone.make_aware(dt.datetime.combine(base, dt.time(hour, minute)))


@pytest.fixture
def customer(store, front_desk):
    return client_create(actor=front_desk, store=store, name="李雷", phone="13912345678")


def booking(item, customer, who, start, **extra):
    return {
        "client": customer.code,
        "practitioner": str(who) if not isinstance(who, str) else who,
        "item": str(item.pk),
        "minutes": "",
        "start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "room": "",
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_front_desk_books_by_name_and_a_conflict_is_shown_on_the_field(
    item, client, login, store, front_desk, practitioner, customer
):
    login(client, front_desk)
    response = client.post(
        "/appointments/new/", booking(item, customer, practitioner.pk, local(1, 10))
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{appointment.code}/")
    again = client.post(
        "/appointments/new/",
        booking(item, customer, practitioner.pk, local(1, 10, 30)),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 400
    assert appointment.code in again.content.decode()
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_rotation_booking_goes_to_the_head_and_a_failed_one_uses_no_turn(
    item, client, login, store, front_desk, manager, practitioner, practitioner_b, customer
):
    # Half an hour from now, and the queue of that day (from 23:30 it is tomorrow's).
    soon = timezone.now() + dt.timedelta(minutes=30)
    day = timezone.localdate(soon)
    services.queue_open(
        actor=manager,
        store=store,
        day=day,
        practitioners=[practitioner, practitioner_b],
    )
    login(client, front_desk)
    assert (
        client.post("/appointments/new/", booking(item, customer, "rotation", soon)).status_code
        == 302
    )
    first = Appointment.objects.get()
    assert (first.practitioner, first.clock_type) == (practitioner, "rotation")
    # A rotation booking in the past fails: practitioner_b keeps their turn.
    past = timezone.now() - dt.timedelta(hours=2)
    assert (
        client.post("/appointments/new/", booking(item, customer, "rotation", past)).status_code
        == 400
    )
    assert QueueEntry.objects.get(practitioner=practitioner_b).rotation_count == 0
    assert services.queue_order(store=store, day=day)[0].practitioner == practitioner_b


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "SEC-3")
def test_a_practitioner_sees_only_their_own_bookings(
    client, login, store, front_desk, practitioner, practitioner_b, customer
):
    mine = services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner,
        start=local(1, 10),
        minutes=60,
        item_name="足疗",
    )
    theirs = services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner_b,
        start=local(1, 14),  # the client is in one booking at a time
        minutes=60,
        item_name="足疗",
    )
    login(client, practitioner)
    day = client.get(f"/appointments/?day={timezone.localdate() + dt.timedelta(days=1)}")
    page = day.content.decode()
    assert mine.code in page and theirs.code not in page
    assert client.get(f"/appointments/{theirs.code}/").status_code == 404
    denied = UseLog.objects.order_by("-seq").first()
    assert (denied.record_id, denied.outcome) == (theirs.code, "denied")
    # and cannot book or change
    assert client.get("/appointments/new/").status_code == 403
    response = client.post(f"/appointments/{mine.code}/cancel/", {"cancel-reason": "x"})
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == Status.BOOKED


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_cancel_needs_a_reason_and_frees_the_slot(
    client, login, store, front_desk, practitioner, customer
):
    appointment = services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner,
        start=local(1, 10),
        minutes=60,
        item_name="足疗",
    )
    login(client, front_desk)
    url = f"/appointments/{appointment.code}/cancel/"
    assert client.post(url, {"cancel-reason": ""}).status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert client.post(url, {"cancel-reason": "客户有事"}).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.reason) == (Status.CANCELLED, "客户有事")


def _free_slot_day(client, login, store, front_desk, practitioner, customer, settings, hour):
    """Tomorrow, opening 10:00-14:00, with one 60-minute booking at ``hour``; logged in as the
    front desk."""
    settings.ANXIN_OPENING_HOURS = "10:00-14:00"
    services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner,
        start=local(1, hour),
        minutes=60,
        item_name="足疗",
    )
    login(client, front_desk)
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_free_slots_leave_out_bookings_and_their_rest_gap(
    client, login, store, front_desk, practitioner, customer, settings
):
    day = _free_slot_day(client, login, store, front_desk, practitioner, customer, settings, 11)
    page = client.get(f"/appointments/free/?day={day}&minutes=60").content.decode()
    # 10:00 would end 11:00 + 10 min rest > 11:00 start: not free; 12:15 is the first after
    assert ">12:15<" in page and ">11:00<" not in page and ">10:00<" not in page
    # 12:15, 12:30 ... 13:00 read as one range, not five times.
    assert ">12:15</time>" in page and ">13:00</time>" in page and ">12:30<" not in page
    assert client.get("/appointments/free/?day=bad&minutes=0").status_code == 400


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_queue_page_lets_only_the_manager_adjust(
    client, login, store, manager, front_desk, practitioner, practitioner_b
):
    login(client, manager)
    response = client.post(
        "/appointments/queue/",
        {"do": "open", "practitioners": [str(practitioner.pk), str(practitioner_b.pk)]},
    )
    assert response.status_code == 302
    entry = QueueEntry.objects.get(practitioner=practitioner_b)
    bad = client.post("/appointments/queue/", {"do": "adjust", "entry": entry.pk, "action": "head"})
    assert bad.status_code == 400
    client.post(
        "/appointments/queue/",
        {"do": "adjust", "entry": entry.pk, "action": "head", "reason": "补钟"},
    )
    assert (
        services.queue_order(store=store, day=timezone.localdate())[0].practitioner
        == practitioner_b
    )
    login(client, front_desk)
    page = client.get("/appointments/queue/").content.decode()
    assert "queue-entry" not in page  # no adjusting controls
    before = list(QueueEntry.objects.values_list("pk", "position", "state"))
    response = client.post(
        "/appointments/queue/",
        {"do": "adjust", "entry": entry.pk, "action": "tail", "reason": "想插队"},
    )
    assert response.status_code == 403
    assert list(QueueEntry.objects.values_list("pk", "position", "state")) == before


@pytest.mark.django_db
def test_rooms_of_the_store_are_offered(client, login, store, other_store, front_desk):
    Room.objects.create(store=store, name="贵宾房")
    Room.objects.create(store=other_store, name="外店房")
    login(client, front_desk)
    page = client.get("/appointments/new/").content.decode()
    assert "贵宾房" in page and "外店房" not in page


@pytest.mark.req("BIZ-3")
def test_slot_ranges_merge_consecutive_start_times():
    from anxin.scheduling.selectors import slot_ranges

    t = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC)
    q = dt.timedelta(minutes=15)
    times = [t, t + q, t + 2 * q, t + 5 * q, t + 7 * q, t + 8 * q]
    assert slot_ranges(times) == [(t, t + 2 * q), (t + 5 * q, t + 5 * q), (t + 7 * q, t + 8 * q)]
    assert slot_ranges([]) == []
    assert slot_ranges([t, t + 2 * q], step=30) == [(t, t + 2 * q)]


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_free_slots_for_a_service_item_take_its_duration(
    client, login, store, manager, front_desk, practitioner, customer, settings
):
    from anxin.catalogue.testing import make_item

    long_item = make_item(actor=manager, store=store, name="套餐", price="298.00", duration=120)
    day = _free_slot_day(client, login, store, front_desk, practitioner, customer, settings, 12)

    def table(query):
        page = client.get(f"/appointments/free/?day={day}&{query}").content.decode()
        return page, page[page.index("<tbody>") : page.index("</tbody>")]

    # 120 minutes + the rest gap before 12:00 leave no start; after 13:10 none fits before 14:00.
    page, rows = table(f"item={long_item.pk}")
    assert "套餐" in page and "<time" not in rows and "<td>无</td>" in rows
    page, rows = table("minutes=60")
    assert ">10:00</time>" in rows and ">10:45</time>" in rows
    missing = client.get(f"/appointments/free/?day={day}")
    assert missing.status_code == 400
    assert "请选择服务项目或填写时长。" in missing.content.decode()
