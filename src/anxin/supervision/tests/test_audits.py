"""AUD-4: an audit plan with checklist items the system checks over the logs (evidence rows with
links), findings with an owner and deadline, rectification, verification, closure, reminders,
the printable and exportable report; refusals change nothing and are logged."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from anxin.audit.models import OperationLog, UseLog
from anxin.audit.services import use_log
from anxin.notifications.models import Notification
from anxin.supervision import services
from anxin.supervision.models import AuditPlan, Finding, FindingState, ItemResult

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-4")]


def test_a_plan_is_recorded_with_its_checklist_and_logged(plan, auditor):
    assert plan.state == "planned"
    assert [i.check_key for i in plan.items.all()] == [
        "reveals_without_purpose", "departed_staff_access", "use_log_gaps",
    ]  # fmt: skip
    assert all(i.policy for i in plan.items.all())
    assert OperationLog.objects.filter(
        record_type="supervision.auditplan", record_id=str(plan.pk), action="create"
    ).exists()


def test_the_checks_pull_their_evidence_from_the_logs(plan, store, auditor, practitioner, files):
    use_log(actor=practitioner, action="reveal", record_type="clients.client", record_id="7",
            store=store, purpose="")  # fmt: skip
    use_log(actor=practitioner, action="reveal", record_type="clients.client", record_id="8",
            store=store, purpose="核对电话")  # fmt: skip
    member = files[1]
    type(member).objects.filter(pk=member.pk).update(left_on=timezone.localdate())
    services.audit_run_checks(actor=auditor, plan=plan)
    items = {i.check_key: i for i in plan.items.all()}
    reveals = items["reveals_without_purpose"]
    assert (reveals.result, reveals.evidence_count) == (ItemResult.FAILED, 1)
    assert reveals.evidence[0]["url"].startswith("/audit/uses/?")
    departed = items["departed_staff_access"]
    assert departed.evidence_count == 1 and departed.evidence[0]["url"] == f"/staff/{member.pk}/"
    gaps = items["use_log_gaps"]
    assert gaps.result == ItemResult.FAILED and gaps.evidence_count == 10  # only today logged
    plan.refresh_from_db()
    assert plan.state == "running"


def test_backups_training_and_grants_checks(store, auditor, practitioner, files):
    from anxin.accounts.models import TrainingRecord
    from anxin.backups.models import Recovery

    today = timezone.localdate()
    plan = services.audit_plan_create(
        actor=auditor, store=store, title="t", scope="s", period_start=today, period_end=today,
        auditor=auditor, checks=["backups_drilled", "training_completed", "grants_reviewed"],
    )  # fmt: skip
    services.audit_run_checks(actor=auditor, plan=plan)
    items = {i.check_key: i for i in plan.items.all()}
    assert items["backups_drilled"].result == ItemResult.FAILED  # no drill this quarter
    assert items["training_completed"].evidence_count == 2
    assert items["grants_reviewed"].result == ItemResult.PASSED
    Recovery.objects.create(token="t1", kind="drill", result="ok", trigger="operator",
                            started_at=timezone.now(), backup_name="b1")  # fmt: skip
    TrainingRecord.objects.create(user=practitioner, topic="security", course="信息安全",
                                  date=today, result="passed")  # fmt: skip
    services.audit_run_checks(actor=auditor, plan=plan)
    items = {i.check_key: i for i in plan.items.all()}
    assert items["backups_drilled"].result == ItemResult.PASSED
    assert items["training_completed"].evidence_count == 1


@pytest.mark.req("AUD-7")
def test_training_records_feed_the_training_check(store, auditor, practitioner, files):
    from anxin.accounts.models import TrainingRecord

    today = timezone.localdate()
    TrainingRecord.objects.create(user=practitioner, topic="security", course="c",
                                  date=today - dt.timedelta(days=400), result="passed")  # fmt: skip
    plan = services.audit_plan_create(
        actor=auditor, store=store, title="t", scope="s", period_start=today, period_end=today,
        auditor=auditor, checks=["training_completed"],
    )  # fmt: skip
    services.audit_run_checks(actor=auditor, plan=plan)
    assert plan.items.get().evidence_count == 2  # a training over a year old does not count


def test_a_finding_goes_from_rectification_to_verification_and_closure(plan, auditor, manager):
    deadline = timezone.localdate() + dt.timedelta(days=7)
    finding = services.finding_create(actor=auditor, plan=plan, title="离职人员仍有权限",
                                      severity="high", owner=manager, deadline=deadline)  # fmt: skip
    assert Notification.objects.filter(recipient=manager, kind="supervision.finding").exists()
    finding = services.finding_rectify(actor=manager, finding=finding, rectification="已停用账号",
                                       evidence="操作日志 #123")  # fmt: skip
    assert finding.state == FindingState.RECTIFIED
    finding = services.finding_verify(actor=auditor, finding=finding, verification="已核对",
                                      accepted=True)  # fmt: skip
    finding = services.finding_close(actor=auditor, finding=finding)
    assert finding.state == FindingState.CLOSED
    actions = list(
        OperationLog.objects.filter(record_type="supervision.finding", record_id=str(finding.pk))
        .order_by("seq").values_list("action", flat=True)
    )  # fmt: skip
    assert actions == ["create", "rectify", "verify", "close"]


def test_closing_past_the_deadline_without_evidence_is_refused(plan, auditor, manager):
    finding = services.finding_create(actor=auditor, plan=plan, title="x", severity="low",
                                      owner=manager, deadline=timezone.localdate())  # fmt: skip
    later = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.finding_close(actor=auditor, finding=finding, note="算了", today=later)
    assert "deadline" in str(exc.value) or "期限" in str(exc.value)
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN and finding.closed_at is None
    assert not OperationLog.objects.filter(record_id=str(finding.pk), action="close").exists()


def test_only_the_owner_rectifies_and_a_refusal_is_logged(plan, auditor, manager, practitioner):
    finding = services.finding_create(actor=auditor, plan=plan, title="x", severity="low",
                                      owner=manager,
                                      deadline=timezone.localdate() + dt.timedelta(days=3))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.finding_rectify(actor=practitioner, finding=finding, rectification="r",
                                 evidence="e")  # fmt: skip
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN and not finding.rectification
    assert UseLog.objects.filter(user=practitioner, outcome="denied",
                                 record_type="supervision.finding").exists()  # fmt: skip


def test_bad_input_is_refused_with_nothing_written(store, auditor, practitioner):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.audit_plan_create(
            actor=auditor, store=store, title="", scope="", period_start=today,
            period_end=today - dt.timedelta(days=1), auditor=practitioner, checks=["nope"],
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"title", "scope", "period_end", "checks", "auditor"}
    with pytest.raises(PermissionDenied):
        services.audit_plan_create(
            actor=practitioner, store=store, title="t", scope="s", period_start=today,
            period_end=today, auditor=auditor, checks=[],
        )  # fmt: skip
    assert not AuditPlan.objects.exists()
    assert UseLog.objects.filter(user=practitioner, outcome="denied").exists()


def test_overdue_rectifications_remind_the_owner_and_the_supervisors(plan, auditor, manager):
    finding = services.finding_create(actor=auditor, plan=plan, title="x", severity="low",
                                      owner=manager, deadline=timezone.localdate())  # fmt: skip
    Notification.objects.all().delete()
    later = timezone.localdate() + dt.timedelta(days=1)
    assert len(services.overdue_reminders(today=later)) == 1
    assert services.overdue_reminders(today=later) == []  # once a day
    told = set(Notification.objects.filter(kind="supervision.overdue")
               .values_list("recipient__username", flat=True))  # fmt: skip
    assert told == {"manager", "auditor"}  # the owner; the auditor (manager holds view too)
    finding.refresh_from_db()
    assert finding.reminded_on == later


def test_the_report_prints_and_exports(client, login, plan, auditor, manager):
    services.audit_run_checks(actor=auditor, plan=plan)
    services.finding_create(actor=auditor, plan=plan, title="未说明目的的查看", severity="medium",
                            owner=manager,
                            deadline=timezone.localdate() + dt.timedelta(days=3))  # fmt: skip
    login(client, auditor)
    page = client.get(f"/supervision/audits/{plan.pk}/report/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "print-report" in html and "未说明目的的查看" in html
    export = client.get(f"/supervision/audits/{plan.pk}/report.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Audit", "Checklist", "Findings"]
    assert book["Findings"]["A2"].value == "未说明目的的查看"


def test_pages_for_the_auditor_and_the_owner(client, login, plan, auditor, manager):
    login(client, auditor)
    assert client.get("/supervision/audits/").status_code == 200
    response = client.post(f"/supervision/audits/{plan.pk}/run/")
    assert response.status_code == 302
    response = client.post(
        f"/supervision/audits/{plan.pk}/finding/",
        {"title": "t", "severity": "low", "owner": manager.pk,
         "deadline": f"{timezone.localdate() + dt.timedelta(days=2):%Y-%m-%d}"},
    )  # fmt: skip
    assert response.status_code == 302
    finding = Finding.objects.get()
    login(client, manager)
    response = client.post(
        f"/supervision/findings/{finding.pk}/",
        {"action": "rectify", "rectify-rectification": "done", "rectify-evidence": "log #1"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == "rectified"


def test_out_of_scope_is_not_found_and_logged(client, login, plan, practitioner, other_manager):
    login(client, practitioner)
    assert client.get(f"/supervision/audits/{plan.pk}/").status_code == 404
    assert UseLog.objects.filter(user=practitioner, outcome="denied",
                                 record_type="supervision.auditplan").exists()  # fmt: skip
    login(client, other_manager)
    assert client.get(f"/supervision/audits/{plan.pk}/").status_code == 404
    assert client.post(f"/supervision/audits/{plan.pk}/run/").status_code == 404
    plan.refresh_from_db()
    assert plan.state == "planned"
