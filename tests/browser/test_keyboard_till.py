"""The front desk takes a 3-line bill (a recorded service and two products) paid by the client's
stored-value card and cash, with the keyboard alone (POS-1, POS-2, UX-1). Keystrokes are counted
and printed."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


class Keyboard:
    def __init__(self, page):
        self.page, self.count, self.keys = page, 0, []

    def press(self, key):
        self.page.keyboard.press(key)
        self.count += 1
        self.keys.append(key)

    def type(self, text):
        for ch in text:
            self.press(ch)


def focused(page):
    return page.evaluate(
        "[document.activeElement.tagName, document.activeElement.id,"
        " document.activeElement.getAttribute('aria-label') || '']"
    )


@pytest.mark.req("POS-1", "POS-2", "UX-1")
def test_front_desk_takes_a_three_line_bill_by_keyboard(
    page, store, front_desk, manager, practitioner, browser_login, set_language, seeded
):
    from django.utils import timezone

    from anxin.cards.services import card_issue, card_type_save
    from anxin.catalogue.testing import make_client, make_item
    from anxin.delivery.services import service_record
    from anxin.till import services
    from anxin.till.models import Bill

    set_language("en")
    item = make_item(actor=manager, store=store, name="Full-body massage", price="128.00")
    client = make_client(actor=front_desk, store=store, name="Wang Fang")
    service_record(
        actor=front_desk,
        store=store,
        client=client,
        item=item,
        practitioner=practitioner,
        served_at=timezone.now() - dt.timedelta(hours=1),
        clock_type="named",
    )
    stored = card_type_save(
        actor=manager, store=store, name="Stored value", kind="stored_value", valid_days=365
    )
    card = card_issue(actor=front_desk, store=store, client=client, card_type=stored, paid="500")
    for code, name, price in (("P1", "Rose oil", "58.00"), ("P2", "Foot salt", "30.00")):
        product = services.product_create(
            actor=manager,
            store=store,
            code=code,
            name=name,
            unit="pc",
            price=Decimal(price),
            cost=Decimal("10.00"),
        )
        services.stock_receive(actor=manager, store=store, product=product, quantity=10)
    browser_login(front_desk)
    page.goto(f"/till/?client={client.code}")
    keys = Keyboard(page)

    keys.press("Tab")  # the skip link
    keys.press("Enter")
    for _ in range(4):  # two links, the client box, the service's check box (checked)
        keys.press("Tab")
    assert focused(page)[1] == "id_records_0"
    assert page.get_by_role("checkbox", name="Full-body massage").is_checked()
    keys.press("Tab")
    assert focused(page)[1] == "id_product_1"
    keys.press("ArrowDown")  # Rose oil
    keys.press("Tab")
    keys.press("ArrowUp")  # quantity 2
    keys.press("Tab")
    keys.press("ArrowDown")
    keys.press("ArrowDown")  # Foot salt
    keys.press("Tab")
    assert focused(page)[1] == "id_quantity_2"
    with page.expect_navigation():
        keys.press("Enter")  # the form's first button: calculate the total
    page.wait_for_load_state()
    errors = page.locator("#form-errors")
    assert not errors.count(), errors.inner_text()
    status = page.locator("#quote")
    # The address ends in #main (the skip link); the result still takes the focus (app.js),
    # also after the browser's own move to the fragment once the page has loaded.
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert status.evaluate("el => el === document.activeElement"), focused(page)
    assert urlsplit(page.url).fragment == ""
    assert "Total to pay: 274.00 yuan." in status.inner_text()

    keys.press("Tab")  # the client's card, suggested and chosen already
    assert focused(page)[1] == "id_card"
    assert card.number in page.locator("#id_card option:checked").inner_text()
    keys.press("Tab")
    keys.type("200")  # from the card
    keys.press("Tab")
    assert focused(page)[1] == "id_cash"
    keys.type("74")
    for _ in range(6):  # past the e-payment and the voucher to the button
        keys.press("Tab")
    assert page.evaluate("document.activeElement.value") == "pay"
    with page.expect_navigation():
        keys.press("Enter")

    bill = Bill.objects.get()
    assert bill.total == Decimal("274.00") and bill.lines.count() == 3
    assert sorted(bill.payments.values_list("method", "amount")) == [
        ("card", Decimal("200.00")),
        ("cash", Decimal("74.00")),
    ]
    assert card.movements.filter(kind="consumption").get().amount == Decimal("-200.00")
    assert urlsplit(page.url).path == f"/till/bills/{bill.pk}/"
    message = page.get_by_role("status").first.inner_text()
    assert "274.00 yuan" in message
    print(f"\nkeystrokes for a 3-line bill paid by card and cash: {keys.count} ({keys.keys})")
