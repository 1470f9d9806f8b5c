"""The request desk (PRV-6): copy, correction, deletion, objection, access report."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.clients.models import Client, HealthFile, SearchKey, ServiceRecord
from anxin.delivery.models import Feedback
from anxin.privacy import rights_services as services
from anxin.privacy.models import Erasure, LegalHold, RequestStatus, RightsRequest

pytestmark = [pytest.mark.django_db, pytest.mark.req("PRV-6")]


def _open(actor, store, client, kind, **extra):
    return services.request_open(
        actor=actor, store=store, client_code=client.code, kind=kind, identity="id_card", **extra
    )


def test_front_desk_opens_a_request_due_in_15_days(front_desk, store, registered):
    req = _open(front_desk, store, registered, "copy")
    assert (req.due_on - req.received_on).days == 15
    assert req.status == RequestStatus.OPEN
    assert OperationLog.objects.filter(
        record_type="privacy.rightsrequest", action="create"
    ).exists()


def test_request_for_a_client_of_another_store_is_refused_and_logged(
    other_manager, other_store, make_persona, registered
):
    desk = make_persona("desk_sh", other_store, "front_desk")
    with translation.override("en"), pytest.raises(ValidationError) as err:
        _open(desk, other_store, registered, "copy")
    assert "No client with this code in this store." in str(err.value)
    assert not RightsRequest.objects.exists()
    assert UseLog.objects.filter(user=desk, outcome="denied", record_id=registered.code).exists()


def test_copy_holds_every_app_and_decrypts_only_into_the_file(
    front_desk, officer, store, registered
):
    req = _open(front_desk, store, registered, "copy")
    body, _name, _kind = services.request_copy(actor=officer, store=store, req=req, fmt="json")
    data = json.loads(body)
    keys = {s["key"] for s in data["sections"]}
    assert {"clients", "delivery", "scheduling", "dispatch", "privacy", "audit"} <= keys
    text = body.decode()
    assert "13812345678" in text and "110101199003071234" in text and "花粉过敏" in text
    assert "腰椎旧伤" in text and "李四很满意" in text
    entry = UseLog.objects.get(action="export", record_code=registered.code)
    assert entry.user == officer and f"request #{req.pk}" in entry.purpose
    with translation.override("en"):
        xlsx, name, _ = services.request_copy(actor=officer, store=store, req=req, fmt="xlsx")
    assert name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(xlsx))
    assert "Client" in book.sheetnames and "Service records" in book.sheetnames


def test_front_desk_cannot_produce_the_copy_and_nothing_is_logged_as_export(
    front_desk, store, registered
):
    req = _open(front_desk, store, registered, "copy")
    with pytest.raises(PermissionDenied):
        services.request_copy(actor=front_desk, store=store, req=req, fmt="json")
    assert not UseLog.objects.filter(action="export").exists()
    assert UseLog.objects.filter(user=front_desk, outcome="denied").exists()


def test_deletion_anonymises_every_app_and_keeps_codes_dates_amounts(
    front_desk, officer, store, registered
):
    req = _open(front_desk, store, registered, "deletion")
    services.request_delete(actor=officer, store=store, req=req)
    client = Client.objects.get(pk=registered.pk)
    assert client.name == "匿名" and client.phone == "" and client.id_number == ""
    assert client.address == "" and client.code == registered.code
    assert client.birth_date.month == 1 and client.birth_date.year == 1990
    assert client.phone_index is None and client.id_number_index is None
    assert not HealthFile.objects.filter(client=client).exists()
    assert not SearchKey.objects.filter(client=client).exists()
    service = ServiceRecord.objects.get(client=client)
    assert service.notes == "" and str(service.amount) == "198.00"
    assert Feedback.objects.get(service=service).comments == ""
    assert Feedback.objects.get(service=service).score == 5
    assert Erasure.objects.filter(client=client, origin="request").exists()
    assert OperationLog.objects.filter(action="anonymise", record_code=client.code).exists()
    req.refresh_from_db()
    assert req.status == RequestStatus.DONE


def test_legal_hold_blocks_deletion_with_its_reason_and_nothing_changes(
    front_desk, officer, store, registered
):
    LegalHold.objects.create(
        store=store, client=registered, reason="消费纠纷处理中", placed_by=officer
    )
    req = _open(front_desk, store, registered, "deletion")
    with translation.override("en"), pytest.raises(ValidationError) as err:
        services.request_delete(actor=officer, store=store, req=req)
    assert "消费纠纷处理中" in " ".join(err.value.messages)
    assert "cannot be anonymised yet" in " ".join(err.value.messages)
    client = Client.objects.get(pk=registered.pk)
    assert client.name == "李四" and client.phone == "13812345678"
    assert not Erasure.objects.exists()
    assert RightsRequest.objects.get(pk=req.pk).status == RequestStatus.OPEN
    assert UseLog.objects.filter(action="anonymise", outcome="denied").exists()


def test_correction_goes_through_two_person_approval(
    front_desk, officer, manager, store, registered
):
    req = _open(front_desk, store, registered, "correction")
    change = services.request_correct(
        actor=officer, store=store, req=req, field="address", value="北京市海淀区新路2号"
    )
    assert Client.objects.get(pk=registered.pk).address == "北京市朝阳区幸福路1号"
    assert RightsRequest.objects.get(pk=req.pk).status == RequestStatus.WAITING
    with pytest.raises(PermissionDenied):
        change_approve(actor=officer, change=change)
    change_approve(actor=manager, change=change)
    assert Client.objects.get(pk=registered.pk).address == "北京市海淀区新路2号"


def test_objection_stops_marketing_messages(front_desk, officer, store, registered, monkeypatch):
    from anxin.notifications import services as notify

    sent = []
    monkeypatch.setattr(notify, "send_external", lambda **kw: sent.append(kw) or True)
    assert notify.send_to_client(client=registered, channel="sms", subject="双十一", marketing=True)
    req = _open(front_desk, store, registered, "objection")
    services.request_object(actor=officer, store=store, req=req)
    assert not notify.send_to_client(
        client=registered, channel="sms", subject="双十一", marketing=True
    )
    # Service messages (a reminder of a booking) still go.
    assert notify.send_to_client(client=registered, channel="sms", subject="预约提醒")
    assert len(sent) == 2


def test_access_report_lists_who_read_the_client_when_and_why(
    front_desk, officer, manager, store, registered
):
    from anxin.clients.selectors import client_get

    client_get(actor=manager, store=store, code=registered.code, purpose="回访前核对")
    req = _open(front_desk, store, registered, "access_report")
    with translation.override("en"):
        rows = services.request_access_report(actor=officer, store=store, req=req)
    manager_rows = [r for r in rows if r["who"] == "manager"]
    assert manager_rows and manager_rows[0]["what"] == "looked at the client's file"
    assert manager_rows[0]["why"] == "回访前核对"
    assert UseLog.objects.filter(action="report", record_code=registered.code).exists()


def test_request_pages_by_role(client, login, front_desk, officer, practitioner, store, registered):
    login(client, front_desk)
    response = client.post(
        "/privacy/requests/new/",
        {
            "client_code": registered.code,
            "kind": "access_report",
            "identity": "id_card",
            "received_on": "2026-12-01",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    req = RightsRequest.objects.get()
    assert client.get(f"/privacy/requests/{req.pk}/").status_code == 200
    assert client.get("/privacy/requests/").status_code == 200
    # The front desk does not produce the report; the officer does.
    assert client.get(f"/privacy/requests/{req.pk}/access/").status_code == 403
    login(client, officer)
    response = client.get(f"/privacy/requests/{req.pk}/access/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and b"Who accessed your data" in response.content
    # A practitioner has no desk at all: 403, logged, nothing created.
    login(client, practitioner)
    before = RightsRequest.objects.count()
    assert client.get("/privacy/requests/").status_code == 403
    response = client.post(
        "/privacy/requests/new/",
        {"client_code": registered.code, "kind": "copy", "identity": "id_card"},
    )
    assert response.status_code == 403
    assert RightsRequest.objects.count() == before
    assert UseLog.objects.filter(user=practitioner, outcome="denied").exists()


def test_another_stores_request_is_not_found(
    client, login, front_desk, other_store, make_persona, store, registered
):
    req = _open(front_desk, store, registered, "copy")
    officer_sh = make_persona("infosec_sh", other_store, "information_officer")
    login(client, officer_sh)
    session = client.session
    assert client.get(f"/privacy/requests/{req.pk}/").status_code == 404
    assert UseLog.objects.filter(
        user=officer_sh, outcome="denied", record_type="privacy.rightsrequest"
    ).exists()
    assert session is not None


def test_front_desk_cannot_anonymise_and_nothing_changes(
    client, login, front_desk, store, registered
):
    req = _open(front_desk, store, registered, "deletion")
    login(client, front_desk)
    denied = UseLog.objects.filter(outcome="denied").count()
    response = client.post(f"/privacy/requests/{req.pk}/delete/", {"answer": ""})
    assert response.status_code == 403
    stored = Client.objects.get(pk=registered.pk)
    assert stored.name == "李四" and stored.phone == "13812345678"
    assert HealthFile.objects.filter(client=stored).exists()
    assert not Erasure.objects.exists()
    assert RightsRequest.objects.get(pk=req.pk).status == RequestStatus.OPEN
    assert UseLog.objects.filter(outcome="denied").count() == denied + 1


def test_access_report_says_the_desks_own_reads_in_the_clients_words():
    from anxin.privacy.rights_selectors import _why

    with translation.override("en"):
        assert _why("client's copy (json), request #7") == "your request #7: a copy of your data"
        assert _why("client's access report, request #8") == "your request #8: this report"
        assert _why("") == "no purpose was stated"
        assert _why("回访前核对") == "回访前核对"


def test_the_desk_shows_a_legal_hold_on_the_page_and_anonymises_nothing(
    client, login, front_desk, officer, store, registered
):
    LegalHold.objects.create(
        store=store, client=registered, reason="消费纠纷处理中", placed_by=officer
    )
    req = _open(front_desk, store, registered, "deletion")
    login(client, officer)
    response = client.post(f"/privacy/requests/{req.pk}/delete/", {"answer": ""})
    assert response.status_code == 400
    assert "消费纠纷处理中" in response.content.decode()
    stored = Client.objects.get(pk=registered.pk)
    assert stored.name == "李四" and stored.phone == "13812345678"
    assert not Erasure.objects.exists()
    assert RightsRequest.objects.get(pk=req.pk).status == RequestStatus.OPEN
    # without a hold the same request anonymises and says so
    LegalHold.objects.all().delete()
    done = client.post(f"/privacy/requests/{req.pk}/delete/", {"answer": ""}, follow=True)
    assert done.status_code == 200 and Erasure.objects.count() == 1
    assert Client.objects.get(pk=registered.pk).phone != "13812345678"
