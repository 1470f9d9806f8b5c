"""Issue 11: a busy day's view (hundreds of bookings, shown by practitioner and by room) takes
the same queries however many bookings the day has, and its rows are built in Python (the
template language took most of a second for them) with the same content."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.clients.services import client_create
from anxin.core.testing import assert_constant_queries
from anxin.scheduling.models import Appointment, Room, Status


@pytest.fixture
def busy_day(store, front_desk, practitioner):
    """``add(n)``: n more bookings today, in a room."""
    customer = client_create(actor=front_desk, store=store, name="李雷<b>", phone="13912345678")
    room = Room.objects.create(store=store, name="一号床")
    day = timezone.localdate()

    def add(n):
        done = Appointment.objects.count()
        for i in range(done, done + n):
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(10))) + dt.timedelta(
                minutes=i
            )
            Appointment.objects.create(
                store=store, client=customer, practitioner=practitioner, room=room,
                item_name="推拿", start=start, end=start + dt.timedelta(minutes=50),
                busy_until=start + dt.timedelta(minutes=60), status=Status.BOOKED,
                code=f"YY{i:06d}",
            )  # fmt: skip

    return add


@pytest.mark.django_db(transaction=True)  # data keys are cached once committed, as in a shop
@pytest.mark.req("BIZ-3")
def test_a_busy_day_takes_the_same_queries_however_many_bookings(client, login, manager, busy_day):
    login(client, manager)
    path = f"/appointments/?day={timezone.localdate()}"
    busy_day(1)
    client.get(path)  # the data key is read once, then cached
    assert_constant_queries(lambda: client.get(path), busy_day, rows=3)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_day_rows_show_time_code_client_and_room(client, login, manager, busy_day):
    busy_day(2)
    login(client, manager)
    page = client.get(f"/appointments/?day={timezone.localdate()}").content.decode()
    first = timezone.localtime(Appointment.objects.order_by("start").first().start)
    assert f'<time datetime="{first.isoformat()}">10:00</time>' in page
    assert 'href="/appointments/YY000000/">YY000000</a>' in page
    assert "李雷&lt;b&gt;" in page and "李雷<b>" not in page  # escaped
    assert page.count("<td>一号床</td>") == 2  # by practitioner: the room column
    assert page.count("<td>推拿</td>") == 2  # one table: the by-room view is behind a link
    assert 'href="?day=' in page and "by=room" in page
    rooms = client.get(f"/appointments/?day={timezone.localdate()}&by=room").content.decode()
    assert rooms.count("<td>推拿</td>") == 2 and "一号床" in rooms


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_queue_floor_rows_are_built_in_python_with_a_button_each(
    client, login, manager, busy_day
):
    """The rotation queue's floor: a row per booked or in-service booking today, each with its
    start or end button (a form with the CSRF token), the names escaped."""
    busy_day(2)
    Appointment.objects.filter(code="YY000001").update(status=Status.IN_SERVICE)
    login(client, manager)
    page = client.get("/appointments/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    first = timezone.localtime(Appointment.objects.order_by("start").first().start)
    assert f'<th scope="row"><time datetime="{first.isoformat()}">10:00</time></th>' in page
    assert 'action="/appointments/YY000000/serve/start/"' in page
    assert 'action="/appointments/YY000001/serve/end/"' in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2
    assert "Start service (上钟): 10:00 推拿</button>" in page
    assert "End service (下钟): 10:01 推拿</button>" in page
    assert "<td>李雷&lt;b&gt;</td>" in page and "<td>in service</td>" in page


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_queue_takes_the_same_queries_however_many_are_in_it(
    client, login, manager, store, make_persona
):
    """The queue's order and the adjusting form's choices, a row and an option per person,
    built in Python (a store's sixty people went through the template's loop): the same
    queries for three people as for nine, each named (escaped), with the end of their last
    service in local time."""
    from anxin.scheduling.models import QueueEntry

    day = timezone.localdate()
    people = []

    def add(n):
        for _ in range(n):
            i = len(people)
            person = make_persona(f"queue{i:02d}", store, "practitioner")
            person.full_name = f"技师{i:02d}<i>"
            person.save(update_fields=["full_name"])
            people.append(person)
            last = timezone.make_aware(dt.datetime.combine(day, dt.time(9, i))) if i else None
            QueueEntry.objects.create(
                store=store, day=day, practitioner=person, position=i + 1, last_end=last
            )

    login(client, manager)
    empty = client.get("/appointments/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<tr><td colspan="4">Nobody is in the queue yet.</td></tr>' in empty
    assert_constant_queries(lambda: client.get("/appointments/queue/"), add, rows=3)
    page = client.get("/appointments/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    first, second = QueueEntry.objects.order_by("position")[:2]
    assert (
        '\n    <tr><td>1</td><th scope="row">技师00&lt;i&gt;</th><td>0</td><td>—</td></tr>\n  '
    ) in page  # no service yet: longest rest, first
    assert '<th scope="row">技师01&lt;i&gt;</th><td>0</td><td>09:01</td></tr>' in page
    assert f'<option value="{first.pk}">技师00&lt;i&gt;</option>' in page
    assert f'<option value="{second.pk}">技师01&lt;i&gt;</option>' in page
    assert "Nobody is in the queue yet." not in page and "<i>" not in page
