"""Incidents and breach response (PRV-7): affected clients from the logs, notices per person,
the regulator's deadline and its reminder, refusals that change nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.audit.models import OperationLog, UseLog
from anxin.audit.services import use_log
from anxin.clients import selectors as client_selectors
from anxin.notifications.models import Notification
from anxin.privacy import services_affected, services_transfers
from anxin.privacy import services_incidents as services
from anxin.privacy.models import AffectedClient, Incident, IncidentAction, IncidentNotice

pytestmark = [pytest.mark.django_db, pytest.mark.req("PRV-7"), pytest.mark.usefixtures("english")]


def _incident(officer, store, **changes):
    values = {
        "title": "前台电脑被借用",
        "description": "一名前台在下班后查看了大量客户档案。",
        "found_at": timezone.now() - dt.timedelta(hours=1),
        "found_by": officer,
        "scope": "客户档案，最近 30 天",
        "severity": "high",
    }
    values.update(changes)
    return services.incident_create(actor=officer, store=store, **values)


def test_the_regulator_deadline_counts_from_finding_and_is_configurable(store, officer, settings):
    incident = _incident(officer, store)
    assert incident.regulator_due_at == incident.found_at + dt.timedelta(hours=72)
    settings.ANXIN_PRIVACY_REGULATOR_HOURS = 24
    other = _incident(officer, store)
    assert other.regulator_due_at == other.found_at + dt.timedelta(hours=24)


def test_affected_clients_are_what_an_account_read_in_the_window(
    store, officer, front_desk, make_client
):
    read, unread, late = make_client("甲"), make_client("乙"), make_client("丙")
    front_desk.full_name = "前台小周"
    front_desk.save(update_fields=["full_name"])
    start = timezone.now()
    for client in (read, read):
        client_selectors.client_get(actor=front_desk, store=store, code=client.code)
    client_selectors.client_search(actor=front_desk, store=store, query="甲")  # names nobody
    end = timezone.now()
    use_log(actor=officer, action="view", instance=unread, store=store)  # someone else
    client_selectors.client_get(actor=front_desk, store=store, code=late.code)  # after
    incident = _incident(officer, store)
    added = services_affected.affected_from_reads(
        actor=officer, store=store, incident=incident, account=front_desk, start=start, end=end
    )
    assert added == 1
    assert list(AffectedClient.objects.values_list("client_id", flat=True)) == [read.pk]
    # The evidence names the person who read, not their login name.
    evidence = AffectedClient.objects.get().evidence
    assert "前台小周" in evidence and front_desk.username not in evidence
    assert services_affected.bulk_reads(account_id=front_desk.pk, start=start, end=end) == 1
    # adding again adds nobody twice
    assert (
        services_affected.affected_from_reads(
            actor=officer, store=store, incident=incident, account=front_desk, start=start, end=end
        )
        == 0
    )
    assert (
        OperationLog.objects.filter(action="affected_add", record_id=str(incident.pk)).count() == 2
    )


def test_affected_clients_from_a_transfer_and_from_an_export(store, officer, manager, make_client):
    a, b, c = make_client("甲"), make_client("乙"), make_client("丙")
    partner = services_transfers.partner_create(actor=officer, store=store, name="体检中心")
    today = timezone.localdate()
    services_transfers.agreement_add(
        actor=officer, store=store, partner=partner, kind="confidentiality", valid_from=today,
        valid_until=today, location="C-1",
    )  # fmt: skip
    transfer, _content = services_transfers.transfer_create(
        actor=officer, store=store, partner=partner, legal_basis="consent", purpose="体检",
        fields=["code"], client_codes=[a.code, b.code], channel="email",
    )  # fmt: skip
    incident = _incident(officer, store)
    assert (
        services_affected.affected_from_transfer(
            actor=officer, store=store, incident=incident, transfer=transfer
        )
        == 2
    )
    from anxin.clients.services import client_export

    client_export(actor=manager, store=store, fields=["code"], purpose="对账")
    entry = UseLog.objects.filter(action="export").latest("seq")
    assert (
        services_affected.affected_from_export(
            actor=officer, store=store, incident=incident, entry_seq=entry.seq
        )
        == 1
    )  # c: a and b are on the list already
    assert set(AffectedClient.objects.values_list("client_id", flat=True)) == {a.pk, b.pk, c.pk}
    with pytest.raises(ValidationError):
        services_affected.affected_from_export(
            actor=officer, store=store, incident=incident, entry_seq=entry.seq + 999
        )


def test_each_notice_is_logged_per_person_with_its_text_version(
    store, officer, front_desk, make_client
):
    client = make_client()
    incident = _incident(officer, store)
    start = timezone.now()
    client_selectors.client_get(actor=front_desk, store=store, code=client.code)
    services_affected.affected_from_reads(
        actor=officer, store=store, incident=incident, account=front_desk, start=start,
        end=timezone.now(),
    )  # fmt: skip
    with pytest.raises(ValidationError):  # no text yet: nothing can be sent
        services.notices_send_sms(actor=officer, store=store, incident=incident)
    assert not IncidentNotice.objects.exists()
    text = services.notice_text_write(
        actor=officer, store=store, incident=incident,
        what_happened="一名员工在下班后查看了您的档案。", data_involved="姓名、电话。",
        measures="已停用该账户并更换密码。", client_steps="留意陌生来电，勿透露验证码。",
        contact="信息安全员 010-12345678",
    )  # fmt: skip
    assert services.notices_send_sms(actor=officer, store=store, incident=incident) == 1
    notice = IncidentNotice.objects.get()
    assert notice.channel == "sms" and notice.delivered and notice.text == text
    assert notice.client == client
    assert UseLog.objects.filter(action="notify", record_id=str(client.pk)).exists()
    assert services.notices_send_sms(actor=officer, store=store, incident=incident) == 0  # once
    second = services.notice_text_write(
        actor=officer, store=store, incident=incident, what_happened="更正", data_involved="姓名",
        measures="同上", client_steps="同上", contact="同上",
    )  # fmt: skip
    assert second.version == 2
    services.notice_record(
        actor=officer, store=store, incident=incident, client=client, channel="phone",
        delivered=False, note="无人接听",
    )  # fmt: skip
    assert IncidentNotice.objects.filter(text=second, delivered=False).count() == 1
    for part in ("查看了您的档案", "姓名、电话", "已停用", "勿透露", "010-12345678"):
        assert part in text.as_text()  # PIPL Art. 57: what, which data, done, can do, contact


def test_a_notice_to_someone_not_affected_is_refused(store, officer, make_client):
    incident = _incident(officer, store)
    services.notice_text_write(
        actor=officer, store=store, incident=incident, what_happened="x", data_involved="x",
        measures="x", client_steps="x", contact="x",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.notice_record(
            actor=officer, store=store, incident=incident, client=make_client(), channel="phone",
            delivered=True,
        )  # fmt: skip
    assert not IncidentNotice.objects.exists()


def test_the_information_officer_is_reminded_before_the_regulator_deadline(
    store, officer, settings
):
    from anxin.privacy.tasks_incidents import privacy_regulator_reminders

    settings.ANXIN_PRIVACY_REMIND_HOURS = 24
    soon = _incident(officer, store, found_at=timezone.now() - dt.timedelta(hours=50))
    later = _incident(officer, store, found_at=timezone.now() - dt.timedelta(hours=1))
    reported = _incident(officer, store, found_at=timezone.now() - dt.timedelta(hours=60))
    services.incident_update(
        actor=officer, store=store, incident=reported, regulator_reported_at=timezone.now(),
        regulator_reference="网信办 2026-001",
    )  # fmt: skip
    privacy_regulator_reminders.call_local()
    reminders = Notification.objects.filter(recipient=officer, kind="privacy.regulator_due")
    assert reminders.count() == 1
    assert str(soon.pk) in reminders.get().subject
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at is not None and later.reminder_sent_at is None
    privacy_regulator_reminders.call_local()
    assert reminders.count() == 1  # once


def test_actions_have_owners_and_are_marked_done(store, officer, front_desk):
    incident = _incident(officer, store)
    step = services.action_add(
        actor=officer, store=store, incident=incident, kind="containment",
        description="停用该前台账户", owner=front_desk,
    )  # fmt: skip
    assert Notification.objects.filter(
        recipient=front_desk, kind="privacy.incident_action"
    ).exists()
    services.action_done(actor=officer, store=store, action=step)
    assert IncidentAction.objects.get().done_at is not None


def test_only_the_information_officer_handles_incidents_and_refusals_are_logged(
    client, login, store, officer, front_desk, make_client
):
    with pytest.raises(PermissionDenied):
        _incident(front_desk, store, found_by=front_desk)
    assert not Incident.objects.exists()
    incident = _incident(officer, store)
    login(client, front_desk)
    before = (AffectedClient.objects.count(), OperationLog.objects.count())
    response = client.post(
        f"/privacy/incidents/{incident.pk}/",
        {"form": "reads", "reads-account": front_desk.pk, "reads-start": "2026-01-01T00:00",
         "reads-end": "2026-02-01T00:00"},
    )  # fmt: skip
    assert response.status_code == 403
    assert (AffectedClient.objects.count(), OperationLog.objects.count()) == before
    assert client.get("/privacy/incidents/").status_code == 403
    assert (
        UseLog.objects.filter(
            user=front_desk, record_type="privacy.incident", outcome="denied"
        ).count()
        >= 3
    )


def test_bad_input_on_the_incident_page_is_a_clear_message_and_changes_nothing(
    client, login, store, officer
):
    incident = _incident(officer, store)
    login(client, officer)
    response = client.post(
        f"/privacy/incidents/{incident.pk}/",
        {"form": "reads", "reads-account": officer.pk, "reads-start": "2026-02-01T00:00",
         "reads-end": "2026-01-01T00:00"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert "The end of the period must be after its start." in response.content.decode()
    assert not AffectedClient.objects.exists()


def test_the_incident_pages_render(client, login, store, officer):
    incident = _incident(officer, store)
    login(client, officer)
    for url in (
        "/privacy/incidents/",
        "/privacy/incidents/new/",
        f"/privacy/incidents/{incident.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        "/privacy/incidents/new/",
        {"title": "U 盘丢失", "description": "装有导出文件的 U 盘丢失", "found_at": "2026-01-05T10:00",
         "found_by": officer.pk, "scope": "一次导出", "severity": "medium"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Incident.objects.count() == 2
