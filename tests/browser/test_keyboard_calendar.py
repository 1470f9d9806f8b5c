"""A practitioner reaches their own week from home with a few keys (issue 12: ≤ 6), and the
front desk goes from the calendar grid to the list view and opens a booking from an empty slot,
keyboard only (UX-1, BIZ-3)."""

import datetime as dt

import pytest
from test_keyboard_queue import tab_to

pytestmark = pytest.mark.browser


@pytest.mark.req("UX-1", "BIZ-3")
def test_practitioner_reaches_their_own_week_in_a_few_keys(
    page, practitioner, front_desk, store, browser_login, set_language, seeded
):
    from django.utils import timezone

    from anxin.catalogue.testing import make_client
    from anxin.scheduling.services import appointment_book

    set_language("en")
    client = make_client(actor=front_desk, store=store, name="Li Lei", phone="13900002222")
    day = timezone.localdate() + dt.timedelta(days=1)
    appointment_book(
        actor=front_desk, store=store, client=client, practitioner=practitioner,
        start=timezone.make_aware(dt.datetime.combine(day, dt.time(11))), minutes=60,
        item_name="Foot massage",
    )  # fmt: skip
    browser_login(practitioner)
    page.goto("/")
    keys: list[str] = []
    tab_to(page, "link", "My week", keys)
    with page.expect_navigation():
        page.keyboard.press("Enter")
        keys.append("Enter")
    assert len(keys) <= 6, keys
    assert "view=week" in page.url
    if day.weekday() == 0 and timezone.localdate().weekday() == 6:
        page.get_by_role("link", name="Next week").click()
    assert page.get_by_role("link", name="11:00–12:00 Li Lei · Foot massage").count() == 2


@pytest.mark.req("UX-1", "BIZ-3")
def test_front_desk_goes_to_the_list_view_and_books_an_empty_slot(
    page, practitioner, front_desk, store, browser_login, set_language, seeded
):
    from django.utils import timezone

    set_language("en")
    day = timezone.localdate() + dt.timedelta(days=1)
    browser_login(front_desk)
    page.goto(f"/appointments/calendar/?day={day}")
    keys: list[str] = []
    tab_to(page, "link", "Go to the list view of these bookings", keys)
    page.keyboard.press("Enter")
    assert page.url.endswith("#calendar-list")
    link = page.get_by_role("link", name="Book practitioner_a 15:00")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/appointments/new/" in page.url
    assert page.locator("#id_start").input_value() == f"{day}T15:00"
    assert page.locator("#id_practitioner").input_value() == str(practitioner.pk)
