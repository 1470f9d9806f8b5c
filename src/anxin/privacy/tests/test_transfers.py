"""External transfers (PRV-4) and disclosures to authorities (PRV-5): conditions, the file and
its hash, the records append-only (a correction is a new linked record), refusals."""

import datetime as dt
import hashlib
import html
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from openpyxl import load_workbook

from anxin.audit.models import OperationLog, UseLog
from anxin.clients.models import Consent
from anxin.privacy import services_disclosures
from anxin.privacy import services_transfers as services
from anxin.privacy.models import (
    AppendOnlyError,
    Disclosure,
    DisclosureClient,
    Document,
    PartnerAgreement,
    Transfer,
    TransferClient,
)

from .conftest import pdf_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def partner(store, officer):
    return services.partner_create(actor=officer, store=store, name="康健体检中心")


def _agreement(officer, store, partner, *, days=(-10, 300)):
    today = timezone.localdate()
    return services.agreement_add(
        actor=officer, store=store, partner=partner, kind="processing",
        valid_from=today + dt.timedelta(days=days[0]), valid_until=today + dt.timedelta(days=days[1]),
        location="合同柜 C-1",
    )  # fmt: skip


def _send(officer, store, partner, clients, fields=("code", "name")):
    return services.transfer_create(
        actor=officer, store=store, partner=partner, legal_basis="consent", purpose="体检预约",
        fields=list(fields), client_codes=[c.code for c in clients], channel="email",
    )  # fmt: skip


@pytest.mark.req("PRV-4")
def test_a_transfer_sends_the_chosen_fields_only_and_keeps_the_files_hash(
    store, officer, partner, make_client
):
    _agreement(officer, store, partner)
    clients = [make_client("甲"), make_client("乙")]
    record, content = _send(officer, store, partner, clients, fields=("code", "phone"))
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == ("code", "phone")
    assert sorted(r[0] for r in rows[1:]) == sorted(c.code for c in clients)
    assert {r[1] for r in rows[1:]} == {c.phone for c in clients}
    assert len(rows[0]) == 2  # no other field
    assert record.client_count == 2 and record.sent_by == officer
    assert set(
        TransferClient.objects.filter(transfer=record).values_list("client_id", flat=True)
    ) == {c.pk for c in clients}
    # every client in it is a logged use: it shows in their access report
    uses = UseLog.objects.filter(action="share", record_type="clients.client")
    assert {u.record_id for u in uses} == {str(c.pk) for c in clients}
    assert all(u.purpose.startswith(f"transfer {record.pk}") for u in uses)


@pytest.mark.req("PRV-4")
@pytest.mark.parametrize("days", [None, (-100, -1), (5, 100)])
def test_no_transfer_without_an_agreement_in_force(store, officer, partner, make_client, days):
    if days:
        _agreement(officer, store, partner, days=days)
    with pytest.raises(ValidationError) as caught:
        _send(officer, store, partner, [make_client()])
    assert (
        "No confidentiality or data-processing agreement" in caught.value.message_dict["partner"][0]
    )
    assert not Transfer.objects.exists() and not TransferClient.objects.exists()
    assert not UseLog.objects.filter(action="share").exists()


@pytest.mark.req("PRV-4")
def test_health_data_needs_the_clients_separate_consent_for_that_recipient(
    store, officer, partner, make_client
):
    _agreement(officer, store, partner)
    client = make_client()
    other = services.partner_create(actor=officer, store=store, name="另一家")
    services.transfer_consent_record(
        actor=officer, store=store, partner=other, client_code=client.code
    )  # consent for someone else does not count
    with pytest.raises(ValidationError) as caught:
        _send(officer, store, partner, [client], fields=("code", "allergies"))
    assert "separate written consent" in caught.value.message_dict["clients"][0]
    assert client.code in caught.value.message_dict["clients"][0]
    assert not Transfer.objects.exists()

    consent = services.transfer_consent_record(
        actor=officer, store=store, partner=partner, client_code=client.code, note="签字件 D-2"
    )
    assert consent.kind == Consent.Kind.TRANSFER and consent.recipient == partner
    _record, content = _send(officer, store, partner, [client], fields=("code", "allergies"))
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[1] == (client.code, "花粉")

    services.transfer_consent_record(
        actor=officer, store=store, partner=partner, client_code=client.code, action="withdraw"
    )
    with pytest.raises(ValidationError):
        _send(officer, store, partner, [client], fields=("id_number",))
    assert Transfer.objects.count() == 1


@pytest.mark.req("PRV-4")
def test_only_the_information_officer_sends_and_a_refusal_is_logged(
    store, officer, manager, partner, make_client
):
    _agreement(officer, store, partner)
    with pytest.raises(PermissionDenied):
        _send(manager, store, partner, [make_client()])
    assert not Transfer.objects.exists()
    assert UseLog.objects.filter(
        user=manager, record_type="privacy.transfer", outcome="denied"
    ).exists()


@pytest.mark.req("PRV-4", "PRV-5")
def test_transfers_and_disclosures_are_append_only_and_a_correction_is_a_new_record(
    store, officer, partner, make_client
):
    _agreement(officer, store, partner)
    client = make_client()
    record, _content = _send(officer, store, partner, [client])
    disclosure = _disclose(officer, store, [client])
    for row in (record, disclosure, PartnerAgreement.objects.first(), Document.objects.first()):
        row.note = "改"
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
        with pytest.raises(AppendOnlyError):
            type(row).objects.filter(pk=row.pk).update(note="改")
        with pytest.raises(AppendOnlyError):
            type(row).objects.filter(pk=row.pk).delete()
    # and the database itself refuses, whatever code runs
    for table in ("privacy_transfer", "privacy_disclosure", "privacy_transferclient"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(f"DELETE FROM {table}")  # noqa: S608
    fixed = services.transfer_correct(
        actor=officer, store=store, original=record, note="渠道记错", channel="storage"
    )
    assert fixed.corrects == record and fixed.channel == "storage"
    assert fixed.sha256 == record.sha256
    record.refresh_from_db()
    assert record.channel == "email"  # the original stays as it was
    new = services_disclosures.disclosure_correct(
        actor=officer, store=store, original=disclosure, note="漏了一位",
        client_codes=[client.code, make_client("丙").code],
    )  # fmt: skip
    assert new.corrects == disclosure and new.client_count == 2
    assert Disclosure.objects.get(pk=disclosure.pk).client_count == 1


def _disclose(officer, store, clients, **changes):
    values = {
        "document_type": "investigation",
        "document_number": "京公(朝)调证字〔2026〕118号",
        "issuing_body": "北京市公安局朝阳分局",
        "document_upload": pdf_upload("notice.pdf"),
        "verified_by": officer,
        "verification": "致电分局核实文号",
        "recipient": "民警 张某（警号 012345）",
        "fields": ["code", "name", "phone"],
        "client_codes": [c.code for c in clients],
    }
    values.update(changes)
    return services_disclosures.disclosure_create(actor=officer, store=store, **values)


@pytest.mark.req("PRV-5")
def test_a_disclosure_records_the_verified_document_what_whose_when_to_whom_by_whom(
    store, officer, make_client
):
    client = make_client()
    record = _disclose(officer, store, [client])
    assert record.document.content_type == "application/pdf"
    assert record.disclosed_by == officer and record.verified_by == officer
    assert list(DisclosureClient.objects.values_list("client_id", flat=True)) == [client.pk]
    use = UseLog.objects.get(action="disclose")
    assert use.record_id == str(client.pk) and use.purpose.startswith(f"disclosure {record.pk}")
    assert OperationLog.objects.filter(record_type="privacy.disclosure", action="create").exists()


@pytest.mark.req("PRV-5")
def test_a_disclosure_without_a_document_changes_nothing(store, officer, make_client):
    with pytest.raises(ValidationError) as caught:
        _disclose(officer, store, [make_client()], document_upload=None)
    assert "attach its scan" in caught.value.message_dict["document"][0]
    assert not Disclosure.objects.exists() and not Document.objects.exists()
    assert not UseLog.objects.filter(action="disclose").exists()


@pytest.mark.req("PRV-5")
def test_only_those_who_record_disclosures_may_and_the_refusal_is_logged(
    client, login, store, officer, manager, make_client
):
    with pytest.raises(PermissionDenied):
        _disclose(manager, store, [make_client()], verified_by=manager)
    assert not Disclosure.objects.exists() and not Document.objects.exists()
    login(client, manager)
    assert client.get("/privacy/disclosures/").status_code == 403
    assert client.get("/privacy/disclosures/new/").status_code == 403
    assert (
        UseLog.objects.filter(
            user=manager, record_type="privacy.disclosure", outcome="denied"
        ).count()
        >= 2
    )


@pytest.mark.req("PRV-5")
def test_the_disclosure_form_refuses_without_a_document(client, login, store, officer, make_client):
    login(client, officer)
    response = client.post(
        "/privacy/disclosures/new/",
        {
            "document_type": "court", "document_number": "(2026)京0105民初1号",
            "issuing_body": "朝阳区人民法院", "verified_by": officer.pk, "verification": "核对原件",
            "recipient": "书记员 王某", "fields_sent": ["code"], "clients": make_client().code,
            "disclosed_at": "2026-01-05T10:00",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert "A disclosure needs the legal document it answers" in response.content.decode()
    assert not Disclosure.objects.exists()


@pytest.mark.req("PRV-4", "PRV-5")
def test_the_pages_render_and_the_transfer_form_gives_the_file(
    client, login, store, officer, partner, make_client
):
    _agreement(officer, store, partner)
    person = make_client()
    disclosure = _disclose(officer, store, [person])
    login(client, officer)
    for url in (
        "/privacy/partners/", f"/privacy/partners/{partner.pk}/", "/privacy/transfers/",
        "/privacy/transfers/new/", "/privacy/disclosures/", "/privacy/disclosures/new/",
        f"/privacy/disclosures/{disclosure.pk}/",
    ):  # fmt: skip
        assert client.get(url).status_code == 200, url
    response = client.post(
        "/privacy/transfers/new/",
        {"partner": partner.pk, "legal_basis": "consent", "purpose": "体检", "fields_sent": ["code"],
         "clients": person.code, "channel": "email"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    record = Transfer.objects.get()
    assert record.sha256 == hashlib.sha256(response.content).hexdigest()
    assert client.get(f"/privacy/transfers/{record.pk}/").status_code == 200


@pytest.mark.req("PRV-4", "PRV-6")
def test_a_clients_copy_lists_the_transfers_of_their_data_and_anonymising_keeps_them(
    store, officer, partner, make_client
):
    from anxin.privacy import registry

    _agreement(officer, store, partner)
    client, other = make_client("甲"), make_client("乙")
    record, _content = _send(officer, store, partner, [client])
    tables = {t.key: t for _section, found in registry.export(client) for t in found}
    assert [row["partner"] for row in tables["transfers"].rows] == [str(partner)]
    assert tables["transfers"].rows[0]["legal_basis"] == record.get_legal_basis_display()
    assert tables["disclosures"].rows == [] and tables["sharing_grants"].rows == []
    # the other client's copy does not show this transfer
    theirs = {t.key: t for _section, found in registry.export(other) for t in found}
    assert theirs["transfers"].rows == []
    # anonymising the client leaves the evidence of what was sent as it was written
    registry.anonymise([client])
    assert TransferClient.objects.filter(transfer=record, client=client).count() == 1


@pytest.mark.req("PRV-4")
def test_the_partner_page_messages_name_the_client_and_the_partner(
    client, login, store, officer, partner, make_client
):
    _agreement(officer, store, partner)
    person = make_client("林小满")
    login(client, officer)
    url = f"/privacy/partners/{partner.pk}/"
    response = client.post(
        url,
        {"form": "consent", "consent-client": person.code, "consent-action": "grant"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    text = html.unescape(response.content.decode())
    assert "林小满's consent to transfers to 康健体检中心 is recorded." in text
    assert Consent.objects.filter(client=person, kind="transfer").count() == 1
    # A form that fails shows its errors (400) and records nothing.
    response = client.post(
        url, {"form": "consent", "consent-client": "", "consent-action": "grant"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert Consent.objects.filter(kind="transfer").count() == 1
    record, _content = _send(officer, store, partner, [person])
    response = client.post(
        f"/privacy/transfers/{record.pk}/", {"note": "漏了一位"}, HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )  # fmt: skip
    assert "Correction of the transfer to 康健体检中心 recorded as transfer" in (
        response.content.decode()
    )
