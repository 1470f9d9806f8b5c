"""Issue 11: the booking pages of a store with many practitioners (sixty at store scale), each
with a staff file, take the same queries however many there are, and a list of bookings reads
no encrypted field (of the client or of a staff file: nothing to decrypt per row)."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.clients.services import client_create
from anxin.core.testing import assert_constant_queries, captured
from anxin.scheduling.models import Appointment, QueueEntry, QueueState, Room, Status
from anxin.staff.models import StaffKind, StaffMember

DAY = timezone.localdate() + dt.timedelta(days=1)
PAGES = [
    "/appointments/new/",
    f"/appointments/?day={DAY}",
    f"/appointments/calendar/?day={DAY}",
    f"/appointments/calendar/?day={DAY}&by=room",
    f"/appointments/calendar/?day={DAY}&view=week",
    f"/appointments/free/?day={DAY}&minutes=60",
    "/services/new/",
    "/appointments/queue/",
]
# Columns no list of bookings needs, each decrypted on load.
ENCRYPTED = ('"staff_staffmember"."id_number"', '"staff_staffmember"."bank_card"')


@pytest.fixture
def staffed(store, make_persona, front_desk):
    """``add(n)``: n more practitioners, each with a staff file, a booking on DAY and a place
    in today's rotation queue (waiting or suspended)."""
    customer = client_create(actor=front_desk, store=store, name="韩梅梅", phone="13900001234")
    room = Room.objects.create(store=store, name="一号床")

    def add(n):
        done = StaffMember.objects.count()
        for i in range(done, done + n):
            user = make_persona(f"ms{i:03d}", store, "practitioner")
            StaffMember.objects.create(
                store=store, user=user, kind=StaffKind.PRACTITIONER, name=f"技师{i}", code=f"MS{i:06d}",
                hire_date=dt.date(2024, 1, 1), id_number="110101199001011234",
            )  # fmt: skip
            start = timezone.make_aware(dt.datetime.combine(DAY, dt.time(10))) + dt.timedelta(
                minutes=i
            )
            Appointment.objects.create(
                store=store, client=customer, practitioner=user, room=room, item_name="推拿",
                start=start, end=start + dt.timedelta(minutes=50),
                busy_until=start + dt.timedelta(minutes=60), status=Status.BOOKED,
                code=f"YY{i:06d}",
            )  # fmt: skip
            QueueEntry.objects.create(
                store=store, day=timezone.localdate(), practitioner=user, position=i + 1,
                state=QueueState.WAITING if i % 2 else QueueState.SUSPENDED,
            )  # fmt: skip

    return add


@pytest.mark.django_db(transaction=True)  # data keys are cached once committed, as in a shop
@pytest.mark.req("BIZ-3")
@pytest.mark.parametrize("path", PAGES)
def test_the_booking_pages_take_the_same_queries_however_many_practitioners(
    client, login, manager, staffed, path
):
    login(client, manager)
    staffed(1)
    assert client.get(path).status_code == 200  # the data key is read once, then cached
    assert_constant_queries(lambda: client.get(path), staffed, rows=2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("BIZ-3")
def test_lists_of_bookings_read_no_encrypted_field(client, login, manager, staffed):
    login(client, manager)
    staffed(3)
    for path in PAGES[1:5]:
        response, sql = captured(lambda p=path: client.get(p))
        assert response.status_code == 200
        assert "技师2" in response.content.decode()
        for statement in sql:
            if statement.endswith("LIMIT 1"):
                continue  # one row (the week's own staff file), not a list
            if "scheduling_appointment" in statement or "staff_staffmember" in statement:
                assert not any(column in statement for column in ENCRYPTED), statement
                assert '"clients_client"."phone' not in statement, statement


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("BIZ-3")
def test_the_free_slot_table_grows_by_one_short_row_per_practitioner(
    client, login, manager, staffed
):
    """A row per practitioner (``{% free_rows %}``): the name and a few ranges, nothing that
    grows with anything else."""
    path = f"/appointments/free/?day={DAY}&minutes=60"
    login(client, manager)
    staffed(2)

    def table() -> str:
        page = client.get(path).content.decode()
        return page[page.index("<tbody>") : page.index("</tbody>")]

    few = table()
    staffed(10)
    many = table()
    assert many.count("<tr>") == few.count("<tr>") + 10 and "技师11" in many
    assert (len(many.encode()) - len(few.encode())) / 10 < 400
