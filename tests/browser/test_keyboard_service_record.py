"""A practitioner records a service with the keyboard alone, from the home page (CLI-4, UX-1).

The test counts every key pressed and checks what a screen reader announces: the accessible
name of each control the focus lands on, and the form's accessibility tree.
"""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from anxin.clients.models import ServiceRecord

pytestmark = pytest.mark.browser

TARGET = 20


class Keyboard:
    """Presses keys and counts them."""

    def __init__(self, page):
        self.page, self.count, self.keys = page, 0, []

    def press(self, key):
        self.page.keyboard.press(key)
        self.count += 1
        self.keys.append(key)


def focused_name(page, role, name):
    """The focused element is the control a screen reader announces as ``role`` ``name``."""
    element = page.get_by_role(role, name=name)
    assert element.count() == 1, f"no single {role} named {name!r}"
    assert element.evaluate("el => el === document.activeElement"), f"{role} {name!r} not focused"
    return element


@pytest.mark.req("CLI-4", "UX-1")
def test_practitioner_records_a_service_by_keyboard(
    page, practitioner, front_desk, manager, store, browser_login, set_language, seeded
):
    from django.utils import timezone

    from anxin.catalogue.testing import make_client, make_item

    set_language("en")
    make_item(actor=manager, store=store, name="Full-body massage", price="128.00")
    make_item(actor=manager, store=store, name="Foot massage", price="98.00", category=2)
    # Two of the practitioner's clients; the one served most recently comes first.
    older = make_client(actor=front_desk, store=store, name="Li Lei", phone="13900002222")
    latest = make_client(actor=front_desk, store=store, name="Wang Fang", phone="13800001111")
    for client, days in ((older, 3), (latest, 1)):
        ServiceRecord.objects.create(
            store=store,
            client=client,
            practitioner=practitioner,
            served_at=timezone.now() - dt.timedelta(days=days),
            item_name="Foot massage",
            amount=Decimal("98.00"),
        )
    browser_login(practitioner)
    page.goto("/")
    keys = Keyboard(page)

    keys.press("Tab")
    focused_name(page, "link", "Skip to main content")
    keys.press("Enter")
    keys.press("Tab")
    focused_name(page, "link", "Record a service")
    with page.expect_navigation():
        keys.press("Enter")
    assert urlsplit(page.url).path == "/services/new/"

    # The client box has the focus as the page opens; Down opens the practitioner's recent
    # clients, the most recent first and highlighted; Enter chooses it.
    client_box = focused_name(page, "combobox", "Client")
    keys.press("ArrowDown")
    assert client_box.get_attribute("aria-expanded") == "true"
    active = page.locator("#" + client_box.get_attribute("aria-activedescendant"))
    assert re.fullmatch(r"Wang Fang KH\d{8}", active.inner_text())
    keys.press("Enter")
    assert client_box.input_value() == f"Wang Fang {latest.code}"
    assert client_box.get_attribute("aria-expanded") == "false"

    keys.press("Tab")
    item_box = focused_name(page, "combobox", re.compile(r"^Service item"))
    keys.press("ArrowDown")
    announced = item_box.evaluate("el => el.selectedOptions[0].text")
    assert announced == "Full-body massage, 128.00 yuan, 60 minutes (XM01001)"

    keys.press("Tab")
    amount = focused_name(page, "spinbutton", "Amount (yuan)")
    # The help text is announced with the field.
    assert amount.get_attribute("aria-describedby")
    snapshot = page.locator("main form").aria_snapshot()
    for label in ("Client", "Service item", "Amount (yuan)", "Clock type", "Notes"):
        assert label in snapshot, snapshot
    with page.expect_navigation():
        keys.press("Enter")

    record = ServiceRecord.objects.filter(item__isnull=False).get()
    assert (record.client, record.practitioner) == (latest, practitioner)
    assert (record.item_name, record.amount) == ("Full-body massage", Decimal("128.00"))
    assert urlsplit(page.url).path == f"/services/{record.pk}/"
    status = page.get_by_role("status")
    assert "Saved: Full-body massage for Wang Fang, 128.00 yuan." in status.inner_text()

    print(f"\nkeystrokes to record a service from the home page: {keys.count} ({keys.keys})")
    assert keys.count < TARGET
