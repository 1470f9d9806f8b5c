"""Issue 11: a busy day's calendar (by practitioner) and day view show twelve practitioners a
page: the person looking first when they are one of them, then those with bookings that day,
then the others, with links to the other pages; the by-room tables are behind a link. The
pages' size and queries no longer grow with the store's practitioners."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from anxin.clients.services import client_create
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured
from anxin.scheduling.models import Appointment, Room, Status
from anxin.scheduling.selectors import PRACTITIONERS_PER_PAGE, PeoplePage, people_page

DAY = timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def crowd(store, make_persona, front_desk):
    """``add(n, booked=...)``: n more practitioners (``ms000``…), each with a booking on DAY
    when ``booked``."""
    customer = client_create(actor=front_desk, store=store, name="韩梅梅", phone="13900001234")
    room = Room.objects.create(store=store, name="一号床")
    made = []

    def add(n, booked=True):
        for _ in range(n):
            i = len(made)
            user = make_persona(f"ms{i:03d}", store, "practitioner")
            made.append(user)
            if booked:
                start = timezone.make_aware(dt.datetime.combine(DAY, dt.time(10, i % 60)))
                Appointment.objects.create(
                    store=store, client=customer, practitioner=user, room=room,
                    item_name=f"推拿{i}", start=start, end=start + dt.timedelta(minutes=50),
                    busy_until=start + dt.timedelta(minutes=60), status=Status.BOOKED,
                    code=f"YY{i:06d}",
                )  # fmt: skip
        return made

    return add


def columns(page: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    return re.findall(r'<th scope="col">(.*?)</th>', head)[1:]


@pytest.mark.req("BIZ-3")
def test_the_page_puts_the_actor_first_then_those_booked():
    class Actor:
        pk = 7

    page = people_page(actor=Actor(), ordered=list(range(1, 31)), booked={20, 3}, number=1)
    assert page.ids[:3] == [7, 3, 20] and len(page.ids) == PRACTITIONERS_PER_PAGE
    assert (page.pages, page.total, page.first, page.last) == (3, 30, 1, 12)
    last = people_page(actor=Actor(), ordered=list(range(1, 31)), booked=set(), number=99)
    assert (last.number, last.ids, last.first, last.last) == (3, list(range(25, 31)), 25, 30)
    assert people_page(actor=Actor(), ordered=[], booked=set(), number=1) == PeoplePage()


@pytest.mark.django_db
@pytest.mark.req("UX-1", "BIZ-3")
def test_the_calendar_shows_twelve_practitioners_a_page_those_booked_first(
    client, login, front_desk, crowd
):
    crowd(3, booked=False)
    people = crowd(13)  # 16 in all, the last 13 booked
    login(client, front_desk)
    first = client.get(f"/appointments/calendar/?day={DAY}", HTTP_ACCEPT_LANGUAGE="en")
    page = first.content.decode()
    assert first.status_code == 200
    assert len(columns(page)) == 12
    assert "推拿3" in page and "推拿14" in page and "推拿15" not in page  # booked first
    assert "1–12 of 16" in page
    link = re.search(r'<a href="([^"]*page=2[^"]*)">Next page of', page)
    assert link, "no link to the next page"
    second = client.get("/appointments/calendar/" + link.group(1).replace("&amp;", "&"))
    rest = second.content.decode()
    assert len(columns(rest)) == 4 and "推拿15" in rest and "推拿3" not in rest
    assert (
        "Previous page of"
        in client.get(
            "/appointments/calendar/" + link.group(1).replace("&amp;", "&"),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    )
    assert len(people) == 16
    # By room: every booking of the day, no paging of people.
    rooms = client.get(f"/appointments/calendar/?day={DAY}&by=room").content.decode()
    assert "推拿3" in rooms and "推拿15" in rooms


@pytest.mark.django_db
@pytest.mark.req("UX-1", "BIZ-3")
def test_the_day_view_pages_the_booked_practitioners_and_puts_rooms_behind_a_link(
    client, login, front_desk, crowd
):
    crowd(14)
    login(client, front_desk)
    page = client.get(f"/appointments/?day={DAY}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("<caption>") == 12 and "推拿0" in page and "推拿12" not in page
    assert "By room or bed</a>" in page and 'id="by-room"' not in page
    rest = client.get(f"/appointments/?day={DAY}&page=2").content.decode()
    assert rest.count("<caption>") == 2 and "推拿12" in rest and "推拿13" in rest
    rooms = client.get(f"/appointments/?day={DAY}&by=room").content.decode()
    assert 'id="by-room"' in rooms and rooms.count("<caption>") == 1 and "推拿13" in rooms


@pytest.mark.django_db
@pytest.mark.req("UX-1", "BIZ-3")
def test_a_practitioner_who_sees_everyone_has_their_own_column_first(
    client, login, store, manager, crowd
):
    """A manager who also practises (sees every column): their own column comes first."""
    from anxin.accounts.models import Role, RoleAssignment

    people = crowd(14)
    RoleAssignment.objects.create(
        user=manager, store=store, role=Role.objects.get(key="practitioner")
    )
    login(client, manager)
    page = client.get(f"/appointments/calendar/?day={DAY}").content.decode()
    assert columns(page)[0] != columns(page)[1]
    from anxin.accounts.names import person_name

    assert columns(page)[0] == person_name(manager, store)
    assert len(people) == 14


@pytest.mark.django_db(transaction=True)  # data keys are cached once committed, as in a shop
@pytest.mark.req("BIZ-3")
@pytest.mark.parametrize(
    "path",
    [
        f"/appointments/calendar/?day={DAY}",
        f"/appointments/?day={DAY}",
        f"/appointments/?day={DAY}&page=2",
    ],
)
def test_a_page_of_practitioners_takes_the_same_queries_however_many(
    client, login, front_desk, crowd, path
):
    login(client, front_desk)
    crowd(13)
    assert client.get(path).status_code == 200
    assert_constant_queries(lambda: client.get(path), crowd, rows=13)


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_paged_day_reads_through_indexes(client, login, front_desk, crowd):
    crowd(14)
    login(client, front_desk)
    for path in (f"/appointments/calendar/?day={DAY}", f"/appointments/?day={DAY}&page=2"):
        response, sql = captured(lambda p=path: client.get(p))
        assert response.status_code == 200
        assert_no_full_scans(sql)
