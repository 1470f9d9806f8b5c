"""Every read of a staff file goes through here, with the acting user (SEC-3, PRV-2).

Scopes: ``store`` (HR, managers, finance …) or ``own`` (everyone's own file). Out of scope reads
as "not found" and is logged as a denied use; opening a file, and seeing its pay, is a use.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.models import UseOutcome
from anxin.audit.services import use_log
from anxin.crypto import masking

from .models import StaffMember

RECORD = "staff.staff"
DETAIL_ACTIONS = ("view_contact", "view_pay", "create", "change", "propose", "approve")


def scoped_staff(*, actor, store, action: str = "view") -> QuerySet[StaffMember]:
    """The staff files this person may ``action`` in this store; empty when not allowed."""
    scope = scope_for(actor, store, RECORD, action)
    if scope is None:
        return StaffMember.objects.none()
    qs = StaffMember.objects.filter(store=store)
    if scope == Scope.OWN:
        qs = qs.filter(user=actor)
    return qs


def deny(*, actor, store, action: str, record_id="*", request=None) -> None:
    """Log a refused attempt (outside any transaction that will roll back)."""
    use_log(
        actor=actor,
        action=action,
        record_type=RECORD,
        record_id=str(record_id),
        outcome=UseOutcome.DENIED,
        request=request,
        store=store,
    )


def require(*, actor, store, action: str, request=None, record_id="*") -> None:
    if scope_for(actor, store, RECORD, action) is None:
        deny(actor=actor, store=store, action=action, record_id=record_id, request=request)
        raise PermissionDenied


# What the list shows: no encrypted field (phone, ID number, pay), each decrypted when loaded,
# and not the account (issue 11: a store's hundred files decrypted five fields each).
LIST_FIELDS = ("store_id", "user_id", "code", "kind", "name", "post", "hire_date", "left_on")


def staff_list(*, actor, store) -> QuerySet[StaffMember]:
    return (
        scoped_staff(actor=actor, store=store).only(*LIST_FIELDS).order_by("kind", "code", "name")
    )


def staff_get(
    *, actor, store, pk=None, code=None, action: str = "view", request=None, log: bool = True
) -> StaffMember:
    """One staff file, by id or by code, if in scope for ``action``; otherwise 404 and a denied
    use entry: out of scope reads exactly like missing, so a code's existence is not given away."""
    scoped = scoped_staff(actor=actor, store=store, action=action).select_related("user")
    member, key = None, pk if code is None else code
    if code is not None:
        member = scoped.filter(code=code).first()
    elif str(pk).isdigit():
        member = scoped.filter(pk=pk).first()
    if member is None:
        deny(actor=actor, store=store, action=action, record_id=str(key)[:64], request=request)
        raise Http404
    if log:
        use_log(actor=actor, action=action, instance=member, request=request, store=store)
    return member


def own_file(*, actor, store) -> StaffMember | None:
    """The acting person's own staff file in this store, if they have one."""
    if actor is None or not actor.is_authenticated:
        return None
    return StaffMember.objects.filter(store=store, user=actor).first()


def can_open_by_code(user, member, store) -> bool:
    return scoped_staff(actor=user, store=store).filter(pk=member.pk).exists()


def staff_view(*, actor, store, member: StaffMember, request=None) -> dict:
    """What this person may see of a staff file: masked contact data; pay only if allowed."""
    allowed = {a for a in DETAIL_ACTIONS if _in_scope(actor, store, member, a)}
    view = {"member": member, "can": allowed, "skills": list(member.skills.all())}
    if "view_contact" in allowed:
        view["phone"] = masking.mask_phone(member.phone)
        view["id_number"] = masking.mask_id_number(member.id_number)
    if "view_pay" in allowed:
        view["pay"] = {
            "base_pay": member.base_pay,
            "commission": member.commission,
            "benefits": member.benefits,
            "bank_card": masking.mask_bank_card(member.bank_card),
        }
        use_log(actor=actor, action="view_pay", instance=member, request=request, store=store)
    if member.user_id:
        # By the account's id: the account itself is not needed (one query less).
        from anxin.accounts.models import Agreement, TrainingRecord

        view["agreements"] = list(Agreement.objects.filter(user_id=member.user_id))
        view["trainings"] = list(TrainingRecord.objects.filter(user_id=member.user_id))
    return view


def _in_scope(actor, store, member: StaffMember, action: str) -> bool:
    """``member`` in ``scoped_staff(actor, store, action)``, worked out from the permissions
    already read for the request instead of a query per action (issue 11: a file's page asked
    six times)."""
    scope = scope_for(actor, store, RECORD, action)
    if scope is None or member.store_id != store.pk:
        return False
    return scope != Scope.OWN or member.user_id == actor.pk
