"""From the rotation queue, a practitioner starts and ends a service with the keyboard alone
(上钟/下钟; BIZ-3, UX-1): the buttons announce what they do, and the service record is saved."""

import datetime as dt

import pytest
from test_keyboard import announced

from anxin.clients.models import ServiceRecord

pytestmark = pytest.mark.browser

MAX_TABS = 40


def skip_to_main(page, counter):
    """As a screen-reader user does on each new page: the skip link first."""
    page.keyboard.press("Tab")
    counter.append("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") in {"Skip to main content"}
    page.keyboard.press("Enter")
    counter.append("Enter")


def tab_to(page, role, name, counter):
    """Press Tab until the control a screen reader calls ``role`` ``name`` has the focus."""
    target = page.get_by_role(role, name=name)
    assert target.count() == 1, f"no single {role} named {name!r}"
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        counter.append("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return target
    raise AssertionError(f"{role} {name!r} not reachable by Tab")


@pytest.mark.req("BIZ-3", "UX-1")
def test_practitioner_starts_and_ends_a_service_from_the_queue_by_keyboard(
    page, practitioner, front_desk, manager, store, browser_login, set_language, seeded
):
    from django.utils import timezone

    from anxin.catalogue.testing import make_client, make_item
    from anxin.scheduling.services import appointment_book, queue_open

    set_language("en")
    item = make_item(actor=manager, store=store, name="Foot massage", price="98.00")
    client = make_client(actor=front_desk, store=store, name="Li Lei", phone="13900002222")
    queue_open(actor=manager, store=store, day=timezone.localdate(), practitioners=[practitioner])
    start = timezone.now() + dt.timedelta(minutes=2)
    booking = appointment_book(
        actor=front_desk,
        store=store,
        client=client,
        practitioner=practitioner,
        start=start,
        item=item,
    )
    hhmm = timezone.localtime(start).strftime("%H:%M")
    browser_login(practitioner)
    page.goto("/")
    keys: list[str] = []

    skip_to_main(page, keys)
    tab_to(page, "link", "Rotation queue", keys)
    with page.expect_navigation():
        page.keyboard.press("Enter")
        keys.append("Enter")
    skip_to_main(page, keys)
    tab_to(page, "button", f"Start service (上钟): {hhmm} Foot massage", keys)
    with page.expect_navigation():
        page.keyboard.press("Enter")
        keys.append("Enter")
    role, text = announced(page)  # the result has the focus: Tab goes on from there
    assert role == "status" and "Service started" in text
    booking.refresh_from_db()
    assert booking.status == "in_service"

    tab_to(page, "button", f"End service (下钟): {hhmm} Foot massage", keys)
    with page.expect_navigation():
        page.keyboard.press("Enter")
        keys.append("Enter")
    role, text = announced(page)
    assert role == "status" and "service record is saved" in text
    record = ServiceRecord.objects.get()
    assert (record.practitioner, record.client, record.clock_type) == (
        practitioner,
        client,
        "named",
    )
    print(f"keystrokes from the home page to a started and ended service: {len(keys)}")
