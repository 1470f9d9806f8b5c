"""Registration (CLI-1, CLI-2, CLI-6, PRV-1): notice first, consent, confirmation, validation,
duplicates, supervisor review, withdrawal; bad input saves nothing and is never a 500."""

import datetime as dt

import pytest
from django.utils import timezone

from anxin.audit.models import OperationLog
from anxin.clients import services
from anxin.clients.models import (
    Client,
    ClientStatus,
    Consent,
    HealthFile,
    PrivacyNotice,
    SearchKey,
    StoreClientSettings,
)
from anxin.notifications.models import Notification

ID_NUMBER = "110101199003071233"
PHONE = "13812345678"
# A 1 × 1 PNG, as the signature box sends it.
SIGNATURE_PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAsTj2FAAAAABJRU5ErkJggg=="
)


def form_data(**extra):
    data = {
        "name": "王小明",
        "gender": "M",
        "birth_date": "1990-03-07",
        "phone": PHONE,
        "id_number": ID_NUMBER,
        "occupation": "教师",
        "address": "北京市朝阳区建国路88号",
        "source": "walk_in",
        "notice_version": "2024-1",
        "general_consent": "on",
        "health_consent": "on",
        "allergies": "花粉过敏",
        "medical_history": "",
        "conditions": "",
        "channel": "in_store",
        "confirmation": "screen",
        "signature_name": "王小明",
        "signature_image": "",
        "paper_location": "",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response):
    return response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.req("CLI-1", "PRV-1")
def test_the_notice_is_shown_and_consent_recorded_with_version_channel_time_witness(
    client, login, front_desk, store
):
    login(client, front_desk)
    page = client.get("/clients/new/").content.decode()
    notice = PrivacyNotice.objects.get()
    assert notice.version in page and notice.text.splitlines()[0][:20] in page
    before = timezone.now()
    response = client.post("/clients/new/", form_data())
    assert response.status_code == 302
    c = Client.objects.get()
    assert c.general_consent and c.health_consent and c.status == ClientStatus.ACTIVE
    assert c.confirmation == "screen" and c.signature_name == "王小明"
    consents = {x.kind: x for x in Consent.objects.filter(client=c)}
    assert set(consents) == {"general", "health"}
    for x in consents.values():
        assert x.notice == notice and x.channel == "in_store" and x.witness == front_desk
        assert x.at >= before and x.action == "grant"
    assert c.health.allergies == "花粉过敏"
    keys = set(SearchKey.objects.filter(client=c).values_list("key", flat=True))
    assert {"wangxiaoming", "wxm"} <= keys


@pytest.mark.django_db
@pytest.mark.req("CLI-1", "PRV-1")
def test_without_general_consent_nothing_is_stored(client, login, front_desk):
    login(client, front_desk)
    response = client.post("/clients/new/", form_data(general_consent=None))
    assert response.status_code == 400 and "general_consent" in errors_of(response)
    assert not Client.objects.exists() and not Consent.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("PRV-1")
def test_health_data_needs_the_separate_consent(client, login, front_desk):
    login(client, front_desk)
    response = client.post("/clients/new/", form_data(health_consent=None))
    assert response.status_code == 400 and "health_consent" in errors_of(response)
    assert not Client.objects.exists() and not HealthFile.objects.exists()
    # without health data and without the health consent: registered, health file closed
    ok = client.post("/clients/new/", form_data(health_consent=None, allergies=""))
    assert ok.status_code == 302
    c = Client.objects.get()
    assert not c.health_consent and not c.health_open
    assert list(c.consents.values_list("kind", flat=True)) == ["general"]


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
def test_confirmation_by_typed_name_drawn_signature_or_paper_location(client, login, front_desk):
    login(client, front_desk)
    nothing = client.post("/clients/new/", form_data(signature_name=""))
    assert "signature_name" in errors_of(nothing)
    wrong = client.post("/clients/new/", form_data(signature_name="李四"))
    assert "signature_name" in errors_of(wrong)
    paper = client.post("/clients/new/", form_data(confirmation="paper", signature_name=""))
    assert "paper_location" in errors_of(paper)
    assert not Client.objects.exists()
    drawn = client.post(
        "/clients/new/",
        form_data(signature_name="", signature_image=SIGNATURE_PNG),
    )
    assert drawn.status_code == 302
    c = Client.objects.get()
    assert c.signature_image.startswith("data:image/png")
    on_paper = client.post(
        "/clients/new/",
        form_data(
            confirmation="paper",
            paper_location="2024 档案盒 3",
            phone="13912345678",
            id_number="",
            name="李四",
        ),
    )
    assert on_paper.status_code == 302
    assert Client.objects.get(name="李四").paper_location == "2024 档案盒 3"


@pytest.mark.django_db
@pytest.mark.req("PRV-1")
def test_a_changed_notice_makes_the_form_show_it_again(client, login, front_desk):
    login(client, front_desk)
    PrivacyNotice.objects.create(
        version="2025-1", text="新版告知书", effective_from=dt.date(2025, 1, 1)
    )
    stale = client.post("/clients/new/", form_data())
    assert "notice_version" in errors_of(stale) and not Client.objects.exists()
    assert "新版告知书" in stale.content.decode()
    assert client.post("/clients/new/", form_data(notice_version="2025-1")).status_code == 302


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
@pytest.mark.parametrize(
    ("field", "value", "code_word"),
    [
        ("id_number", "110101199003071234", "check digit"),
        ("id_number", "11010119900307123", "18"),
        ("id_number", "990101199003071237", "region"),
        ("id_number", "110101199013071237", "not a real date"),
        ("id_number", "110105198807154326", "differs"),
        ("phone", "12345", "not a valid phone"),
        ("phone", "abc", "not a phone"),
        ("birth_date", (timezone.localdate() + dt.timedelta(days=2)).isoformat(), "future"),
    ],
)
def test_each_invalid_value_gets_a_clear_message_on_its_field(
    client, login, front_desk, field, value, code_word
):
    login(client, front_desk)
    response = client.post("/clients/new/", form_data(**{field: value}))
    assert response.status_code == 400
    messages = " ".join(errors_of(response)[field])
    assert code_word in messages, messages
    assert not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
def test_messages_are_translated(client, login, front_desk):
    login(client, front_desk)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        "/clients/new/", form_data(phone="12345"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = " ".join(errors_of(response)["phone"])
    assert "phone" not in text and any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
def test_phone_is_normalised(client, login, front_desk):
    login(client, front_desk)
    client.post("/clients/new/", form_data(phone="+86 138-1234-5678"))
    assert Client.objects.get().phone == PHONE


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
@pytest.mark.parametrize(
    "hostile",
    ["<script>alert(1)</script>", "'; DROP TABLE clients_client; --", '"><img src=x onerror=1>'],
)
def test_html_and_sql_are_stored_as_text_and_shown_escaped(client, login, manager, hostile):
    login(client, manager)
    response = client.post(
        "/clients/new/",
        form_data(
            name=hostile[:40], signature_name=hostile[:40], occupation=hostile, address=hostile
        ),
    )
    assert response.status_code == 302, errors_of(response)
    c = Client.objects.get()
    assert c.occupation == hostile
    body = client.get(f"/clients/{c.code}/").content.decode()
    assert hostile not in body
    assert "&lt;" in body or "&#x27;" in body
    assert Client.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
def test_a_ten_megabyte_name_is_refused_without_a_500(client, login, front_desk):
    login(client, front_desk)
    response = client.post("/clients/new/", form_data(name="名" * (10 * 1024 * 1024 // 3)))
    assert response.status_code == 400
    assert not Client.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("CLI-1")
def test_a_long_name_just_over_the_limit_gets_a_field_message(client, login, front_desk):
    login(client, front_desk)
    response = client.post("/clients/new/", form_data(name="名" * 41))
    assert response.status_code == 400 and "name" in errors_of(response)


@pytest.mark.django_db
@pytest.mark.req("CLI-6")
def test_duplicates_point_to_the_record_only_for_who_may_see_it(
    client, login, front_desk, practitioner, store, make_persona
):
    login(client, front_desk)
    client.post("/clients/new/", form_data())
    first = Client.objects.get()
    again = client.post("/clients/new/", form_data(name="王小明", phone="138 1234 5678"))
    assert again.status_code == 400
    assert first.code in " ".join(errors_of(again)["phone"])
    assert first.code in " ".join(errors_of(again)["id_number"])
    assert Client.objects.count() == 1
    # someone who may register but not see that client: refused without the code
    from anxin.clients.selectors import scoped_clients

    with pytest.raises(services.DuplicateClient) as refused:
        services.client_create(
            actor=front_desk, store=store, name="x", phone=PHONE, consent=services.ConsentGiven()
        )
    assert refused.value.existing == first
    blind_user = make_persona("outsider", store, "front_desk")
    from unittest import mock

    with (
        mock.patch("anxin.clients.services.scoped_clients", return_value=Client.objects.none()),
        pytest.raises(services.DuplicateClient) as hidden,
    ):
        services.client_create(
            actor=blind_user, store=store, name="y", phone=PHONE, consent=services.ConsentGiven()
        )
    assert hidden.value.existing is None
    assert first.code not in " ".join(hidden.value.messages)
    assert scoped_clients(actor=practitioner, store=store).count() == 0
    assert Client.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("CLI-2")
def test_with_review_on_a_new_client_stays_pending_until_a_supervisor_approves(
    client, login, front_desk, manager, store, django_capture_on_commit_callbacks
):
    login(client, manager)
    assert client.post("/clients/settings/", {"review_new_clients": "on"}).status_code == 302
    assert StoreClientSettings.for_store(store).review_new_clients
    client.logout()
    login(client, front_desk)
    assert client.post("/clients/settings/", {}).status_code == 403  # not the front desk's
    assert StoreClientSettings.for_store(store).review_new_clients
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/clients/new/", form_data())
    c = Client.objects.get()
    assert c.status == ClientStatus.PENDING
    assert Notification.objects.filter(recipient=manager, kind="clients.review").exists()
    # the front desk cannot approve
    client.post(f"/clients/{c.code}/review/")
    assert Client.objects.get().status == ClientStatus.PENDING
    client.logout()
    login(client, manager)
    assert "Approve this new client" in client.get(f"/clients/{c.code}/").content.decode()
    client.post(f"/clients/{c.code}/review/")
    c.refresh_from_db()
    assert c.status == ClientStatus.ACTIVE and c.reviewed_by == manager
    assert OperationLog.objects.filter(action="review", record_code=c.code).exists()


@pytest.mark.django_db
@pytest.mark.req("CLI-2")
def test_a_supervisor_does_not_review_a_client_they_registered(manager, store):
    StoreClientSettings.objects.create(store=store, review_new_clients=True)
    c = services.client_create(
        actor=manager, store=store, name="甲", consent=services.ConsentGiven(paper_location="A")
    )
    with pytest.raises(Exception, match="Someone else"):
        services.client_review(actor=manager, store=store, code=c.code)
    assert Client.objects.get().status == ClientStatus.PENDING


@pytest.mark.django_db
@pytest.mark.req("PRV-1")
def test_withdrawal_is_recorded_and_honoured(client, login, front_desk, manager, store):
    login(client, front_desk)
    client.post("/clients/new/", form_data())
    c = Client.objects.get()
    client.logout()
    login(client, manager)
    assert "花粉过敏" in client.get(f"/clients/{c.code}/").content.decode()
    response = client.post(
        f"/clients/{c.code}/consent/",
        {"kind": "health", "action": "withdraw", "channel": "in_store", "note": "客户口头撤回"},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert not c.health_consent and c.general_consent
    body = client.get(f"/clients/{c.code}/").content.decode()
    assert "花粉过敏" not in body and "health file is closed" in body
    withdrawal = Consent.objects.get(client=c, action="withdraw")
    assert withdrawal.kind == "health" and withdrawal.witness == manager
    # no health data can be added or approved while closed
    with pytest.raises(Exception, match="closed"):
        services.health_add(actor=manager, store=store, code=c.code, field="allergies", text="x")
    assert HealthFile.objects.get(client=c).allergies == "花粉过敏"
    # general withdrawal: the client leaves lists and search
    client.post(
        f"/clients/{c.code}/consent/",
        {"kind": "general", "action": "withdraw", "channel": "phone"},
    )
    c.refresh_from_db()
    assert c.status == ClientStatus.WITHDRAWN and not c.general_consent
    assert c.code not in client.get("/clients/").content.decode()
    assert c.code not in client.get("/clients/", {"q": "wxm"}).content.decode()


@pytest.mark.django_db
@pytest.mark.req("PRV-1")
def test_a_person_who_may_not_change_cannot_record_consent_and_nothing_changes(
    client, login, front_desk, practitioner, store
):
    login(client, front_desk)
    client.post("/clients/new/", form_data())
    c = Client.objects.get()
    client.logout()
    login(client, practitioner)
    response = client.post(
        f"/clients/{c.code}/consent/", {"kind": "health", "action": "withdraw", "channel": "phone"}
    )
    assert response.status_code == 404
    c.refresh_from_db()
    assert c.health_consent and Consent.objects.filter(action="withdraw").count() == 0
