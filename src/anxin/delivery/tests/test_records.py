"""Recording a service (CLI-4): defaults, scope, bad input, correction by two-person review."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.catalogue.services import promotion_create
from anxin.catalogue.testing import make_client, make_item
from anxin.clients.models import ServiceRecord
from anxin.delivery import selectors
from anxin.delivery.services import service_correction_propose, service_record

pytestmark = pytest.mark.req("CLI-4")


def records():
    return list(ServiceRecord.objects.order_by("pk").values())


def test_practitioner_records_with_defaults(practitioner, store, regular, item):
    before = timezone.now()
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    assert record.amount == Decimal("128.00")
    assert record.item_name == item.name and record.item == item
    assert record.practitioner == practitioner
    assert before <= record.served_at <= timezone.now()
    assert OperationLog.objects.filter(
        action="create", record_type="clients.servicerecord"
    ).exists()


def test_amount_defaults_to_the_best_promotion(manager, practitioner, store, regular, item):
    today = timezone.localdate()
    for value, kind in (("10", "percent"), ("30", "amount")):
        promotion_create(
            actor=manager,
            store=store,
            name=f"活动{value}",
            starts_on=today,
            ends_on=today,
            discount_kind=kind,
            discount_value=Decimal(value),
        )
    promotion_create(  # not for a returning client
        actor=manager,
        store=store,
        name="新客",
        starts_on=today,
        ends_on=today,
        discount_kind="percent",
        discount_value=Decimal("50"),
        rules={"new_clients_only": True},
    )
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    assert record.amount == Decimal("98.00")
    assert record.promotion.name == "活动30"
    agreed = service_record(  # an earlier service (the same one twice is refused)
        actor=practitioner,
        store=store,
        client=regular,
        item=item,
        amount="120",
        served_at=timezone.now() - dt.timedelta(hours=3),
    )
    assert agreed.amount == Decimal("120.00") and agreed.promotion is None


def test_practitioner_only_for_own_clients_and_nothing_saved_otherwise(
    client, login, practitioner, practitioner_b, store, regular, stranger, item
):
    before = records()
    with pytest.raises(ValidationError):
        service_record(actor=practitioner, store=store, client=stranger, item=item)
    with pytest.raises(ValidationError):
        service_record(actor=practitioner_b, store=store, client=regular, item=item)
    assert records() == before
    login(client, practitioner)
    page = client.get("/services/new/").content.decode()
    assert regular.code in page and stranger.code not in page
    response = client.post("/services/new/", {"client": stranger.code, "item": item.pk})
    assert response.status_code == 400 and records() == before
    response = client.post("/services/new/", {"client": stranger.pk, "item": item.pk})
    assert response.status_code == 400 and records() == before
    assert "client" in response.context["form"].errors


def test_front_desk_records_for_any_client_naming_the_practitioner(
    client, login, front_desk, practitioner, store, stranger, item
):
    login(client, front_desk)
    response = client.post("/services/new/", {"client": stranger.code, "item": item.pk})
    assert response.status_code == 400  # the practitioner is missing
    assert not ServiceRecord.objects.exists()
    response = client.post(
        "/services/new/",
        {"client": stranger.code, "item": item.pk, "practitioner": practitioner.pk},
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    assert (record.client, record.practitioner, record.created_by) == (
        stranger,
        practitioner,
        front_desk,
    )


def test_roles_without_the_grant_cannot_record(client, login, finance, store, regular, item):
    before = records()
    with pytest.raises(PermissionDenied):
        service_record(actor=finance, store=store, client=regular, item=item)
    login(client, finance)
    assert client.get("/services/new/").status_code == 403
    response = client.post("/services/new/", {"client": regular.code, "item": item.pk})
    assert response.status_code == 403
    assert records() == before
    assert UseLog.objects.filter(user=finance, outcome="denied").exists()


BIG = "长" * (10 * 1024 * 1024 // 3)  # about 10 MB of UTF-8


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"amount": "-1"}, "amount", "negative"),
        ({"amount": "99999999"}, "amount", "plausible"),
        ({"amount": "1e400"}, "amount", None),
        ({"amount": "abc"}, "amount", None),
        ({"item": "999999"}, "item", None),
        ({"served_at": "2099-01-01T10:00"}, "served_at", "future"),
        ({"notes": BIG}, "notes", None),
        ({"products_sold": BIG}, "products_sold", None),
        ({"client": "999999"}, "client", None),
    ],
)
def test_bad_input_is_refused_with_a_message(
    client, login, practitioner, store, regular, item, change, field, message, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
    settings.LANGUAGE_CODE = "en"
    login(client, practitioner)
    before = records()
    data = {"client": regular.code, "item": item.pk, **change}
    response = client.post("/services/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    if message:
        assert message in " ".join(errors[field])
    assert records() == before


def test_an_item_of_another_store_is_refused(
    practitioner, other_manager, other_store, store, regular
):
    foreign = make_item(actor=other_manager, store=other_store, name="别店项目")
    with pytest.raises(ValidationError) as exc:
        service_record(actor=practitioner, store=store, client=regular, item=foreign)
    assert "item" in exc.value.message_dict
    assert ServiceRecord.objects.count() == 1


def test_a_slightly_fast_clock_is_tolerated(practitioner, store, regular, item):
    soon = timezone.now() + dt.timedelta(minutes=5)
    record = service_record(
        actor=practitioner, store=store, client=regular, item=item, served_at=soon
    )
    assert record.served_at == soon
    with pytest.raises(ValidationError):
        service_record(
            actor=practitioner,
            store=store,
            client=regular,
            item=item,
            served_at=timezone.now() + dt.timedelta(hours=1),
        )


def test_html_and_sql_are_stored_as_text_and_shown_escaped(
    client, login, practitioner, store, regular, item
):
    login(client, practitioner)
    notes = "<script>alert(1)</script>'; DROP TABLE clients_servicerecord; --"
    response = client.post(
        "/services/new/", {"client": regular.code, "item": item.pk, "notes": notes}
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.latest("pk")
    assert record.notes == notes
    page = client.get(f"/services/{record.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_correction_needs_a_second_person(
    client, login, practitioner, manager, store, regular, item
):
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    login(client, practitioner)
    response = client.post(
        f"/services/{record.pk}/correct/",
        {
            "served_at": timezone.localtime(record.served_at).strftime("%Y-%m-%dT%H:%M"),
            "amount": "98.00",
            "clock_type": "named",
            "products_sold": "",
            "notes": "",
            "reason": "收错了价",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.amount == Decimal("128.00")
    from anxin.approvals.models import ChangeRequest

    change = ChangeRequest.objects.get()
    assert change.payload == {"amount": "98.00", "clock_type": "named"}
    with pytest.raises(PermissionDenied):
        change_approve(actor=practitioner, change=change)
    change_approve(actor=manager, change=change, note="核对小票")
    record.refresh_from_db()
    assert (record.amount, record.clock_type) == (Decimal("98.00"), "named")


def test_a_correction_of_someone_elses_record_is_not_found(
    practitioner, practitioner_b, store, regular, item
):
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    from django.http import Http404

    with pytest.raises(Http404):
        service_correction_propose(
            actor=practitioner_b, store=store, record=record, payload={"amount": "1"}, reason="x"
        )
    record.refresh_from_db()
    assert record.amount == Decimal("128.00")
    assert UseLog.objects.filter(user=practitioner_b, outcome="denied").exists()


def test_bad_corrections_are_refused(practitioner, store, regular, item):
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    for payload in (
        {"amount": "-3"},
        {"served_at": "2099-01-01T00:00:00+08:00"},
        {"item_name": "x"},
    ):
        with pytest.raises(ValidationError):
            service_correction_propose(
                actor=practitioner, store=store, record=record, payload=payload, reason="x"
            )


def test_history_selector_is_scoped_and_logged(
    practitioner, practitioner_b, front_desk, store, regular, item
):
    service_record(actor=practitioner, store=store, client=regular, item=item)
    assert len(selectors.service_history(actor=practitioner, store=store, client=regular)) == 2
    assert selectors.service_history(actor=practitioner_b, store=store, client=regular) == []
    assert len(selectors.service_history(actor=front_desk, store=store, client=regular)) == 2
    assert UseLog.objects.filter(user=practitioner, purpose="service history").exists()


def test_other_practitioners_record_is_not_found(
    client, login, practitioner, practitioner_b, store, regular, item
):
    record = service_record(actor=practitioner, store=store, client=regular, item=item)
    login(client, practitioner_b)
    assert client.get(f"/services/{record.pk}/").status_code == 404
    login(client, practitioner)
    assert client.get(f"/services/{record.pk}/").status_code == 200
    assert client.get("/services/").status_code == 200


def test_the_picker_lists_recent_clients_first(front_desk, practitioner, store, regular, item):
    newer = make_client(actor=front_desk, store=store, name="钱七", phone="13600004444")
    service_record(
        actor=front_desk, store=store, client=newer, item=item, practitioner=practitioner
    )
    assert selectors.recordable_clients(actor=practitioner, store=store) == [newer, regular]


def test_the_picker_reads_its_clients_by_id_within_the_served_window(
    front_desk, practitioner, store, regular, item, settings
):
    """Issue 11: clients the practitioner served in the window are theirs by definition; the
    picker reads them by id, without the whole scope's union (planned anew on each page)."""
    from anxin.core.testing import captured

    newer = make_client(actor=front_desk, store=store, name="钱七", phone="13600004444")
    record = service_record(
        actor=front_desk, store=store, client=newer, item=item, practitioner=practitioner
    )
    found, sql = captured(lambda: selectors.recordable_clients(actor=practitioner, store=store))
    assert found == [newer, regular] and not [s for s in sql if "UNION" in s]
    # Served before a window narrower than the picker's two weeks: no longer offered.
    settings.ANXIN_PRACTITIONER_SCOPE_DAYS = 1
    type(record).objects.filter(pk=record.pk).update(
        served_at=record.served_at - dt.timedelta(days=3)
    )
    assert newer not in selectors.recordable_clients(actor=practitioner, store=store)


def test_a_10_mb_post_is_refused_by_the_server_and_nothing_saved(
    client, login, practitioner, store, regular, item
):
    login(client, practitioner)
    before = records()
    response = client.post(
        "/services/new/", {"client": regular.code, "item": item.pk, "notes": BIG}
    )
    assert response.status_code == 400
    assert records() == before


def test_the_service_list_reads_in_a_bounded_number_of_queries(
    client, login, front_desk, practitioner, store, regular, item, django_assert_max_num_queries
):
    from anxin.delivery.services import feedback_record

    for hours in range(30):
        record = service_record(
            actor=practitioner,
            store=store,
            client=regular,
            item=item,
            served_at=timezone.now() - dt.timedelta(hours=2 * hours),
        )
        feedback_record(actor=front_desk, store=store, record=record, score=5)
    login(client, front_desk)
    with django_assert_max_num_queries(20):
        response = client.get("/services/")
    assert response.status_code == 200
    assert response.content.decode().count("5/5") == 30
