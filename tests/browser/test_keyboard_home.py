"""Issue 12: the practitioner's home is their day. The next booking's 上钟 button is the first
control after the skip link, and after it the 下钟 button is the next one: start or end a
service from home in five keys or fewer (UX-1, BIZ-3)."""

import datetime as dt

import pytest
from test_accessibility import axe_violations
from test_keyboard import announced

pytestmark = pytest.mark.browser

MAX_KEYS = 5


def focused(page, role, name):
    target = page.get_by_role(role, name=name)
    assert target.count() == 1, f"no single {role} named {name!r}"
    return target.evaluate("el => el === document.activeElement")


@pytest.mark.req("UX-1", "BIZ-3")
def test_practitioner_starts_and_ends_a_service_from_home_in_five_keys(
    page, practitioner, front_desk, manager, store, browser_login, set_language, seeded
):
    from django.utils import timezone

    from anxin.catalogue.testing import make_client, make_item
    from anxin.scheduling.services import appointment_book

    set_language("en")
    item = make_item(actor=manager, store=store, name="Foot massage", price="98.00")
    client = make_client(actor=front_desk, store=store, name="Li Lei", phone="13900002222")
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
    # The first heading after the page's own says what matters now.
    assert page.locator("main h2").first.inner_text() == f"Free now. Next client: Li Lei at {hhmm}"

    count, report = axe_violations(page)
    assert count == 0, report

    start_keys = ["Tab", "Enter", "Tab"]  # the skip link, then the first control of the page
    for key in start_keys:
        page.keyboard.press(key)
    assert focused(page, "button", f"Start service (上钟): {hhmm} Foot massage")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    start_keys.append("Enter")
    role, text = announced(page)
    assert role == "status" and "Service started" in text
    booking.refresh_from_db()
    assert booking.status == "in_service"
    assert page.url.endswith("/")  # still home, with the day on it
    assert page.locator("main h2").first.inner_text().startswith("In service with Li Lei until")

    end_keys = ["Tab"]  # from the announced result, the next control
    page.keyboard.press("Tab")
    assert focused(page, "button", f"End service (下钟): {hhmm} Foot massage")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    end_keys.append("Enter")
    role, text = announced(page)
    assert role == "status" and "service record is saved" in text
    booking.refresh_from_db()
    assert booking.status == "done"
    assert len(start_keys) <= MAX_KEYS and len(end_keys) <= MAX_KEYS
    print(f"\nkeys from home: start {len(start_keys)}, end {len(end_keys)}")


@pytest.mark.req("UX-1", "BIZ-3")
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_front_desk_home_with_a_full_day_has_no_wcag_violations(
    page,
    practitioner,
    practitioner_b,
    front_desk,
    manager,
    store,
    browser_login,
    set_language,
    seeded,
    lang,
):
    from django.utils import timezone

    from anxin.catalogue.testing import make_client, make_item
    from anxin.scheduling.services import appointment_book, service_start

    set_language(lang)
    item = make_item(actor=manager, store=store, name="Foot massage", price="98.00", duration=15)
    now = timezone.now()
    first = appointment_book(
        actor=front_desk,
        store=store,
        client=make_client(actor=front_desk, store=store, name="李雷", phone="13900002222"),
        practitioner=practitioner,
        start=now,
        item=item,
    )
    service_start(actor=front_desk, appointment=first)
    appointment_book(
        actor=front_desk,
        store=store,
        client=make_client(actor=front_desk, store=store, name="王芳", phone="13900003333"),
        practitioner=practitioner_b,
        # Later today: from 23:15 Shanghai time, 45 minutes on would be tomorrow.
        start=min(
            now + dt.timedelta(minutes=45),
            timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0),
        ),
        item=item,
    )
    browser_login(front_desk)
    page.goto("/")
    assert page.locator("#desk-heading").count() == 1
    assert page.get_by_text("李雷").count() >= 1 and page.get_by_text("王芳").count() >= 1
    count, report = axe_violations(page)
    assert count == 0, report
