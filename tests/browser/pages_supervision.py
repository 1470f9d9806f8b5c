"""Browser pages of the supervision app (issue 14): audits, findings, the report, KPIs, rules,
rewards and penalties, and the practitioner's own KPI page."""

import datetime as dt


def _audit(request):
    from django.utils import timezone

    from anxin.supervision import services
    from anxin.supervision.models import AuditPlan

    existing = AuditPlan.objects.first()
    if existing:
        return existing
    auditor = request.getfixturevalue("auditor")
    manager = request.getfixturevalue("manager")
    store = request.getfixturevalue("store")
    today = timezone.localdate()
    plan = services.audit_plan_create(
        actor=auditor, store=store, title="第四季度信息安全内审", scope="揭示、离职权限、日志",
        period_start=today - dt.timedelta(days=5), period_end=today, auditor=auditor,
        checks=["reveals_without_purpose", "departed_staff_access", "use_log_gaps"],
    )  # fmt: skip
    services.audit_run_checks(actor=auditor, plan=plan)
    services.finding_create(
        actor=auditor, plan=plan, title="日志有缺口", severity="medium", owner=manager,
        deadline=today + dt.timedelta(days=7),
    )  # fmt: skip
    return plan


def audit_page(request):
    return f"/supervision/audits/{_audit(request).pk}/"


def report_page(request):
    return f"/supervision/audits/{_audit(request).pk}/report/"


def finding_page(request):
    return f"/supervision/findings/{_audit(request).findings.first().pk}/"


def audits(request):
    _audit(request)


def kpis(request):
    """Practitioner A's month: a staff file, the KPIs, a published rule, a confirmed penalty."""
    from django.utils import timezone

    from anxin.staff.tests.factories import hr_persona, staff_file
    from anxin.supervision import services
    from anxin.supervision.models import KpiRule

    if KpiRule.objects.exists():
        return
    store = request.getfixturevalue("store")
    manager = request.getfixturevalue("manager")
    practitioner = request.getfixturevalue("practitioner")
    staff_file(actor=hr_persona(store, username="hr_kpi"), store=store, user=practitioner)
    month = timezone.localdate().replace(day=1)
    services.kpi_compute(actor=manager, store=store, month=month)
    rule = services.rule_write(
        actor=manager, store=store, name="未完成安全培训", kpi="training_missing",
        comparison="gte", threshold="1", kind="penalty", amount="50",
    )  # fmt: skip
    services.rule_publish(actor=manager, rule=rule)
    services.rule_write(
        actor=manager, store=store, name="录入及时奖", kpi="timeliness", comparison="gte",
        threshold="98", kind="reward", amount="100",
    )  # fmt: skip
    for s in services.sanctions_propose(actor=manager, store=store, month=month):
        services.sanction_confirm(actor=manager, sanction=s)
