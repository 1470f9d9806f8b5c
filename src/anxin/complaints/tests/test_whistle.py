"""AUD-5 (001 §6.2, 004 §6.1): a whistle-blower's identity is encrypted, sealed from everyone,
unsealed only by the custodian with a reason and a second person's approval; the unsealing is
logged and shown to the reporter; investigators and the reported person never see who it was."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from anxin.accounts.models import Role
from anxin.accounts.permissions import DEFAULT_ROLES, UNSEAL_REPORTER
from anxin.approvals.models import ChangeRequest
from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.complaints import whistle
from anxin.complaints.models import WhistleReport

pytestmark = pytest.mark.req("AUD-5")


@pytest.fixture
def custodian(store, make_persona):
    """The business names a custodian: a role of its own holding only the custodian's right."""
    Role.objects.create(key="custodian", name="举报人身份保管人", permissions=[UNSEAL_REPORTER])
    return make_persona("custodian", store, "custodian")


@pytest.fixture
def info_officer(store, make_persona):
    return make_persona("infosec", store, "information_officer")


@pytest.fixture
def report(front_desk, practitioner, store):
    made, _secret = whistle.report_file(
        actor=front_desk,
        store=store,
        description="看到同事用手机拍客户名单",
        named=True,
        reported_person=practitioner,
    )
    return made


def test_the_identity_is_stored_encrypted_and_the_log_does_not_name_the_reporter(
    report, front_desk
):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter, description FROM complaints_whistlereport WHERE id = %s",
            [report.pk],
        )
        reporter, description = cursor.fetchone()
    assert reporter != str(front_desk.pk) and "拍客户" not in description
    entry = OperationLog.objects.get(record_type="complaints.whistlereport")
    assert entry.operator is None and entry.ip == ""
    assert str(front_desk.pk) not in str(entry.changes)


def test_an_empty_report_is_refused(front_desk, store):
    with pytest.raises(ValidationError):
        whistle.report_file(actor=front_desk, store=store, description=" ", named=False)
    assert not WhistleReport.objects.exists()


def test_the_reporter_finds_their_report_and_others_do_not(report, front_desk, manager, store):
    assert whistle.my_reports(actor=front_desk, store=store) == [report]
    assert whistle.my_reports(actor=manager, store=store) == []


def test_the_investigator_sees_the_report_without_the_identity(report, info_officer, store):
    found, role = whistle.report_get(actor=info_officer, store=store, pk=report.pk)
    assert role == "investigator"
    with pytest.raises(PermissionDenied):
        whistle.identity_for(actor=info_officer, store=store, report=found)
    assert UseLog.objects.filter(
        user=info_officer, action="reveal_reporter", outcome="denied"
    ).exists()


def test_the_reported_person_cannot_open_the_report(report, practitioner, store):
    with pytest.raises(Http404):
        whistle.report_get(actor=practitioner, store=store, pk=report.pk)
    with pytest.raises(PermissionDenied):
        whistle.identity_for(actor=practitioner, store=store, report=report)


REPORTER_NAME = "举报人甲乙丙"


def _pages_of(client, report):
    """What a person can get of the report through the pages: the report, the list, their own
    reports, a reveal and an unsealing attempt. Returns (status codes, all text shown)."""
    url = f"/complaints/reports/{report.pk}/"
    responses = [
        client.get(url),
        client.get("/complaints/reports/"),
        client.get("/complaints/reports/mine/"),
        client.post(url, {"form": "reveal"}),
        client.post(url, {"form": "unseal", "unseal-reason": "想知道是谁"}),
    ]
    return [r.status_code for r in responses], "".join(r.content.decode() for r in responses)


def test_no_default_role_can_read_the_identity(
    client, login, report, front_desk, custodian, store, make_persona
):
    """Every default role, through the services and through every page of the report: the
    reporter's name never shows, nothing changes, each attempt is refused and logged. Then,
    after the custodian's reason and a second person's approval, still none of them (the
    approver included) can read it; only the custodian can."""
    front_desk.full_name = REPORTER_NAME
    front_desk.save(update_fields=["full_name"])
    people = {key: make_persona(f"role_{key}", store, key) for key in DEFAULT_ROLES}
    assert {"store_manager", "system_admin", "auditor", "information_officer"} <= set(people)

    def nobody_reads_it():
        for key, person in people.items():
            with pytest.raises(PermissionDenied):
                whistle.identity_for(actor=person, store=store, report=report)
            assert UseLog.objects.filter(
                user=person, action="reveal_reporter", outcome="denied"
            ).exists(), key
            login(client, person)
            codes, text = _pages_of(client, report)
            assert REPORTER_NAME not in text and front_desk.username not in text, key
            assert codes[3] in (403, 404), key  # the reveal

    nobody_reads_it()
    for person in people.values():
        with pytest.raises(PermissionDenied):
            whistle.unseal_propose(actor=person, store=store, report=report, reason="想知道")
    report.refresh_from_db()
    assert report.unsealed_at is None and report.unsealed_by is None
    assert not ChangeRequest.objects.exists()

    # The custodian gives a reason; while it waits nobody reads it, the approval page included.
    change = whistle.unseal_propose(
        actor=custodian, store=store, report=report, reason="法院调查令"
    )
    for person in people.values():
        login(client, person)
        page = client.get(f"/approvals/{change.pk}/").content.decode()
        assert REPORTER_NAME not in page and front_desk.username not in page
    with pytest.raises(PermissionDenied):
        whistle.identity_for(actor=custodian, store=store, report=report)
    change_approve(actor=people["store_manager"], change=change, note="已核对公函")
    report.refresh_from_db()
    assert report.unseal_approved_by == people["store_manager"]
    nobody_reads_it()
    assert whistle.identity_for(actor=custodian, store=store, report=report) == front_desk


def test_unsealing_needs_a_reason(report, custodian, store):
    with pytest.raises(ValidationError):
        whistle.unseal_propose(actor=custodian, store=store, report=report, reason="  ")
    assert not ChangeRequest.objects.exists()


def test_the_custodian_without_approval_cannot_read(report, custodian, store):
    whistle.unseal_propose(actor=custodian, store=store, report=report, reason="公安机关调查需要")
    report.refresh_from_db()
    assert report.unsealed_at is None
    with pytest.raises(PermissionDenied):
        whistle.identity_for(actor=custodian, store=store, report=report)


def test_with_reason_and_approval_the_custodian_reads_and_the_reporter_is_told(
    report, custodian, manager, front_desk, store
):
    change = whistle.unseal_propose(
        actor=custodian, store=store, report=report, reason="公安机关调查需要证人"
    )
    change_approve(actor=manager, change=change, note="已核对公函")
    report.refresh_from_db()
    assert report.unsealed_by == custodian and report.unseal_approved_by == manager
    assert report.unseal_reason == "公安机关调查需要证人"
    assert whistle.identity_for(actor=custodian, store=store, report=report) == front_desk
    assert UseLog.objects.filter(
        user=custodian, action="reveal_reporter", outcome="allowed"
    ).exists()
    # The approver still cannot read it; the reporter's own view shows the unsealing.
    with pytest.raises(PermissionDenied):
        whistle.identity_for(actor=manager, store=store, report=report)
    mine = whistle.my_reports(actor=front_desk, store=store)
    assert mine[0].unsealed_at is not None and mine[0].unseal_reason


def test_an_anonymous_report_has_nothing_to_unseal(front_desk, custodian, store):
    made, secret = whistle.report_file(
        actor=front_desk, store=store, description="有人导出客户名单", named=False
    )
    assert made.reporter == "" and secret
    assert whistle.my_reports(actor=front_desk, store=store) == []
    with pytest.raises(ValidationError):
        whistle.unseal_propose(actor=custodian, store=store, report=made, reason="调查")


def test_a_reported_investigator_is_not_told_of_the_report_and_cannot_open_it(
    front_desk, info_officer, auditor, store
):
    from anxin.notifications.models import Notification

    made, _secret = whistle.report_file(
        actor=front_desk,
        store=store,
        description="信息管理员把客户名单发到私人邮箱",
        named=True,
        reported_person=info_officer,
    )
    assert Notification.objects.filter(recipient=auditor).exists()
    assert not Notification.objects.filter(recipient=info_officer).exists()
    with pytest.raises(Http404):
        whistle.report_get(actor=info_officer, store=store, pk=made.pk)
    assert whistle.report_list(actor=info_officer, store=store) == []
