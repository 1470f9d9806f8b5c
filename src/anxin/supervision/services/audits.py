"""Internal audits (AUD-4): plan, checklist, evidence from the logs, findings to closure."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.accounts.permissions import RUN_AUDITS, VIEW_AUDITS
from anxin.audit.services import operation_log, use_log
from anxin.notifications.services import holders, notify

from ..checks import REGISTRY
from ..models import AuditPlan, AuditState, ChecklistItem, Finding, FindingState, ItemResult
from .common import denied, require_perm

__all__ = [
    "audit_complete",
    "audit_item_add",
    "audit_plan_create",
    "audit_run_checks",
    "finding_close",
    "finding_create",
    "finding_rectify",
    "finding_verify",
    "overdue_reminders",
]

AUDIT = "supervision.auditplan"
FINDING = "supervision.finding"


def _auditor(actor, store, *, action, record_type=AUDIT, record_id="*", request=None):
    require_perm(
        actor, store, RUN_AUDITS, record_type=record_type, action=action, record_id=record_id,
        request=request,
    )  # fmt: skip


def _text(value) -> str:
    return (value or "").strip()


def audit_plan_create(
    *, actor, store, title: str, scope: str, period_start: dt.date, period_end: dt.date,
    auditor, checks: list[str], policy: str = "", request=None,
) -> AuditPlan:  # fmt: skip
    """Plan an audit with checklist items from the registry of checks."""
    _auditor(actor, store, action="create", request=request)
    errors = {}
    if not _text(title):
        errors["title"] = _("Give the audit a title.")
    if not _text(scope):
        errors["scope"] = _("Say what the audit covers.")
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The period ends before it starts.")
    if period_end and period_end > timezone.localdate() + dt.timedelta(days=366):
        errors["period_end"] = _("The period ends more than a year from now.")
    unknown = [c for c in checks if c not in REGISTRY]
    if unknown:
        errors["checks"] = _("There is no check called “%(check)s”.") % {"check": unknown[0]}
    if auditor is None or not auditor.has_store_perm(RUN_AUDITS, store):
        errors["auditor"] = _("The auditor must be someone who runs audits in this store.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = AuditPlan(
            store=store, title=_text(title)[:120], scope=_text(scope)[:2000],
            period_start=period_start, period_end=period_end, auditor=auditor, created_by=actor,
        )  # fmt: skip
        plan.full_clean()
        plan.save()
        for key in dict.fromkeys(checks):
            ChecklistItem.objects.create(
                plan=plan, check_key=key, policy=_text(policy)[:200] or str(REGISTRY[key].policy)
            )
        operation_log(
            actor=actor,
            action="create",
            instance=plan,
            store=store,
            request=request,
            changes={
                "title": {"before": None, "after": plan.title},
                "period": {"before": None, "after": f"{period_start} – {period_end}"},
                "auditor": {"before": None, "after": auditor.pk},
                "checks": {"before": None, "after": list(dict.fromkeys(checks))},
            },
        )
    return plan


def audit_item_add(*, actor, plan: AuditPlan, check_key: str, policy: str = "", request=None):
    _auditor(actor, plan.store, action="change", record_id=plan.pk, request=request)
    if plan.state == AuditState.COMPLETED:
        raise ValidationError(_("This audit is completed; its checklist cannot change."))
    if check_key not in REGISTRY:
        raise ValidationError({"check_key": _("There is no check called “%(check)s”.")
                               % {"check": check_key}})  # fmt: skip
    if plan.items.filter(check_key=check_key).exists():
        raise ValidationError({"check_key": _("This check is on the checklist already.")})
    with transaction.atomic():
        item = ChecklistItem.objects.create(
            plan=plan,
            check_key=check_key,
            policy=_text(policy)[:200] or str(REGISTRY[check_key].policy),
        )
        operation_log(
            actor=actor, action="add_check", instance=plan, store=plan.store, request=request,
            changes={"checks": {"before": None, "after": check_key}},
        )  # fmt: skip
    return item


def audit_run_checks(*, actor, plan: AuditPlan, request=None, now=None) -> AuditPlan:
    """Run every checklist item's check now; keep the count and the first rows as evidence."""
    _auditor(actor, plan.store, action="run", record_id=plan.pk, request=request)
    if plan.state == AuditState.COMPLETED:
        raise ValidationError(_("This audit is completed; its evidence is kept as it was."))
    now = now or timezone.now()
    with transaction.atomic():
        plan = AuditPlan.objects.select_for_update().get(pk=plan.pk)
        results = {}
        for item in plan.items.all():
            check = item.audit_check
            if check is None:
                continue
            count, rows = check.run(plan)
            ok = (count == 0) if check.rows_are_problems else (count > 0)
            item.result = ItemResult.PASSED if ok else ItemResult.FAILED
            item.evidence_count, item.evidence, item.run_at = count, rows, now
            item.save(update_fields=["result", "evidence_count", "evidence", "run_at"])
            results[item.check_key] = {"result": item.result, "rows": count}
        before = plan.state
        if plan.state == AuditState.PLANNED:
            plan.state = AuditState.RUNNING
            plan.save(update_fields=["state"])
        operation_log(
            actor=actor, action="run_checks", instance=plan, store=plan.store, request=request,
            changes={"state": {"before": before, "after": plan.state}, "results": results},
        )  # fmt: skip
    return plan


def audit_complete(*, actor, plan: AuditPlan, conclusion: str, request=None) -> AuditPlan:
    _auditor(actor, plan.store, action="complete", record_id=plan.pk, request=request)
    conclusion = _text(conclusion)
    if not conclusion:
        raise ValidationError({"conclusion": _("Write the audit's conclusion.")})
    with transaction.atomic():
        plan = AuditPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.state == AuditState.COMPLETED:
            raise ValidationError(_("This audit is completed already."))
        if plan.items.filter(result=ItemResult.PENDING).exists():
            raise ValidationError(_("Run the checks before completing the audit."))
        before = plan.state
        plan.state, plan.conclusion, plan.completed_at = (
            AuditState.COMPLETED, conclusion[:4000], timezone.now(),
        )  # fmt: skip
        plan.save(update_fields=["state", "conclusion", "completed_at"])
        operation_log(
            actor=actor, action="complete", instance=plan, store=plan.store, request=request,
            changes={"state": {"before": before, "after": plan.state}}, reason=plan.conclusion,
        )  # fmt: skip
    return plan


def finding_create(
    *, actor, plan: AuditPlan, title: str, severity: str, owner, deadline: dt.date,
    description: str = "", item: ChecklistItem | None = None, request=None,
) -> Finding:  # fmt: skip
    _auditor(actor, plan.store, action="create", record_type=FINDING, request=request)
    errors = {}
    if plan.state == AuditState.COMPLETED:
        raise ValidationError(_("This audit is completed; add findings to a new audit."))
    if not _text(title):
        errors["title"] = _("Say what was found.")
    if owner is None or not owner.is_active or not owner.stores().filter(pk=plan.store_id).exists():
        errors["owner"] = _("The rectification owner must be an active person of this store.")
    if deadline is None:
        errors["deadline"] = _("Give a deadline for the rectification.")
    elif deadline < timezone.localdate():
        errors["deadline"] = _("The deadline is in the past.")
    if item is not None and item.plan_id != plan.pk:
        errors["item"] = _("That checklist item belongs to another audit.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        finding = Finding(
            plan=plan, item=item, title=_text(title)[:200], description=_text(description)[:4000],
            severity=severity, owner=owner, deadline=deadline,
        )  # fmt: skip
        finding.full_clean()
        finding.save()
        operation_log(
            actor=actor, action="create", instance=finding, store=plan.store, request=request,
            changes={
                "title": {"before": None, "after": finding.title},
                "severity": {"before": None, "after": severity},
                "owner": {"before": None, "after": owner.pk},
                "deadline": {"before": None, "after": deadline},
            },
        )  # fmt: skip
        notify(
            recipients=[owner],
            store=plan.store,
            kind="supervision.finding",
            subject=_("An audit finding to rectify by %(deadline)s: %(title)s")
            % {"deadline": f"{deadline:%Y-%m-%d}", "title": finding.title},
            url=f"/supervision/findings/{finding.pk}/",
            exclude=actor,
        )
    return finding


def _locked(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("plan__store").get(pk=finding.pk)


def finding_rectify(*, actor, finding: Finding, rectification: str, evidence: str,
                    request=None) -> Finding:  # fmt: skip
    """The owner's feedback: what was done, and the evidence."""
    store = finding.plan.store
    if finding.owner_id != actor.pk:
        denied(actor=actor, store=store, action="rectify", record_type=FINDING,
               record_id=finding.pk, request=request)  # fmt: skip
    rectification, evidence = _text(rectification), _text(evidence)
    errors = {}
    if not rectification:
        errors["rectification"] = _("Say what was done to rectify it.")
    if not evidence:
        errors["evidence"] = _("Give the evidence: where it can be checked.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(finding)
        if current.state not in (FindingState.OPEN,):
            raise ValidationError(_("This finding is not waiting for rectification."))
        before = current.state
        current.rectification, current.evidence = rectification[:4000], evidence[:4000]
        current.state, current.rectified_at = FindingState.RECTIFIED, timezone.now()
        current.save(update_fields=["rectification", "evidence", "state", "rectified_at"])
        operation_log(
            actor=actor, action="rectify", instance=current, store=store, request=request,
            changes={"state": {"before": before, "after": current.state}},
            reason=current.rectification,
        )  # fmt: skip
        notify(
            recipients=[current.plan.auditor],
            store=store,
            kind="supervision.rectified",
            subject=_("%(name)s rectified a finding: %(title)s")
            % {"name": person_name(actor, store), "title": current.title},
            url=f"/supervision/findings/{current.pk}/",
            exclude=actor,
        )
    return current


def finding_verify(*, actor, finding: Finding, verification: str, accepted: bool,
                   request=None) -> Finding:  # fmt: skip
    """The auditor checks the rectification: accepted, or sent back to the owner."""
    store = finding.plan.store
    _auditor(actor, store, action="verify", record_type=FINDING, record_id=finding.pk,
             request=request)  # fmt: skip
    if actor.pk == finding.owner_id:
        denied(actor=actor, store=store, action="verify", record_type=FINDING,
               record_id=finding.pk, request=request)  # fmt: skip
    verification = _text(verification)
    if not verification:
        raise ValidationError({"verification": _("Say what you checked.")})
    with transaction.atomic():
        current = _locked(finding)
        if current.state != FindingState.RECTIFIED:
            raise ValidationError(_("Only a rectified finding can be verified."))
        before = current.state
        current.verification = verification[:4000]
        current.verified_by, current.verified_at = actor, timezone.now()
        current.state = FindingState.VERIFIED if accepted else FindingState.OPEN
        current.save(update_fields=["verification", "verified_by", "verified_at", "state"])
        operation_log(
            actor=actor, action="verify" if accepted else "send_back", instance=current,
            store=store, request=request, reason=current.verification,
            changes={"state": {"before": before, "after": current.state}},
        )  # fmt: skip
        if not accepted:
            notify(
                recipients=[current.owner],
                store=store,
                kind="supervision.sent_back",
                subject=_("Your rectification was not accepted: %(title)s")
                % {"title": current.title},
                url=f"/supervision/findings/{current.pk}/",
            )
    return current


def finding_close(*, actor, finding: Finding, note: str = "", request=None, today=None):
    """Close a finding. Past its deadline, never without the owner's evidence: that attempt is
    refused, changes nothing, and is logged as refused (AUD-3)."""
    store = finding.plan.store
    _auditor(actor, store, action="close", record_type=FINDING, record_id=finding.pk,
             request=request)  # fmt: skip
    today = today or timezone.localdate()
    note = _text(note)
    refusal = None
    with transaction.atomic():
        current = _locked(finding)
        if current.state == FindingState.CLOSED:
            raise ValidationError(_("This finding is closed already."))
        if current.deadline < today and not current.evidence.strip():
            refusal = ValidationError(
                _(
                    "This finding is past its deadline (%(deadline)s) and has no evidence of "
                    "rectification: it cannot be closed. Ask the owner for the evidence first."
                )
                % {"deadline": f"{current.deadline:%Y-%m-%d}"}
            )
        else:
            _close(actor, current, note=note, store=store, request=request)
    if refusal is not None:
        # Outside the transaction (nothing to roll back): the refused attempt stays on record.
        use_log(actor=actor, action="close", record_type=FINDING, record_id=str(finding.pk),
                outcome="denied", request=request, store=store)  # fmt: skip
        raise refusal
    return current


def _close(actor, current: Finding, *, note: str, store, request) -> None:
    if current.state != FindingState.VERIFIED and not note:
        raise ValidationError(
            {"note": _("The rectification is not verified: say why you close it anyway.")}
        )
    before = current.state
    current.state, current.closed_by, current.closed_at = (
        FindingState.CLOSED, actor, timezone.now(),
    )  # fmt: skip
    if note:
        current.verification = (current.verification + "\n" + note).strip()[:4000]
    current.save(update_fields=["state", "closed_by", "closed_at", "verification"])
    operation_log(
        actor=actor, action="close", instance=current, store=store, request=request,
        changes={"state": {"before": before, "after": current.state}}, reason=note,
    )  # fmt: skip


def overdue_reminders(*, today=None) -> list[Finding]:
    """Remind the owner and the supervisors of each rectification past its deadline, once a
    day (run hourly by the task queue)."""
    today = today or timezone.localdate()
    due = (
        Finding.objects.filter(state=FindingState.OPEN, deadline__lt=today)
        .exclude(reminded_on=today)
        .select_related("plan__store", "plan__auditor", "owner")
    )
    reminded = []
    for finding in due:
        store = finding.plan.store
        with transaction.atomic():
            current = Finding.objects.select_for_update().get(pk=finding.pk)
            if current.reminded_on == today or current.state != FindingState.OPEN:
                continue
            current.reminded_on = today
            current.save(update_fields=["reminded_on"])
            operation_log(
                actor=None, action="remind", instance=current, store=store,
                changes={"reminded_on": {"before": None, "after": today}},
            )  # fmt: skip
            subject = _("Overdue rectification (due %(deadline)s): %(title)s") % {
                "deadline": f"{finding.deadline:%Y-%m-%d}",
                "title": finding.title,
            }
            url = f"/supervision/findings/{finding.pk}/"
            notify(recipients=[finding.owner], store=store, kind="supervision.overdue",
                   subject=subject, url=url)  # fmt: skip
            supervisors = [finding.plan.auditor, *holders(store=store, permission=VIEW_AUDITS)]
            notify(
                recipients=[u for u in supervisors if u.pk != finding.owner_id],
                store=store,
                kind="supervision.overdue",
                subject=subject,
                url=url,
            )
        reminded.append(current)
    return reminded


def may_view_finding(actor, finding: Finding) -> bool:
    store = finding.plan.store
    return finding.owner_id == actor.pk or bool(
        {RUN_AUDITS, VIEW_AUDITS} & actor.permissions_in(store)
    )
