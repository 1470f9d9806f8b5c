"""Reads of audits, findings, KPIs and rewards, scoped by store and role; out of scope is 404,
logged."""

import datetime as dt

from django.db.models import QuerySet

from anxin.accounts.names import staff_secrets
from anxin.accounts.permissions import MANAGE_KPI_RULES, RUN_AUDITS, VIEW_AUDITS
from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log

from .models import AuditPlan, Finding, KpiRow, KpiRule, Sanction
from .services.audits import AUDIT, FINDING
from .services.common import KPI_RECORD, not_found, require_kpi, require_perm


def may_see_audits(actor, store) -> bool:
    return bool({RUN_AUDITS, VIEW_AUDITS} & actor.permissions_in(store))


def audit_list(*, actor, store, request=None) -> QuerySet[AuditPlan]:
    if not may_see_audits(actor, store):
        require_perm(actor, store, VIEW_AUDITS, record_type=AUDIT, action="view", request=request)
    return AuditPlan.objects.filter(store=store).select_related("auditor")


def audit_get(*, actor, store, pk: int, request=None) -> AuditPlan:
    plan = None
    if may_see_audits(actor, store):
        plan = AuditPlan.objects.filter(store=store, pk=pk).select_related("auditor").first()
    if plan is None:
        not_found(actor=actor, store=store, record_type=AUDIT, record_id=pk, request=request)
    return plan


def findings_mine(*, actor, store) -> QuerySet[Finding]:
    return Finding.objects.filter(plan__store=store, owner=actor).exclude(state="closed")


def finding_get(*, actor, store, pk: int, request=None) -> Finding:
    finding = (
        Finding.objects.filter(plan__store=store, pk=pk)
        .select_related("plan__store", "plan__auditor", "owner", "item")
        .first()
    )
    if finding is None or not (finding.owner_id == actor.pk or may_see_audits(actor, store)):
        not_found(actor=actor, store=store, record_type=FINDING, record_id=pk, request=request)
    return finding


def _log_report(actor, store, month, count, request, purpose):
    use_log(
        actor=actor, action="report", record_type=KPI_RECORD, record_id=f"{month:%Y-%m}",
        count=count, purpose=purpose, request=request, store=store,
    )  # fmt: skip


def kpi_rows(*, actor, store, month: dt.date, request=None) -> dict:
    """The store's month (people, departments, the store): manager, HR, auditor."""
    scope = require_kpi(actor, store, "view", request=request)
    if scope != Scope.STORE:
        require_perm(actor, store, "supervision.kpi.view:store", record_type=KPI_RECORD,
                     action="view", request=request)  # fmt: skip
    rows = list(
        KpiRow.objects.filter(store=store, month=month.replace(day=1))
        .select_related("user__staff_file", "department")
        # Names only: none of the staff files' encrypted fields (issue 11).
        .defer(*staff_secrets("user__staff_file"))
    )
    _log_report(actor, store, month, len(rows), request, "information-management KPIs")
    return {
        "people": sorted((r for r in rows if r.user_id), key=lambda r: str(r.user)),
        "departments": [r for r in rows if r.key.startswith("d")],
        "store": next((r for r in rows if r.key == "store"), None),
    }


def kpi_mine(*, actor, store, month: dt.date, request=None) -> KpiRow | None:
    """One's own month: everyone, only their own."""
    require_kpi(actor, store, "view", request=request)
    row = KpiRow.objects.filter(store=store, month=month.replace(day=1), user=actor).first()
    _log_report(actor, store, month, 1 if row else 0, request, "own KPIs")
    return row


def sanctions_of_month(*, actor, store, month: dt.date, request=None) -> QuerySet[Sanction]:
    scope = require_kpi(actor, store, "view", request=request)
    qs = Sanction.objects.filter(store=store, month=month.replace(day=1)).select_related(
        "user__staff_file", "rule"
    )
    if scope != Scope.STORE:
        qs = qs.filter(user=actor)
    return qs


def sanctions_mine(*, actor, store) -> QuerySet[Sanction]:
    """Shown to the person once a manager confirmed them."""
    return (
        Sanction.objects.filter(store=store, user=actor)
        .exclude(state__in=["proposed"])
        .exclude(state="withdrawn", confirmed_at__isnull=True)
        .select_related("rule")
    )


def sanction_get(*, actor, store, pk: int, request=None) -> Sanction:
    sanction = Sanction.objects.filter(store=store, pk=pk).select_related("store", "rule").first()
    scope = scope_for(actor, store, KPI_RECORD, "view")
    visible = sanction is not None and (
        scope == Scope.STORE or (scope is not None and sanction.user_id == actor.pk)
    )
    if not visible:
        not_found(actor=actor, store=store, record_type="supervision.sanction", record_id=pk,
                  request=request)  # fmt: skip
    return sanction


def rules(*, actor, store, request=None) -> QuerySet[KpiRule]:
    scope = scope_for(actor, store, KPI_RECORD, "view")
    if scope != Scope.STORE and not actor.has_store_perm(MANAGE_KPI_RULES, store):
        # Everyone may read the published rules that apply to them.
        return KpiRule.objects.filter(store=store, state="published")
    return KpiRule.objects.filter(store=store)


def staff_file_sanctions(*, member) -> QuerySet[Sanction]:
    """The outcomes recorded in a staff file: confirmed, appealed and decided ones. The staff
    file view has already checked the reader may see the file."""
    if member.user_id is None:
        return Sanction.objects.none()
    return (
        Sanction.objects.filter(store=member.store_id, user=member.user_id)
        .exclude(confirmed_at__isnull=True)
        .select_related("rule")
        .order_by("-month", "pk")
    )
