"""Every write to a complaint case (AUD-5): intake from each channel, the workflow steps,
compensation. Each runs in one transaction with its step row and its operation log entry;
a refused attempt is logged as denied (outside the transaction) before it is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import HANDLE_COMPLAINTS, TAKE_COMPLAINTS
from anxin.audit.models import UseOutcome
from anxin.audit.services import diff, operation_log, use_log

from .models import (
    NEXT_STATE,
    Channel,
    Compensation,
    CompensationState,
    ComplainantKind,
    Complaint,
    ComplaintSettings,
    ComplaintStep,
    PublicAttempt,
    Severity,
    State,
    Subject,
)

RECORD = "complaints.complaint"
# Unambiguous letters and digits for references and secrets read aloud or typed from paper.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LOW_SCORE = 2  # a service rated this or lower opens a complaint draft (CLI-5 → AUD-5)
DESCRIPTION_MAX = 4000


# -- small helpers --------------------------------------------------------------------------


def deny(*, actor, store, action: str, record_id="*", request=None, record_type=RECORD):
    """Log the refused attempt (outside any transaction about to roll back), then refuse."""
    use_log(
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        outcome=UseOutcome.DENIED,
        request=request,
        store=store,
    )
    raise PermissionDenied


def require(actor, store, permission: str, action: str, *, record_id="*", request=None):
    if actor is None or not actor.has_store_perm(permission, store):
        deny(actor=actor, store=store, action=action, record_id=record_id, request=request)


def new_reference(prefix: str) -> str:
    """``TS`` + 10 characters: unguessable enough to be no hint, short enough to read out."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(10))


def new_secret() -> str:
    """Three groups of four: what the complainant keeps to follow the case."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def secret_digest(reference: str, secret: str) -> str:
    """A keyed digest of the secret (the key never leaves the server)."""
    normalised = "".join(ch for ch in (secret or "").upper() if ch.isalnum())
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{reference}:{normalised}".encode(), hashlib.sha256).hexdigest()


def secret_matches(row, secret: str) -> bool:
    return bool(row.secret_digest) and hmac.compare_digest(
        row.secret_digest, secret_digest(row.reference, secret)
    )


def store_settings(store) -> ComplaintSettings:
    found = ComplaintSettings.objects.filter(store=store).first()
    return found or ComplaintSettings(store=store)


def _step(complaint, *, action: str, note: str = "", by=None, at=None) -> ComplaintStep:
    return ComplaintStep.objects.create(
        complaint=complaint,
        action=action,
        state_after=complaint.state,
        note=note,
        by=by,
        at=at or timezone.now(),
    )


def _snapshot(c: Complaint) -> dict:
    return {
        "channel": c.channel,
        "complainant_kind": c.complainant_kind,
        "client": c.client_id,
        "complainant_staff": c.complainant_staff_id,
        "subject": c.subject,
        "practitioner": c.practitioner_id,
        "service": c.service_id,
        "appointment": c.appointment_id,
        "description": c.description,
        "severity": c.severity,
        "owner": c.owner_id,
        "due_on": c.due_on,
        "state": c.state,
    }


def _check_description(description: str) -> str:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe what the complaint is about.")})
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": _("Keep the description under %(n)s characters.") % {"n": 4000}}
        )
    return description


def _check_people(store, *, complainant_kind, client, staff, practitioner, owner):
    from anxin.catalogue.selectors import works_in

    errors = {}
    if complainant_kind == ComplainantKind.CLIENT:
        if client is None:
            errors["client"] = _("Say which client is complaining (their code).")
        elif client.store_id != store.pk:
            errors["client"] = _("No such client was found in this store.")
    if complainant_kind == ComplainantKind.STAFF:
        if staff is None:
            errors["complainant_staff"] = _("Say which staff member is complaining.")
        elif not works_in(staff, store):
            errors["complainant_staff"] = _("This person does not work in this store.")
    if practitioner is not None and not works_in(practitioner, store):
        errors["practitioner"] = _("This person does not work in this store.")
    if owner is not None and not works_in(owner, store):
        errors["owner"] = _("This person does not work in this store.")
    if errors:
        raise ValidationError(errors)


# -- intake ---------------------------------------------------------------------------------


def complaint_take(
    *,
    actor,
    store,
    channel: str,
    complainant_kind: str,
    subject: str,
    description: str,
    client=None,
    complainant_staff=None,
    contact_name: str = "",
    contact_phone: str = "",
    practitioner=None,
    service=None,
    appointment=None,
    severity: str = Severity.MEDIUM,
    owner=None,
    due_on: dt.date | None = None,
    request=None,
) -> Complaint:
    """A complaint received at the desk or by phone: opened as *received*."""
    require(actor, store, TAKE_COMPLAINTS, "create", request=request)
    if channel not in (Channel.FRONT_DESK, Channel.PHONE):
        raise ValidationError({"channel": _("Choose the front desk or the phone.")})
    description = _check_description(description)
    _check_people(
        store,
        complainant_kind=complainant_kind,
        client=client,
        staff=complainant_staff,
        practitioner=practitioner,
        owner=owner,
    )
    if service is not None and service.store_id != store.pk:
        raise ValidationError({"appointment": _("No such service was found in this store.")})
    if appointment is not None and appointment.store_id != store.pk:
        raise ValidationError({"appointment": _("No such appointment was found in this store.")})
    if service is None and appointment is not None:
        service = appointment.service_record
    if practitioner is None and service is not None and subject == Subject.PRACTITIONER:
        practitioner = service.practitioner
    if subject == Subject.PRACTITIONER and practitioner is None:
        raise ValidationError({"practitioner": _("Say which practitioner the complaint is about.")})
    if due_on is not None and due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint(
            store=store,
            reference=new_reference("TS"),
            channel=channel,
            complainant_kind=complainant_kind,
            client=client if complainant_kind == ComplainantKind.CLIENT else None,
            complainant_staff=(
                complainant_staff if complainant_kind == ComplainantKind.STAFF else None
            ),
            contact_name=contact_name if complainant_kind == ComplainantKind.NAMED else "",
            contact_phone=contact_phone if complainant_kind == ComplainantKind.NAMED else "",
            subject=subject,
            practitioner=practitioner,
            service=service,
            appointment=appointment,
            description=description,
            severity=severity,
            owner=owner,
            due_on=due_on,
            state=State.RECEIVED,
            received_at=now,
            created_by=actor,
            updated_by=actor,
        )
        complaint.full_clean()
        complaint.save()
        _step(complaint, action="receive", by=actor, at=now)
        operation_log(
            actor=actor,
            action="create",
            instance=complaint,
            changes=diff({}, _snapshot(complaint)),
            request=request,
            store=store,
        )
    return complaint


def address_digest(request) -> str:
    from anxin.audit.services import client_ip

    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"ip:{client_ip(request)}".encode(), hashlib.sha256).hexdigest()


def public_attempt_allowed(request, *, page: str) -> bool:
    """Counts this attempt; False once the address has made too many in the last hour."""
    digest = address_digest(request)
    now = timezone.now()
    recent = PublicAttempt.objects.filter(
        address_digest=digest, at__gte=now - dt.timedelta(hours=1)
    ).count()
    PublicAttempt.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    if recent >= settings.ANXIN_PUBLIC_COMPLAINTS_PER_HOUR:
        return False
    PublicAttempt.objects.create(address_digest=digest, page=page, at=now)
    return True


def complaint_public(
    *,
    store,
    subject: str,
    description: str,
    contact_name: str = "",
    contact_phone: str = "",
    request=None,
) -> tuple[Complaint, str]:
    """A complaint from the public page: received, with a reference and a secret returned
    once (only the secret's digest is kept). The page itself checks the rate and the trap."""
    description = _check_description(description)
    secret = new_secret()
    named = bool(contact_name.strip() or contact_phone.strip())
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint(
            store=store,
            reference=new_reference("TS"),
            channel=Channel.PUBLIC,
            complainant_kind=ComplainantKind.NAMED if named else ComplainantKind.ANONYMOUS,
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            subject=subject,
            description=description,
            severity=Severity.MEDIUM,
            state=State.RECEIVED,
            received_at=now,
        )
        complaint.secret_digest = secret_digest(complaint.reference, secret)
        complaint.full_clean()
        complaint.save()
        _step(complaint, action="receive", at=now)
        operation_log(
            actor=None,
            action="create",
            instance=complaint,
            changes=diff({}, _snapshot(complaint)),
            reason="public complaint page",
            request=request,
            store=store,
        )
        _tell_handlers(complaint)
    return complaint, secret


def _tell_handlers(complaint: Complaint, exclude=None) -> None:
    from anxin.notifications.services import notify_holders

    notify_holders(
        store=complaint.store,
        permission=HANDLE_COMPLAINTS,
        subject=_("A complaint was received: %(reference)s") % {"reference": complaint.reference},
        url=f"/complaints/{complaint.pk}/",
        kind="complaints.received",
        exclude=exclude,
    )


def _store_manager(store):
    from anxin.accounts.models import RoleAssignment

    found = (
        RoleAssignment.objects.filter(
            store=store, role__key="store_manager", active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return found.user if found else None


def _appointment_of(service):
    from anxin.scheduling.models import Appointment

    return Appointment.objects.filter(service_record=service).first()


def complaint_from_feedback(*, actor, store, feedback, request=None) -> Complaint | None:
    """Called by ``delivery`` inside the feedback's transaction: a score of 2 or below opens a
    complaint draft for the store manager (once per service)."""
    if feedback.score > LOW_SCORE:
        return None
    service = feedback.service
    if Complaint.objects.filter(service=service, channel=Channel.FEEDBACK).exists():
        return None
    manager = _store_manager(store)
    now = timezone.now()
    text = feedback.comments.strip() or _("The client rated the service %(score)s of 5.") % {
        "score": feedback.score
    }
    complaint = Complaint(
        store=store,
        reference=new_reference("TS"),
        channel=Channel.FEEDBACK,
        complainant_kind=ComplainantKind.CLIENT,
        client_id=service.client_id,
        subject=Subject.SERVICE,
        practitioner_id=service.practitioner_id,
        service=service,
        appointment=_appointment_of(service),
        description=text[:DESCRIPTION_MAX],
        severity=Severity.MEDIUM,
        owner=manager,
        due_on=timezone.localdate() + dt.timedelta(days=7),
        state=State.DRAFT,
        received_at=now,
        created_by=actor,
        updated_by=actor,
    )
    complaint.full_clean()
    complaint.save()
    _step(
        complaint,
        action="draft",
        by=actor,
        at=now,
    )
    operation_log(
        actor=actor,
        action="create",
        instance=complaint,
        changes=diff({}, _snapshot(complaint)),
        reason="low feedback score",
        request=request,
        store=store,
    )
    if manager is not None:
        from anxin.notifications.services import notify

        notify(
            recipients=[manager],
            store=store,
            subject=_("A low feedback score opened a complaint draft: %(reference)s")
            % {"reference": complaint.reference},
            url=f"/complaints/{complaint.pk}/",
            kind="complaints.draft",
        )
    return complaint


# -- the workflow ---------------------------------------------------------------------------


def _lock(store, complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk, store=store)


def complaint_accept(*, actor, store, complaint, note: str = "", request=None) -> Complaint:
    """The manager takes a draft (from a low score) as a complaint: received."""
    require(actor, store, HANDLE_COMPLAINTS, "accept", record_id=complaint.pk, request=request)
    with transaction.atomic():
        complaint = _lock(store, complaint)
        if complaint.state != State.DRAFT:
            raise ValidationError(_("Only a draft can be accepted."))
        before = _snapshot(complaint)
        complaint.state, complaint.updated_by = State.RECEIVED, actor
        complaint.save()
        _step(complaint, action="accept", note=note.strip(), by=actor)
        operation_log(
            actor=actor,
            action="accept",
            instance=complaint,
            changes=diff(before, _snapshot(complaint)),
            request=request,
            store=store,
        )
    return complaint


def complaint_dismiss(*, actor, store, complaint, note: str, request=None) -> Complaint:
    """A draft that is no complaint (the client was satisfied after all), with the reason."""
    require(actor, store, HANDLE_COMPLAINTS, "dismiss", record_id=complaint.pk, request=request)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the draft is dismissed.")})
    with transaction.atomic():
        complaint = _lock(store, complaint)
        if complaint.state != State.DRAFT:
            raise ValidationError(_("Only a draft can be dismissed."))
        before = _snapshot(complaint)
        complaint.state, complaint.updated_by = State.DISMISSED, actor
        complaint.closed_at = timezone.now()
        complaint.save()
        _step(complaint, action="dismiss", note=note, by=actor)
        operation_log(
            actor=actor,
            action="dismiss",
            instance=complaint,
            changes=diff(before, _snapshot(complaint)),
            reason=note,
            request=request,
            store=store,
        )
    return complaint


STEP_ACTIONS = {
    State.INVESTIGATING: "investigate",
    State.RECTIFICATION: "rectify",
    State.FEEDBACK: "feedback",
    State.CLOSED: "close",
}


def complaint_advance(
    *, actor, store, complaint, to_state: str, note: str, request=None
) -> Complaint:
    """One step along received → investigating → rectification → feedback → closed. Each
    step says what was done; closing needs the feedback to the complainant recorded first."""
    require(actor, store, HANDLE_COMPLAINTS, "advance", record_id=complaint.pk, request=request)
    note = (note or "").strip()
    with transaction.atomic():
        complaint = _lock(store, complaint)
        expected = NEXT_STATE.get(complaint.state)
        if to_state == State.CLOSED and complaint.state != State.FEEDBACK:
            raise ValidationError(
                _("Record the feedback given to the complainant before closing the complaint.")
            )
        if expected is None or to_state != expected:
            raise ValidationError(
                _("A complaint that is %(state)s cannot move to that step.")
                % {"state": complaint.get_state_display()}
            )
        if not note:
            message = (
                _("Say what the complainant was told.")
                if to_state == State.FEEDBACK
                else _("Say what was done at this step.")
            )
            raise ValidationError({"note": message})
        if len(note) > DESCRIPTION_MAX:
            raise ValidationError(
                {"note": _("Keep the note under %(n)s characters.") % {"n": 4000}}
            )
        before = _snapshot(complaint)
        complaint.state, complaint.updated_by = to_state, actor
        if to_state == State.CLOSED:
            complaint.closed_at = timezone.now()
        complaint.save()
        _step(complaint, action=STEP_ACTIONS[to_state], note=note, by=actor)
        operation_log(
            actor=actor,
            action=STEP_ACTIONS[to_state],
            instance=complaint,
            changes=diff(before, _snapshot(complaint)),
            reason=note[:500],
            request=request,
            store=store,
        )
    return complaint


def complaint_assign(
    *, actor, store, complaint, owner, due_on, severity: str, request=None
) -> Complaint:
    """Who owns the case, by when, how severe it is."""
    require(actor, store, HANDLE_COMPLAINTS, "assign", record_id=complaint.pk, request=request)
    _check_people(
        store, complainant_kind="", client=None, staff=None, practitioner=None, owner=owner
    )
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    with transaction.atomic():
        complaint = _lock(store, complaint)
        if complaint.state in (State.CLOSED, State.DISMISSED):
            raise ValidationError(_("This complaint is closed."))
        if due_on is not None and due_on != complaint.due_on and due_on < timezone.localdate():
            raise ValidationError({"due_on": _("The due date cannot be in the past.")})
        before = _snapshot(complaint)
        complaint.owner, complaint.due_on, complaint.severity = owner, due_on, severity
        complaint.updated_by = actor
        complaint.save()
        changes = diff(before, _snapshot(complaint))
        if not changes:
            return complaint
        from anxin.accounts.names import person_name

        _step(
            complaint,
            action="assign",
            note=_("Owner %(owner)s, due %(due)s, severity %(severity)s.")
            % {
                "owner": person_name(owner, store) if owner else "—",
                "due": due_on.isoformat() if due_on else "—",
                "severity": complaint.get_severity_display(),
            },
            by=actor,
        )
        operation_log(
            actor=actor,
            action="assign",
            instance=complaint,
            changes=changes,
            request=request,
            store=store,
        )
    return complaint


# -- compensation ---------------------------------------------------------------------------

COMPENSATION_KIND = "complaints.compensation"


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Give the amount in yuan, e.g. 88.00.")}) from None
    if amount <= 0 or amount >= Decimal("100000000"):
        raise ValidationError({"amount": _("Give an amount above zero.")})
    return amount


def compensation_offer(
    *, actor, store, complaint, amount, form: str, note: str = "", request=None
) -> Compensation:
    """Compensation on a case. Up to the store's limit it is approved at once; above it, it
    waits for a second person (approvals app) and is recorded as pending."""
    from anxin.approvals.services import change_propose

    require(actor, store, HANDLE_COMPLAINTS, "compensate", record_id=complaint.pk, request=request)
    amount = _amount(amount)
    limit = store_settings(store).compensation_limit
    with transaction.atomic():
        complaint = _lock(store, complaint)
        if complaint.state in (State.DRAFT, State.CLOSED, State.DISMISSED):
            raise ValidationError(_("Compensation is offered on an open complaint."))
        now = timezone.now()
        over = amount > limit
        comp = Compensation(
            complaint=complaint,
            amount=amount,
            form=form,
            note=(note or "").strip(),
            state=CompensationState.PENDING if over else CompensationState.APPROVED,
            proposed_by=actor,
            proposed_at=now,
            approved_by=None if over else actor,
            approved_at=None if over else now,
        )
        comp.full_clean(exclude=["complaint"])
        comp.save()
        text = _("Compensation of %(amount)s yuan (%(form)s)") % {
            "amount": amount,
            "form": comp.get_form_display(),
        }
        if over:
            change = change_propose(
                actor=actor,
                store=store,
                kind=COMPENSATION_KIND,
                target=comp,
                payload={"state": CompensationState.APPROVED},
                reason=_("%(text)s on complaint %(reference)s, above the limit of %(limit)s.")
                % {"text": text, "reference": complaint.reference, "limit": limit},
                request=request,
            )
            comp.change = change
            comp.save(update_fields=["change"])
            text = _("%(text)s proposed; it waits for a second person's approval.") % {"text": text}
        _step(complaint, action="compensate", note=text, by=actor, at=now)
        operation_log(
            actor=actor,
            action="compensate",
            instance=complaint,
            changes={
                "compensation": {
                    "before": None,
                    "after": {"amount": str(amount), "form": form, "state": comp.state},
                }
            },
            request=request,
            store=store,
        )
    return comp


def compensation_apply(*, actor, store, target, payload):
    """The approvals app's ``apply``: the second person approved the compensation."""
    target.state = CompensationState.APPROVED
    target.approved_by, target.approved_at = actor, timezone.now()
    target.save(update_fields=["state", "approved_by", "approved_at"])
    _step(
        target.complaint,
        action="compensation_ok",
        note=_("Compensation of %(amount)s yuan approved.") % {"amount": target.amount},
        by=actor,
    )
    return target


def settings_update(*, actor, store, compensation_limit, request=None) -> ComplaintSettings:
    from anxin.accounts.permissions import MANAGE_STORE

    require(actor, store, MANAGE_STORE, "change_settings", request=request)
    with transaction.atomic():
        current, _created = ComplaintSettings.objects.select_for_update().get_or_create(store=store)
        before = {"compensation_limit": current.compensation_limit}
        current.compensation_limit = compensation_limit
        current.full_clean()
        current.save()
        operation_log(
            actor=actor,
            action="update",
            instance=current,
            changes=diff(before, {"compensation_limit": current.compensation_limit}),
            request=request,
            store=store,
        )
    return current
