"""Clocking in and out with the keyboard alone; the page says what was recorded (STF-4, UX-1)."""

import pytest
from django.utils import timezone
from pages_staff import practitioner_file
from test_keyboard import announced, assert_focus_visible, tab_to

from anxin.attendance.models import ClockRecord

pytestmark = pytest.mark.browser


@pytest.mark.req("STF-4", "UX-1")
def test_clock_in_and_out_with_keyboard_only(
    request, page, practitioner, browser_login, set_language
):
    member = practitioner_file(request)
    set_language("en")
    browser_login(practitioner)
    page.goto("/attendance/")
    assert page.locator("#clock-state").inner_text() == "You are not clocked in."

    tab_to(page, "clock-in", limit=30)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    record = ClockRecord.objects.get(member=member)
    at = timezone.localtime(record.clock_in).strftime("%H:%M")
    assert announced(page) == ["status", f"Clocked in at {at}."]
    assert page.locator("#clock-state").inner_text() == f"You are clocked in since {at}."

    # Clocking in again is refused with a clear message, and nothing is added.
    tab_to(page, "clock-in", limit=30)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    role, text = announced(page)
    assert role == "alert" and "clock out first" in text
    assert ClockRecord.objects.filter(member=member).count() == 1

    state = tab_to(page, "clock-out", limit=30)
    assert_focus_visible(state)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    record.refresh_from_db()
    out = timezone.localtime(record.clock_out).strftime("%H:%M")
    role, text = announced(page)
    assert role == "status" and text.startswith(f"Clocked out at {out}")
    assert "You are not clocked in" in page.locator("#clock-state").inner_text()
