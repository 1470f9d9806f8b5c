"""BIZ-3: one client is in one booking at a time — unless both bookings are for a service item
that allows parallel bookings (a couple's or group service, several practitioners at once)."""

import pytest
from django.core.exceptions import ValidationError

from anxin.catalogue.testing import make_item
from anxin.clients.services import client_create
from anxin.scheduling import services
from anxin.scheduling.models import Appointment

from .concurrency import at_once
from .test_booking import at, book, messages_of

pytestmark = pytest.mark.req("BIZ-3")


@pytest.fixture
def team(store, make_persona):
    return [make_persona(f"team_{i}", store, "practitioner") for i in range(5)]


@pytest.fixture
def guest(store, front_desk):
    return client_create(actor=front_desk, store=store, name="孙七", phone="13600001111")


@pytest.fixture
def couple_item(manager, store):
    item = make_item(actor=manager, store=store, name="双人推拿", duration=60)
    from anxin.catalogue.services import item_update

    return item_update(actor=manager, store=store, item=item, allows_parallel_bookings=True)


@pytest.mark.django_db
def test_a_client_cannot_be_booked_twice_at_once_with_different_practitioners(
    store, front_desk, team, guest
):
    first = book(front_desk, store, guest, team[0], at(1, 10))
    starts = [at(1, 10), at(1, 10, 30), at(1, 9, 30), at(1, 9, 1)]
    for person, start in zip(team[1:], starts, strict=True):
        with pytest.raises(ValidationError) as exc:
            book(front_desk, store, guest, person, start)
        assert first.code in messages_of(exc.value)
    assert list(Appointment.objects.filter(client=guest)) == [first]
    # right after it (no rest gap for a client) is fine
    book(front_desk, store, guest, team[1], at(1, 11))
    assert Appointment.objects.filter(client=guest).count() == 2


@pytest.mark.django_db
def test_an_item_that_allows_it_books_one_client_with_several_practitioners(
    store, front_desk, team, guest, couple_item, manager
):
    plain = make_item(actor=manager, store=store, name="足疗", duration=60)
    a = book(front_desk, store, guest, team[0], at(1, 14), item=couple_item)
    b = book(front_desk, store, guest, team[1], at(1, 14), item=couple_item)
    assert {a.item, b.item} == {couple_item}
    # both bookings must allow it: an ordinary item still cannot overlap them
    with pytest.raises(ValidationError):
        book(front_desk, store, guest, team[2], at(1, 14, 30), item=plain)
    plain_booking = book(front_desk, store, guest, team[2], at(1, 16), item=plain)
    with pytest.raises(ValidationError):
        book(front_desk, store, guest, team[3], at(1, 16), item=couple_item)
    assert Appointment.objects.filter(client=guest).count() == 3
    assert plain_booking.start == at(1, 16)


@pytest.mark.django_db
def test_rescheduling_cannot_move_a_booking_onto_the_clients_other_booking(
    store, front_desk, team, guest
):
    morning = book(front_desk, store, guest, team[0], at(1, 10))
    afternoon = book(front_desk, store, guest, team[1], at(1, 14))
    with pytest.raises(ValidationError) as exc:
        services.appointment_reschedule(
            actor=front_desk, appointment=afternoon, start=at(1, 10, 30), reason="客户要求"
        )
    assert morning.code in messages_of(exc.value)
    afternoon.refresh_from_db()
    assert afternoon.start == at(1, 14)
    # moving within its own slot is not a conflict with itself
    services.appointment_reschedule(
        actor=front_desk, appointment=afternoon, start=at(1, 14, 30), reason="客户晚到"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PLT-1")
def test_five_concurrent_bookings_of_one_client_with_five_practitioners_give_exactly_one(
    store, front_desk, team, guest
):
    start = at(1, 15)
    outcomes = at_once(lambda person: book(front_desk, store, guest, person, start), team)
    assert outcomes == ["booked"] + ["conflict"] * (len(team) - 1), outcomes
    assert Appointment.objects.filter(client=guest).count() == 1
