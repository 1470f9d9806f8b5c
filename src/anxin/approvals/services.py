"""Two-person review (SEC-5): one person proposes a change, another approves or rejects it.

    change = change_propose(actor=hr, store=store, kind="accounts.role_grant", target=user,
                            payload={"role": "finance"}, reason="调岗到财务")
    change_approve(actor=manager, change=change, note="已核对调岗单")

Every step runs in one transaction with the change row locked (``SELECT ... FOR UPDATE``), and
writes its operation log entry in that transaction. Approval applies the change through the
kind's ``apply`` hook in the same transaction, after checking that the record still holds the
values the proposal was made against. A refused attempt (no permission, deciding one's own
proposal) is recorded in the use log as denied, which alerts the supervisor (AUD-3).
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import APPROVE_CHANGES
from anxin.audit.models import UseOutcome
from anxin.audit.services import diff, operation_log, use_log

from . import registry
from .models import ChangeRequest, ChangeState

RECORD_TYPE = "approvals.changerequest"


def _refuse(
    *, actor, action: str, store, request, message: str, record_type=RECORD_TYPE, record_id=""
):
    """Log the refused attempt (outside any transaction about to roll back), then refuse."""
    use_log(
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        outcome=UseOutcome.DENIED,
        store=store,
        request=request,
    )
    raise PermissionDenied(message)


def _lock_target(kind: registry.Kind, pk):
    try:
        return kind.target_model._default_manager.select_for_update().get(pk=pk)
    except kind.target_model.DoesNotExist:
        raise ValidationError(_("The record this change is about no longer exists.")) from None


def _kind_of(change: ChangeRequest) -> registry.Kind:
    try:
        return registry.get(change.kind)
    except LookupError:
        raise ValidationError(
            _("Changes of this kind are no longer handled here; reject or withdraw it.")
        ) from None


def _summary(change: ChangeRequest, **extra) -> dict:
    """Who proposed what and when, for the operation log entry of each step."""
    return {
        "approval": {
            "request": change.pk,
            "kind": change.kind,
            "target": change.target_label,
            "proposer": change.proposer.get_username(),
            "proposer_id": change.proposer_id,
            "proposed_at": change.proposed_at.isoformat(),
            **extra,
        }
    }


def change_propose(
    *, actor, store, kind: str, target, payload: dict, reason: str, request=None
) -> ChangeRequest:
    """Propose a change to ``target``; nothing changes until someone else approves it."""
    spec = registry.get(kind)
    if not isinstance(target, spec.target_model):
        raise TypeError(f"{kind} changes {spec.target_model._meta.label}, not {type(target)}")
    if not actor.has_store_perm(spec.propose_permission, store):
        _refuse(
            actor=actor,
            action="propose",
            store=store,
            request=request,
            message=_("You may not propose this change in this store."),
            record_type=target._meta.label_lower,
            record_id=target.pk,
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the change is needed.")})
    with transaction.atomic():
        target = _lock_target(spec, target.pk)
        if not spec.belongs_to(target, store):
            raise ValidationError(_("No such record was found in this store."))
        target_type = ContentType.objects.get_for_model(spec.target_model)
        waiting = (
            ChangeRequest.objects.filter(
                kind=kind,
                target_type=target_type,
                target_id=str(target.pk),
                state=ChangeState.PENDING,
            )
            .values_list("pk", flat=True)
            .first()
        )
        if waiting is not None:
            raise ValidationError(
                _(
                    "A change of this kind to this record is waiting for approval already "
                    "(no. %(number)s): decide or withdraw it first."
                ),
                params={"number": waiting},
            )
        payload = spec.clean(actor=actor, store=store, target=target, payload=payload)
        before = spec.current(target=target, store=store, payload=payload)
        change = ChangeRequest(
            kind=kind,
            store=store,
            target_type=target_type,
            target_id=str(target.pk),
            payload=payload,
            before=before,
            reason=reason,
            proposer=actor,
            proposed_at=timezone.now(),
        )
        change.full_clean()
        change.save()
        after = spec.after(target=target, store=store, before=before, payload=payload)
        operation_log(
            actor=actor,
            action="propose",
            instance=change,
            changes={**diff(before, after, spec.sensitive_fields), **_summary(change)},
            sensitive=spec.sensitive_fields,
            reason=reason,
            request=request,
            store=store,
        )
    return change


def _check_decider(*, actor, change: ChangeRequest, action: str, request) -> None:
    """Only a holder of APPROVE_CHANGES in the change's store, never its proposer or target."""
    refuse = {"actor": actor, "action": action, "store": change.store, "request": request}
    if not actor.has_store_perm(APPROVE_CHANGES, change.store):
        _refuse(
            **refuse,
            record_id=change.pk,
            message=_("You may not decide changes in this store."),
        )
    if change.proposer_id == actor.pk:
        _refuse(
            **refuse,
            record_id=change.pk,
            message=_("You proposed this change: someone else must decide it."),
        )
    user_type = ContentType.objects.get_for_model(get_user_model())
    if change.target_type_id == user_type.pk and change.target_id == str(actor.pk):
        _refuse(
            **refuse,
            record_id=change.pk,
            message=_("Nobody decides a change to their own account."),
        )


def _lock_pending(change: ChangeRequest) -> ChangeRequest:
    change = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("store", "proposer", "target_type")
        .get(pk=change.pk)
    )
    if change.state != ChangeState.PENDING:
        raise ValidationError(
            _("This change was %(state)s on %(when)s; it cannot be decided again."),
            params={
                "state": change.get_state_display(),
                "when": timezone.localtime(change.decided_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="decided",
        )
    return change


def _close(change: ChangeRequest, *, state: str, decider, note: str) -> None:
    change.state = state
    change.decider = decider
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["state", "decider", "decided_at", "decision_note"])


def change_approve(*, actor, change: ChangeRequest, note: str = "", request=None) -> ChangeRequest:
    """Approve and apply the change, if the record still holds the values it was proposed on."""
    _check_decider(actor=actor, change=change, action="approve", request=request)
    note = (note or "").strip()
    with transaction.atomic():
        change = _lock_pending(change)
        spec = _kind_of(change)
        target = _lock_target(spec, change.target_id)
        if not spec.belongs_to(target, change.store):
            raise ValidationError(_("The record this change is about has left this store."))
        current = spec.current(target=target, store=change.store, payload=change.payload)
        before = change.before or {}
        if current != before:
            # Named as people read them (the kind's own labels); values are not repeated here.
            labels = [row[0] for row in spec.rows(target=target, before=before, after=current)]
            labels = labels or [
                name
                for name in sorted(set(current) | set(before), key=str)
                if current.get(name) != before.get(name)
            ]
            raise ValidationError(
                _(
                    "The record has changed since this was proposed (%(fields)s), so approving "
                    "it could undo someone else's change. Reject it, and propose it again from "
                    "the current values if it is still needed."
                ),
                params={"fields": ", ".join(labels)},
                code="stale",
            )
        spec.apply(actor=actor, store=change.store, target=target, payload=change.payload)
        target = spec.target_model._default_manager.get(pk=target.pk)
        after = spec.current(target=target, store=change.store, payload=change.payload)
        _close(change, state=ChangeState.APPROVED, decider=actor, note=note)
        operation_log(
            actor=actor,
            action="approve",
            instance=target,
            changes={
                **diff(before, after, spec.sensitive_fields),
                **_summary(
                    change,
                    approver=actor.get_username(),
                    approver_id=actor.pk,
                    decided_at=change.decided_at.isoformat(),
                    note=note,
                ),
            },
            sensitive=spec.sensitive_fields,
            reason=change.reason,
            request=request,
            store=change.store,
        )
    return change


def change_reject(*, actor, change: ChangeRequest, note: str, request=None) -> ChangeRequest:
    """Reject the change: nothing is applied, and the note says why."""
    _check_decider(actor=actor, change=change, action="reject", request=request)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the change is rejected.")})
    with transaction.atomic():
        change = _lock_pending(change)
        _close(change, state=ChangeState.REJECTED, decider=actor, note=note)
        operation_log(
            actor=actor,
            action="reject",
            instance=change,
            changes={
                "state": {"before": ChangeState.PENDING, "after": ChangeState.REJECTED},
                **_summary(change, decided_at=change.decided_at.isoformat()),
            },
            reason=note,
            request=request,
            store=change.store,
        )
    return change


def change_withdraw(*, actor, change: ChangeRequest, note: str = "", request=None) -> ChangeRequest:
    """The proposer takes the proposal back before anyone decides it."""
    if change.proposer_id != actor.pk:
        _refuse(
            actor=actor,
            action="withdraw",
            store=change.store,
            request=request,
            record_id=change.pk,
            message=_("Only the person who proposed a change can withdraw it."),
        )
    note = (note or "").strip()
    with transaction.atomic():
        change = _lock_pending(change)
        _close(change, state=ChangeState.WITHDRAWN, decider=None, note=note)
        operation_log(
            actor=actor,
            action="withdraw",
            instance=change,
            changes={
                "state": {"before": ChangeState.PENDING, "after": ChangeState.WITHDRAWN},
                **_summary(change),
            },
            reason=note,
            request=request,
            store=change.store,
        )
    return change
