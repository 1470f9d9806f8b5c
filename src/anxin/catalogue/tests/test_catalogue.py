"""Service items (BIZ-1, COD-XM) and promotions (BIZ-2, COD-CX): services and pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.catalogue.models import ItemPrice, Promotion, ServiceItem
from anxin.catalogue.services import (
    item_price_propose,
    item_update,
    promotion_create,
)
from anxin.catalogue.testing import item_category, make_client, make_item
from anxin.clients.models import ServiceRecord


def snapshot():
    return (
        list(ServiceItem.objects.values()),
        list(ItemPrice.objects.values()),
        list(Promotion.objects.values()),
    )


@pytest.mark.req("BIZ-1", "COD-XM")
def test_items_get_xm_codes_by_category(manager, store):
    a = make_item(actor=manager, store=store, category=1)
    b = make_item(actor=manager, store=store, name="经络推拿", category=1)
    c = make_item(actor=manager, store=store, name="足疗", category=2)
    assert (a.code, b.code, c.code) == ("XM01001", "XM01002", "XM02001")
    assert OperationLog.objects.filter(action="create", record_code="XM01001").exists()
    assert ItemPrice.objects.get(item=a).price == Decimal("128.00")


@pytest.mark.req("BIZ-1")
def test_a_price_change_needs_a_second_person_and_keeps_history(
    manager, second_manager, store, item
):
    change = item_price_propose(
        actor=manager, store=store, item=item, price=Decimal("138"), reason="成本上涨"
    )
    item.refresh_from_db()
    assert item.price == Decimal("128.00")  # nothing until approved
    with pytest.raises(PermissionDenied):
        change_approve(actor=manager, change=change)
    item.refresh_from_db()
    assert item.price == Decimal("128.00")
    change_approve(actor=second_manager, change=change, note="同意")
    item.refresh_from_db()
    assert item.price == Decimal("138.00")
    history = list(ItemPrice.objects.filter(item=item).order_by("valid_from", "pk"))
    assert [h.price for h in history] == [Decimal("128.00"), Decimal("138.00")]
    assert history[-1].set_by == manager and history[-1].approved_by == second_manager


@pytest.mark.req("BIZ-1")
@pytest.mark.parametrize("price", ["-1", "100000.01", "abc", "128.00"])
def test_bad_price_proposals_are_refused(manager, store, item, price):
    with pytest.raises(ValidationError):
        item_price_propose(actor=manager, store=store, item=item, price=price, reason="x")
    item.refresh_from_db()
    assert item.price == Decimal("128.00")


@pytest.mark.req("BIZ-1")
def test_the_price_cannot_be_edited_directly(manager, store, item):
    with pytest.raises(ValidationError):
        item_update(actor=manager, store=store, item=item, price=Decimal("1"))
    item_update(actor=manager, store=store, item=item, name="全身按摩（加长）", duration=90)
    item.refresh_from_db()
    assert (item.name, item.duration, item.price) == ("全身按摩（加长）", 90, Decimal("128.00"))
    assert OperationLog.objects.filter(action="update", record_code=item.code).exists()


@pytest.mark.req("BIZ-1")
def test_only_the_manager_maintains_items_and_a_refusal_changes_nothing(
    client, login, front_desk, practitioner, store, item
):
    for person in (front_desk, practitioner):
        login(client, person)
        before = snapshot()
        assert client.get("/catalogue/items/").status_code == 200  # everyone may look
        assert client.get(f"/catalogue/items/{item.code}/").status_code == 200
        assert client.get("/catalogue/items/new/").status_code == 403
        data = {"category": item.category.pk, "name": "x", "price": "1", "duration": "10"}
        assert client.post("/catalogue/items/new/", data).status_code == 403
        post = {"action": "price", "price-price": "1.00", "price-reason": "x"}
        assert client.post(f"/catalogue/items/{item.code}/edit/", post).status_code == 403
        with pytest.raises(PermissionDenied):
            make_item(actor=person, store=store, name="偷偷加的")
        assert snapshot() == before
        assert UseLog.objects.filter(user=person, outcome="denied").exists()


@pytest.mark.req("BIZ-1")
def test_another_stores_item_is_not_found(client, login, other_manager, item):
    login(client, other_manager)
    assert client.get(f"/catalogue/items/{item.code}/").status_code == 404
    before = snapshot()
    post = {"item-name": "改名", "item-duration": "30", "item-active": "on"}
    assert client.post(f"/catalogue/items/{item.code}/edit/", post).status_code == 404
    assert snapshot() == before


@pytest.mark.req("BIZ-1")
def test_item_pages_for_the_manager(client, login, manager, store):
    login(client, manager)
    category = item_category(3)
    response = client.post(
        "/catalogue/items/new/",
        {
            "category": category.pk,
            "name": "<b>推拿</b>",
            "price": "168.00",
            "duration": "45",
            "active": "on",
        },
    )
    assert response.status_code == 302
    item = ServiceItem.objects.get()
    assert item.code == "XM03001"
    page = client.get(f"/catalogue/items/{item.code}/").content.decode()
    assert "&lt;b&gt;推拿&lt;/b&gt;" in page and "<b>推拿</b>" not in page
    bad = client.post(
        "/catalogue/items/new/",
        {"category": category.pk, "name": "x", "price": "-5", "duration": "0"},
    )
    assert bad.status_code == 400 and ServiceItem.objects.count() == 1
    response = client.post(
        f"/catalogue/items/{item.code}/edit/",
        {"action": "price", "price-price": "188.00", "price-reason": "新疗法"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.price == Decimal("168.00")
    assert client.get(f"/catalogue/items/{item.code}/edit/").status_code == 200


@pytest.mark.req("BIZ-2", "COD-CX")
def test_promotions_get_cx_codes_per_year(manager, store):
    start = dt.date(2026, 3, 1)
    first = promotion_create(
        actor=manager,
        store=store,
        name="三八节",
        starts_on=start,
        ends_on=start + dt.timedelta(days=7),
        discount_kind="percent",
        discount_value=Decimal("20"),
        rules={"new_clients_only": True},
    )
    second = promotion_create(
        actor=manager,
        store=store,
        name="春季",
        starts_on=start,
        ends_on=start,
        discount_kind="amount",
        discount_value=Decimal("30"),
    )
    assert (first.code, second.code) == ("CX26001", "CX26002")
    assert first.rules == {"new_clients_only": True}


@pytest.mark.req("BIZ-2")
def test_marketing_records_promotions_and_the_front_desk_may_not(
    client, login, marketing, front_desk, store
):
    login(client, front_desk)
    data = {
        "name": "国庆",
        "starts_on": "2026-10-01",
        "ends_on": "2026-10-07",
        "discount_kind": "percent",
        "discount_value": "10",
        "min_spend": "100",
        "member_levels": ["gold"],
    }
    assert client.post("/catalogue/promotions/new/", data).status_code == 403
    assert not Promotion.objects.exists()
    login(client, marketing)
    assert client.post("/catalogue/promotions/new/", data).status_code == 302
    promotion = Promotion.objects.get()
    assert promotion.rules == {"min_spend": "100.00", "member_levels": ["gold"]}
    bad = dict(data, ends_on="2026-09-01", discount_value="150")
    response = client.post("/catalogue/promotions/new/", bad)
    assert response.status_code == 400 and Promotion.objects.count() == 1
    edit = dict(data, name="国庆黄金周", min_spend="")
    response = client.post(f"/catalogue/promotions/{promotion.code}/edit/", edit)
    assert response.status_code == 302
    promotion.refresh_from_db()
    assert promotion.name == "国庆黄金周" and promotion.rules == {"member_levels": ["gold"]}


@pytest.mark.req("BIZ-2")
def test_effect_report_compares_the_promotion_with_the_same_time_before(
    client, login, manager, marketing, front_desk, practitioner, store, item
):
    today = timezone.localdate()
    start = today - dt.timedelta(days=9)
    promotion = promotion_create(
        actor=manager,
        store=store,
        name="十日特惠",
        starts_on=start,
        ends_on=start + dt.timedelta(days=9),
        discount_kind="amount",
        discount_value=Decimal("28"),
    )
    a = make_client(actor=front_desk, store=store)
    b = make_client(actor=front_desk, store=store, name="李雷", phone="13900002222")

    def served(client_, days_ago, amount, promo=None):
        when = timezone.now() - dt.timedelta(days=days_ago)
        ServiceRecord.objects.create(
            store=store,
            client=client_,
            practitioner=practitioner,
            served_at=when,
            item=item,
            item_name=item.name,
            amount=Decimal(amount),
            promotion=promo,
        )

    served(a, 15, "128.00")  # before: 1 visit, 128
    served(a, 5, "100.00", promotion)  # during: 3 visits, 300, 2 participants
    served(b, 3, "100.00", promotion)
    served(b, 2, "100.00")
    served(b, 30, "500.00")  # too early for either window
    login(client, marketing)
    response = client.get(f"/catalogue/promotions/{promotion.code}/effect/")
    assert response.status_code == 200
    report = response.context["report"]
    assert report["days"] == 10
    assert (report["before"]["visits"], report["before"]["revenue"]) == (1, Decimal("128.00"))
    assert (report["during"]["visits"], report["during"]["revenue"]) == (3, Decimal("300.00"))
    assert report["during"]["participants"] == 2
    assert report["during"]["promotion_revenue"] == Decimal("200.00")
    assert report["visits_change"] == 200.0
    assert UseLog.objects.filter(user=marketing, action="report").exists()
    login(client, practitioner)
    assert client.get(f"/catalogue/promotions/{promotion.code}/effect/").status_code == 404


@pytest.mark.req("COD-XM", "COD-CX")
def test_items_and_promotions_are_found_by_code(client, login, front_desk, manager, store, item):
    promotion = promotion_create(
        actor=manager,
        store=store,
        name="周年庆",
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 5, 3),
        discount_kind="percent",
        discount_value=Decimal("15"),
    )
    login(client, front_desk)
    response = client.get(f"/search/?q={item.code.lower()}")
    assert response.status_code == 302 and response.url == f"/catalogue/items/{item.code}/"
    response = client.get(f"/search/?q={promotion.code}")
    assert response.url == f"/catalogue/promotions/{promotion.code}/"


@pytest.mark.req("BIZ-1")
def test_the_approval_page_shows_the_old_and_new_price(
    client, login, manager, second_manager, store, item
):
    change = item_price_propose(
        actor=manager, store=store, item=item, price=Decimal("150.5"), reason="调价"
    )
    login(client, second_manager)
    page = client.get(f"/approvals/{change.pk}/").content.decode()
    assert "128.00" in page and "150.50" in page
    response = client.post(f"/approvals/{change.pk}/", {"action": "approve", "note": "同意"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.price == Decimal("150.50")


@pytest.mark.req("BIZ-1", "BIZ-3")
def test_whether_an_item_allows_parallel_bookings_is_set_on_its_form_and_logged(
    client, login, manager, store, item
):
    assert item.allows_parallel_bookings is False  # the default: one booking at a time
    login(client, manager)
    form = client.get(f"/catalogue/items/{item.code}/edit/").content.decode()
    assert 'name="item-allows_parallel_bookings"' in form
    post = {
        "item-name": item.name,
        "item-duration": "60",
        "item-active": "on",
        "item-allows_parallel_bookings": "on",
    }
    assert client.post(f"/catalogue/items/{item.code}/edit/", post).status_code == 302
    item.refresh_from_db()
    assert item.allows_parallel_bookings is True
    entry = OperationLog.objects.filter(record_code=item.code, action="update").latest("pk")
    assert entry.changes["allows_parallel_bookings"] == {"before": False, "after": True}
