"""Issue 11: a busy day's calendar by room shows twelve rooms and beds a page, as the
practitioners are paged: those with bookings that day first, then the others, with links to the
other pages; the page's size and queries no longer grow with the store's rooms."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from anxin.clients.services import client_create
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured
from anxin.scheduling.models import Appointment, Room, Status
from anxin.scheduling.selectors import PRACTITIONERS_PER_PAGE, rooms_page

DAY = timezone.localdate() + dt.timedelta(days=1)
PATH = f"/appointments/calendar/?day={DAY}&view=day&by=room"


@pytest.fixture
def rooms(store, front_desk, practitioner):
    """``add(n, booked=...)``: n more rooms (``房01``…), each with a booking on DAY when
    ``booked`` (``推拿01``…)."""
    customer = client_create(actor=front_desk, store=store, name="韩梅梅", phone="13900001234")
    made = []

    def add(n, booked=True):
        for _ in range(n):
            i = len(made)
            room = Room.objects.create(store=store, name=f"房{i:02d}")
            made.append(room)
            if booked:
                start = timezone.make_aware(dt.datetime.combine(DAY, dt.time(10 + i % 8, 0)))
                Appointment.objects.create(
                    store=store, client=customer, practitioner=practitioner, room=room,
                    item_name=f"推拿{i:02d}", start=start, end=start + dt.timedelta(minutes=50),
                    busy_until=start + dt.timedelta(minutes=60), status=Status.BOOKED,
                    code=f"YY{i:06d}",
                )  # fmt: skip
        return made

    return add


def columns(page: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    return re.findall(r'<th scope="col">(.*?)</th>', head)[1:]


@pytest.mark.req("BIZ-3")
def test_the_rooms_booked_come_first_and_no_room_is_a_column_of_its_own():
    page = rooms_page(ordered=[*range(1, 21), None], booked={15, None}, number=1)
    assert page.ids[:3] == [15, None, 1] and len(page.ids) == PRACTITIONERS_PER_PAGE
    assert (page.pages, page.total, page.rooms) == (2, 21, True)
    last = rooms_page(ordered=list(range(1, 21)), booked=set(), number=9)
    assert (last.number, last.ids, last.first, last.last) == (2, list(range(13, 21)), 13, 20)


@pytest.mark.django_db
@pytest.mark.req("UX-1", "BIZ-3")
def test_the_calendar_by_room_shows_twelve_rooms_a_page_those_booked_first(
    client, login, front_desk, rooms
):
    rooms(3, booked=False)
    rooms(13)  # 16 in all, the last 13 booked
    login(client, front_desk)
    first = client.get(PATH, HTTP_ACCEPT_LANGUAGE="en")
    page = first.content.decode()
    assert first.status_code == 200
    assert columns(page) == [f"房{i:02d}" for i in range(3, 15)]
    assert "推拿03" in page and "推拿14" in page and "推拿15" not in page
    assert "Rooms and beds 1–12 of 16" in page
    link = re.search(r'<a href="([^"]*page=2[^"]*)">Next page of rooms and beds', page)
    assert link, "no link to the next page"
    rest = client.get(
        "/appointments/calendar/" + link.group(1).replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert columns(rest) == ["房15", "房00", "房01", "房02"]
    assert "推拿15" in rest and "推拿03" not in rest and "Previous page of rooms and beds" in rest


@pytest.mark.django_db(transaction=True)  # data keys are cached once committed, as in a shop
@pytest.mark.req("BIZ-3")
def test_a_page_of_rooms_takes_the_same_queries_however_many(client, login, front_desk, rooms):
    login(client, front_desk)
    rooms(13)
    assert client.get(PATH).status_code == 200
    assert_constant_queries(lambda: client.get(PATH), rooms, rows=13)


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_calendar_by_room_reads_through_indexes(client, login, front_desk, rooms):
    rooms(14)
    login(client, front_desk)
    for path in (PATH, PATH + "&page=2"):
        response, sql = captured(lambda p=path: client.get(p))
        assert response.status_code == 200
        assert_no_full_scans(sql)


@pytest.mark.django_db
@pytest.mark.req("UX-1", "BIZ-3")
def test_bookings_without_a_room_are_left_to_the_calendar_by_practitioner(
    client, login, store, front_desk, practitioner, rooms
):
    rooms(2)
    customer = client_create(actor=front_desk, store=store, name="李雷", phone="13900005678")
    start = timezone.make_aware(dt.datetime.combine(DAY, dt.time(15, 0)))
    Appointment.objects.create(
        store=store, client=customer, practitioner=practitioner, item_name="足疗无房",
        start=start, end=start + dt.timedelta(minutes=50),
        busy_until=start + dt.timedelta(minutes=60), status=Status.BOOKED, code="YY999999",
    )  # fmt: skip
    login(client, front_desk)
    page = client.get(PATH, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert columns(page) == ["房00", "房01"] and "足疗无房" not in page
    assert "Bookings without a room or bed are not shown here" in page
    assert f"?day={DAY}&amp;view=day&amp;by=practitioner" in page
    by_practitioner = client.get(f"/appointments/calendar/?day={DAY}&view=day").content.decode()
    assert "足疗无房" in by_practitioner
    rooms(1)  # all booked rooms: no note
    assert (
        "not shown here"
        not in client.get(
            PATH.replace(str(DAY), str(DAY + dt.timedelta(days=1))), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
