"""Writes to staff files (STF-1, STF-2): atomic, validated, in the operation log (AUD-1).

Pay, phone, ID number and bank card are encrypted and logged only as "changed".
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.accounts.models import Agreement, RoleAssignment
from anxin.audit.services import diff, operation_log, sensitive_fields
from anxin.core.codes import allocate_code

from .models import Skill, StaffKind, StaffMember
from .selectors import require, staff_get

FIELDS = [
    "kind",
    "name",
    "gender",
    "birth_date",
    "phone",
    "id_number",
    "post",
    "level",
    "hire_date",
    "left_on",
    "certificate_name",
    "certificate_number",
    "education",
    "work_history",
    *StaffMember.PAY_FIELDS,
]
EDITABLE = [f for f in FIELDS if f not in ("kind", "hire_date")]


def _state(member: StaffMember, names=FIELDS) -> dict:
    state = {name: getattr(member, name) for name in names}
    state["user"] = member.user_id
    return state


def _clean_pay(data: dict) -> None:
    value = (
        (data.get("base_pay") or "").strip()
        if isinstance(data.get("base_pay"), str)
        else data.get("base_pay")
    )
    if value in (None, ""):
        data["base_pay"] = ""
        return
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(
            {"base_pay": _("Enter the pay as a number of yuan, e.g. 4500.00.")}
        ) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000"):
        raise ValidationError({"base_pay": _("Enter the pay as a number of yuan, e.g. 4500.00.")})
    data["base_pay"] = str(amount.quantize(Decimal("0.01")))


def _check_account(*, store, user, member=None) -> None:
    if user is None:
        return
    if not RoleAssignment.objects.filter(user=user, store=store).exists():
        raise ValidationError({"user": _("This account does not work in this store.")})
    taken = StaffMember.objects.filter(user=user)
    if member is not None:
        taken = taken.exclude(pk=member.pk)
    if taken.exists():
        raise ValidationError({"user": _("This account has a staff file already.")})


def staff_register(*, actor, store, request=None, user=None, **data) -> StaffMember:
    """HR registers a new practitioner or staff member at hiring (STF-1)."""
    require(actor=actor, store=store, action="create", request=request)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        return _register(actor=actor, store=store, request=request, user=user, **data)


def _register(*, actor, store, request, user, **data) -> StaffMember:
    data = dict(data)
    _clean_pay(data)
    _check_account(store=store, user=user)
    member = StaffMember(store=store, user=user, created_by=actor, updated_by=actor, **data)
    practitioner = member.kind == StaffKind.PRACTITIONER
    if practitioner:
        member.code = "MS00000000"
    member.full_clean(exclude=["code"])
    if practitioner:
        # MS + YY + MM of the hire month + serial (COD-MS).
        member.code = allocate_code("MS", on=member.hire_date)
    else:
        member.code = None
    member.save()
    operation_log(
        actor=actor,
        action="create",
        instance=member,
        changes=diff({}, _state(member), sensitive_fields(StaffMember)),
        request=request,
        store=store,
    )
    return member


def staff_update(*, actor, store, pk, request=None, user=None, **changes) -> StaffMember:
    """HR changes a file; ``user`` links an account (``False``: leave as is)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    member = staff_get(actor=actor, store=store, pk=pk, action="change", request=request)
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().get(pk=member.pk)
        changes = dict(changes)
        if "base_pay" in changes:
            _clean_pay(changes)
        before = _state(member)
        if user is not None and user != member.user:
            _check_account(store=store, user=user, member=member)
            member.user = user
        for name, value in changes.items():
            setattr(member, name, value)
        member.updated_by = actor
        member.full_clean()
        member.save()
        operation_log(
            actor=actor,
            action="update",
            instance=member,
            changes=diff(before, _state(member), sensitive_fields(StaffMember)),
            request=request,
            store=store,
        )
    return member


def _needs_account(member: StaffMember):
    if member.user_id is None:
        raise ValidationError(
            _(
                "%(name)s has no account yet. Open one (accounts) and link it to this file; "
                "agreements and trainings are kept on the account."
            )
            % {"name": member.name}
        )
    return member.user


def staff_agreement_record(
    *, actor, store, pk, kind: str, signed_on, document: str, request=None
) -> Agreement:
    """The truthfulness statement or confidentiality agreement, signed at hiring (STF-1).

    Kept as ``accounts.Agreement`` on the linked account: the account activation reads it."""
    from anxin.accounts.services import agreement_record

    member = staff_get(actor=actor, store=store, pk=pk, action="change", request=request)
    user = _needs_account(member)
    with transaction.atomic():
        return agreement_record(
            actor=actor, user=user, kind=kind, signed_on=signed_on, document=document
        )


def staff_training_record(*, actor, store, pk, topic, course, date, result, request=None):
    """HR records a training directly (a practitioner proposes one instead, STF-2)."""
    from anxin.accounts.services import training_record

    member = staff_get(actor=actor, store=store, pk=pk, action="change", request=request)
    user = _needs_account(member)
    with transaction.atomic():
        return training_record(
            actor=actor, user=user, topic=topic, course=course, date=date, result=result
        )


def _skill_set(*, actor, member, technique, body_areas="", level, request=None) -> Skill:
    technique = (technique or "").strip()
    skill = Skill.objects.select_for_update().filter(member=member, technique=technique).first()
    before = {}
    if skill is None:
        skill = Skill(member=member, technique=technique, created_by=actor)
    else:
        before = {
            "technique": skill.technique,
            "body_areas": skill.body_areas,
            "level": skill.level,
        }
    skill.body_areas = (body_areas or "").strip()
    skill.level = level
    skill.updated_by = actor
    skill.full_clean()
    skill.save()
    after = {"technique": skill.technique, "body_areas": skill.body_areas, "level": skill.level}
    operation_log(
        actor=actor,
        action="update" if before else "create",
        instance=skill,
        changes=diff(before, {**after, "member": member.pk}),
        request=request,
        store=member.store,
    )
    return skill


def skill_record(*, actor, store, pk, technique, body_areas="", level, request=None) -> Skill:
    """HR records a skill directly (at hiring)."""
    member = staff_get(actor=actor, store=store, pk=pk, action="change", request=request)
    with transaction.atomic():
        return _skill_set(
            actor=actor,
            member=member,
            technique=technique,
            body_areas=body_areas,
            level=level,
            request=request,
        )


def skill_propose(*, actor, store, pk, technique, body_areas="", level, reason, request=None):
    """A practitioner reports a new skill; a manager approves it (STF-2)."""
    from anxin.approvals.services import change_propose

    from .approval_kinds import SKILL

    member = staff_get(actor=actor, store=store, pk=pk, action="propose", request=request)
    return change_propose(
        actor=actor,
        store=store,
        kind=SKILL,
        target=member,
        payload={"technique": technique, "body_areas": body_areas, "level": level},
        reason=reason,
        request=request,
    )


def training_propose(*, actor, store, pk, course, date, result, reason, request=None):
    """A practitioner reports a training attended; a manager approves it (STF-2)."""
    from anxin.approvals.services import change_propose

    from .approval_kinds import TRAINING

    member = staff_get(actor=actor, store=store, pk=pk, action="propose", request=request)
    return change_propose(
        actor=actor,
        store=store,
        kind=TRAINING,
        target=member,
        payload={
            "course": course,
            "date": date.isoformat() if hasattr(date, "isoformat") else date,
            "result": result,
        },
        reason=reason,
        request=request,
    )
