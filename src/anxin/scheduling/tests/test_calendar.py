"""The appointment calendar (UX-1, BIZ-3): a day grid by practitioner or room, a practitioner's
week, navigation, booking from an empty slot, the list view, scope and bounded queries."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from anxin.audit.models import UseLog
from anxin.clients.services import client_create
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured
from anxin.scheduling import services
from anxin.scheduling.models import Appointment, Room, Status

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def customer(store, front_desk, django_capture_on_commit_callbacks):
    # Committed as in production: the new data key is then cached, not read per name.
    with django_capture_on_commit_callbacks(execute=True):
        return client_create(actor=front_desk, store=store, name="韩梅梅", phone="13900001234")


@pytest.fixture
def booked(store, front_desk, practitioner, practitioner_b, customer):
    """Tomorrow: practitioner_a at 10:00 (60 min, room 一号床), practitioner_b at 14:00."""
    room = Room.objects.create(store=store, name="一号床")
    first = services.appointment_book(
        actor=front_desk, store=store, client=customer, practitioner=practitioner,
        start=local(TOMORROW, 10), minutes=60, item_name="全身推拿", room=room,
    )  # fmt: skip
    second = services.appointment_book(
        actor=front_desk, store=store, client=customer, practitioner=practitioner_b,
        start=local(TOMORROW, 14), minutes=90, item_name="足疗",
    )  # fmt: skip
    return first, second


def cell(page: str, row_time: str, column: int) -> str:
    """The text of the ``column``-th data cell (0-based) of the grid row starting at ``row_time``."""
    match = re.search(
        rf'<tr>\s*<th scope="row"><time datetime="{row_time}">.*?</th>(.*?)</tr>', page, re.S
    )
    assert match, f"no row {row_time}"
    cells = re.findall(r"<td>(.*?)</td>", match.group(1), re.S)
    return cells[column]


@pytest.mark.django_db
@pytest.mark.req("UX-1")
@pytest.mark.req("BIZ-3")
def test_the_day_grid_puts_each_booking_in_its_start_cell_under_its_practitioner(
    client, login, front_desk, practitioner, practitioner_b, booked
):
    first, second = booked
    login(client, front_desk)
    response = client.get(f"/appointments/calendar/?day={TOMORROW}", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    # Columns: the practitioners by name, as column headers; a caption; time rows.
    assert '<th scope="col">practitioner_a</th>' in page
    assert '<th scope="col">practitioner_b</th>' in page
    assert "<caption" in page
    ten = cell(page, "10:00", 0)
    assert f"/appointments/{first.code}/" in ten and "韩梅梅" in ten and "全身推拿" in ten
    assert "10:00" in ten and "11:00" in ten
    assert "Book" not in ten
    assert "busy" in cell(page, "10:30", 0)  # the same booking still holds the slot
    assert f"/appointments/{second.code}/" in cell(page, "14:00", 1)
    assert first.code not in cell(page, "14:00", 1)
    # The list view: reachable from the top, a heading per practitioner then the bookings.
    assert page.index('href="#calendar-list"') < page.index("<table")
    listing = page[page.index('id="calendar-list"') :]
    assert re.search(r"<h3>practitioner_a</h3>\s*<ul>\s*<li><a href=\"/appointments/YY", listing)
    assert UseLog.objects.filter(purpose="calendar", count=2).exists()


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_room_view_has_rooms_as_columns(client, login, front_desk, booked):
    first, second = booked
    login(client, front_desk)
    page = client.get(f"/appointments/calendar/?day={TOMORROW}&by=room").content.decode()
    assert '<th scope="col">一号床</th>' in page
    assert first.code in cell(page, "10:00", 0)
    # No room: not a column of its own (a busy day's hundreds made the page 140 KB, issue 11);
    # the page says so and links to the calendar by practitioner, where it is.
    assert second.code not in page and "by=practitioner" in page
    by_practitioner = client.get(f"/appointments/calendar/?day={TOMORROW}").content.decode()
    assert second.code in by_practitioner


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_navigation_links_are_iso_dates_a_day_or_a_week_apart(client, login, front_desk):
    login(client, front_desk)
    day = dt.date(2026, 3, 2)
    page = html.unescape(client.get("/appointments/calendar/?day=2026-03-02").content.decode())
    assert "?day=2026-03-01&view=day&by=practitioner" in page
    assert "?day=2026-03-03&view=day&by=practitioner" in page
    assert f"?day={timezone.localdate().isoformat()}&view=day" in page
    week = html.unescape(
        client.get(f"/appointments/calendar/?day={day}&view=week").content.decode()
    )
    assert "?day=2026-02-23&view=week" in week and "?day=2026-03-09&view=week" in week
    # Seven day columns, Monday first.
    assert len(re.findall(r'<th scope="col"><time datetime="2026-0', week)) == 7
    assert '<time datetime="2026-03-02">' in week and '<time datetime="2026-03-08">' in week


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_bad_day_falls_back_to_today_without_an_error_page(client, login, front_desk):
    login(client, front_desk)
    for query in (
        "day=2026-13-45",
        "day=x&view=year&by=chair",
        "day=99999-01-01",
        "practitioner=x",
    ):
        response = client.get(f"/appointments/calendar/?{query}&view=week")
        assert response.status_code in (200, 400), query
        assert timezone.localdate().isoformat() in response.content.decode()


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_an_empty_slot_opens_the_booking_form_prefilled(
    client, login, front_desk, practitioner, booked
):
    login(client, front_desk)
    page = html.unescape(client.get(f"/appointments/calendar/?day={TOMORROW}").content.decode())
    link = f"/appointments/new/?practitioner={practitioner.pk}&start={TOMORROW}T11:30"
    assert f'href="{link}"' in page
    form = client.get(link).content.decode()
    assert re.search(rf'<option value="{practitioner.pk}" selected>', form)
    assert f'value="{TOMORROW}T11:30"' in form
    # Unknown or malformed values are ignored, not an error.
    assert client.get("/appointments/new/?practitioner=999&start=bad&room=x").status_code == 200


@pytest.mark.django_db
@pytest.mark.req("UX-1")
@pytest.mark.req("BIZ-3")
def test_a_practitioner_sees_only_their_own_bookings_and_no_booking_links(
    client, login, practitioner, practitioner_b, booked
):
    first, second = booked
    login(client, practitioner)
    page = client.get(f"/appointments/calendar/?day={TOMORROW}").content.decode()
    assert first.code in page
    assert second.code not in page and "足疗" not in page
    assert "practitioner_b" not in page
    assert "/appointments/new/?" not in page
    # Asking for someone else's week shows their own.
    week = client.get(
        f"/appointments/calendar/?day={TOMORROW}&view=week&practitioner={practitioner_b.pk}"
    ).content.decode()
    assert first.code in week and second.code not in week


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_practitioner_reaches_their_own_week_from_the_navigation(
    client, login, store, practitioner, front_desk, booked
):
    login(client, practitioner)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/appointments/calendar/?view=week"' in home
    week = client.get(
        f"/appointments/calendar/?view=week&day={TOMORROW}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert booked[0].code in week
    assert "practitioner_a" in week
    login(client, front_desk)
    desk_home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "my-week-link" not in desk_home


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_front_desk_chooses_whose_week(client, login, front_desk, practitioner_b, booked):
    first, second = booked
    login(client, front_desk)
    week = client.get(
        f"/appointments/calendar/?day={TOMORROW}&view=week&practitioner={practitioner_b.pk}"
    ).content.decode()
    assert second.code in week and first.code not in week


@pytest.fixture
def history(store, customer, practitioner):
    """``add(n)``: n more bookings tomorrow and n in the past (not shown)."""

    def add(n):
        done = Appointment.objects.count()
        for i in range(done, done + n):
            for day, status in (
                (TOMORROW, Status.BOOKED),
                (TOMORROW - dt.timedelta(days=30), Status.DONE),
            ):
                start = local(day, 9) + dt.timedelta(minutes=7 * (i % 100))
                Appointment.objects.create(
                    store=store, client=customer, practitioner=practitioner,
                    item_name="推拿", start=start, end=start + dt.timedelta(minutes=5),
                    busy_until=start + dt.timedelta(minutes=6), status=status,
                    code=f"YY{day:%y%m%d}{i:04d}",
                )  # fmt: skip

    return add


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_calendar_takes_the_same_queries_however_many_bookings(
    client, login, front_desk, history
):
    login(client, front_desk)
    history(1)
    client.get(f"/appointments/calendar/?day={TOMORROW}")  # the clients' data key, read once
    for query in ("", "&by=room", "&view=week"):
        assert_constant_queries(
            lambda q=query: client.get(f"/appointments/calendar/?day={TOMORROW}{q}"),
            history,
            rows=2,
        )


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_the_calendar_reads_through_indexes(client, login, front_desk, history):
    history(3)
    login(client, front_desk)
    response, sql = captured(
        lambda: client.get(f"/appointments/calendar/?day={TOMORROW}&view=week")
    )
    assert response.status_code == 200
    assert_no_full_scans(sql)


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_practitioners_week_shows_their_shifts_and_leave(
    client, login, store, practitioner, booked
):
    from anxin.attendance.models import LeaveRequest, LeaveState
    from anxin.attendance.services import pattern_set
    from anxin.staff.tests.factories import hr_persona, staff_file

    hr = hr_persona(store)
    member = staff_file(actor=hr, store=store, user=practitioner)
    pattern_set(
        actor=hr, store=store, member=member, calendar="roster",
        week={str(d): ["10:00", "21:30"] for d in range(7) if d != TOMORROW.weekday()},
    )  # fmt: skip
    after = TOMORROW + dt.timedelta(days=1 if TOMORROW.weekday() < 6 else -1)
    LeaveRequest.objects.create(
        member=member, store=store, kind="personal", start=local(after, 10),
        end=local(after, 12), state=LeaveState.APPROVED, decided_at=timezone.now(),
    )  # fmt: skip
    login(client, practitioner)
    week = client.get(
        f"/appointments/calendar/?view=week&day={TOMORROW}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    row = re.search(r"Working hours and leave</th>(.*?)</tr>", week, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert len(cells) == 7
    assert "Day off" in cells[TOMORROW.weekday()]
    assert "10:00" in cells[(TOMORROW.weekday() + 1) % 7]
    assert "21:30" in cells[(TOMORROW.weekday() + 1) % 7]
    assert "personal leave" in cells[after.weekday()]
