"""The front desk books from where the client is, with the keyboard alone (BIZ-3, CLI-7, UX-1).

The client combobox (``combobox.js``): pinyin initials, Down, Enter choose the client; the live
region says how many clients match. Then the keystrokes to book an appointment from the client
file, counted and printed (the target: at most 40).
"""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from test_accessibility import axe_violations

from anxin.scheduling.models import Appointment

pytestmark = pytest.mark.browser

TARGET = 40


class Keyboard:
    """Presses keys (and types text, one key per character) and counts them."""

    def __init__(self, page):
        self.page, self.count, self.keys = page, 0, []

    def press(self, key):
        self.page.keyboard.press(key)
        self.count += 1
        self.keys.append(key)

    def type(self, text):
        for key in text:
            self.press(key)


def focused(page):
    return page.evaluate(
        "() => [document.activeElement.tagName, document.activeElement.getAttribute('name')]"
    )


@pytest.mark.req("BIZ-3", "CLI-7", "UX-1")
def test_front_desk_finds_a_client_by_initials_and_books_from_the_file_by_keyboard(
    page, front_desk, manager, practitioner, store, browser_login, set_language, seeded
):
    from django.utils import timezone

    from anxin.catalogue.testing import make_client, make_item

    set_language("zh-hans")
    item = make_item(actor=manager, store=store, name="全身按摩", price="128.00", duration=90)
    xiaoyu = make_client(actor=front_desk, store=store, name="林小雨", phone="13800001111")
    make_client(actor=front_desk, store=store, name="林小云", phone="13800002222")
    browser_login(front_desk)

    # 1. The combobox: pinyin initials, Down, Enter.
    page.goto("/appointments/new/")
    box = page.get_by_role("combobox", name=re.compile("客户"))
    assert box.evaluate("el => el === document.activeElement")
    assert box.get_attribute("aria-expanded") == "false"
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    assert listbox.get_attribute("role") == "listbox"
    page.keyboard.type("lxy")
    listbox.get_by_role("option").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    live = page.locator(f"#{box.get_attribute('id')}-status")
    assert live.get_attribute("aria-live") == "polite"
    page.wait_for_function(
        "el => el.textContent.length > 0", arg=live.element_handle(), timeout=5000
    )
    assert re.search(r"2", live.inner_text()), live.inner_text()  # "找到 2 位客户"
    assert listbox.get_by_role("option").count() == 2
    page.keyboard.press("ArrowDown")
    first = page.locator("#" + box.get_attribute("aria-activedescendant"))
    assert first.get_attribute("aria-selected") == "true"
    assert first.inner_text() == f"林小雨 {xiaoyu.code}"
    count, report = axe_violations(page)  # the open combobox and its list, too
    assert count == 0, report
    page.keyboard.press("Enter")  # chooses; does not submit
    assert urlsplit(page.url).path == "/appointments/new/"
    assert box.input_value() == f"林小雨 {xiaoyu.code}"
    assert box.get_attribute("aria-expanded") == "false"
    # Choosing the item shows its usual duration in the duration's hint.
    page.select_option("#id_item", str(item.pk))
    assert "90" in page.locator("#id_minutes_helptext").inner_text()

    # 2. From the client's file to a booking, counting every key.
    page.goto(f"/clients/{xiaoyu.code}/")
    keys = Keyboard(page)
    keys.press("Tab")  # the skip link
    keys.press("Enter")
    while page.evaluate("() => document.activeElement.textContent.trim()") != "预约":
        keys.press("Tab")
        assert keys.count < 10, "no 预约 link near the top of the file"
    with page.expect_navigation():
        keys.press("Enter")
    assert urlsplit(page.url).path == "/appointments/new/"
    assert box.input_value() == f"林小雨 {xiaoyu.code}"  # the client is filled in
    assert focused(page) == ["SELECT", "practitioner"]  # the next thing to choose
    keys.press("ArrowDown")  # the first practitioner, after "the rotation queue"
    keys.press("Tab")
    assert focused(page) == ["SELECT", "item"]
    keys.press("ArrowDown")
    keys.press("Tab")  # the duration: the item's
    keys.press("Tab")
    assert focused(page) == ["INPUT", "start"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # The browser's own format (en-US): month, day, year (Right: a year may be longer), hour,
    # minute, AM.
    assert page.evaluate("() => navigator.language") == "en-US"
    keys.type(tomorrow.strftime("%m%d%Y"))
    keys.press("ArrowRight")
    keys.type("1000A")
    assert page.locator("#id_start").input_value() == f"{tomorrow:%Y-%m-%d}T10:00"
    with page.expect_navigation():
        keys.press("Enter")

    appointment = Appointment.objects.get()
    assert (appointment.client, appointment.practitioner) == (xiaoyu, practitioner)
    assert appointment.end - appointment.start == dt.timedelta(minutes=90)
    assert urlsplit(page.url).path == f"/appointments/{appointment.code}/"
    print(f"\nkeystrokes to book an appointment from the client file: {keys.count} ({keys.keys})")
    assert keys.count <= TARGET
