"""Page set-ups for the membership card pages (POS-2)."""

from decimal import Decimal


def _card(request):
    """A stored-value card (pay 1000, get 1200) of a consenting client, paid from once."""
    from anxin.cards.models import Card
    from anxin.cards.services import card_issue, card_type_save, charge_card
    from anxin.clients.services import ConsentGiven, client_create

    existing = Card.objects.first()
    if existing is not None:
        return existing
    store = request.getfixturevalue("store")
    manager, front_desk = request.getfixturevalue("manager"), request.getfixturevalue("front_desk")
    card_type = card_type_save(
        actor=manager,
        store=store,
        name="储值卡（充1000送200）",
        kind="stored_value",
        bonus_rules=[{"pay": "1000", "bonus": "200"}],
        valid_days=365,
    )
    client = client_create(
        actor=front_desk,
        store=store,
        name="王芳",
        phone="13800001111",
        consent=ConsentGiven(paper_location="A-1"),
    )
    card = card_issue(
        actor=front_desk, store=store, client=client, card_type=card_type, paid=Decimal("1000")
    )
    charge_card(
        card=card, client=client, store=store, amount=Decimal("128.00"), user=front_desk,
        reference="B-1",
    )  # fmt: skip
    return card


def cards_page(request):
    _card(request)
    return "/cards/"


def card_page(request):
    return f"/cards/{_card(request).number}/"


def card_new_page(request):
    return f"/cards/new/?client={_card(request).client.code}"


def top_up_page(request):
    return f"/cards/{_card(request).number}/top-up/"


def transfer_page(request):
    return f"/cards/{_card(request).number}/transfer/"


def refund_page(request):
    return f"/cards/{_card(request).number}/refund/"


def reverse_page(request):
    card = _card(request)
    return f"/cards/{card.number}/lines/{card.movements.last().seq}/reverse/"


def types_page(request):
    _card(request)
    return "/cards/types/"


def type_page(request):
    return f"/cards/types/{_card(request).card_type_id}/"


def liability_page(request):
    _card(request)
    return "/cards/liability/"


def client_file_page(request):
    return f"/clients/{_card(request).client.code}/"


def bad_top_up(page):
    """A negative amount: refused with the error summary."""
    page.fill("#id_paid", "-5")
    with page.expect_navigation() as nav:
        page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_selector("#form-errors")
    return nav.value
