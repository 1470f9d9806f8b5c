"""Every write of service delivery: recording a service (CLI-4), its correction (two-person
review), feedback, follow-up tasks and suggestions (CLI-5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import RoleAssignment
from anxin.accounts.permissions import CORRECT_SERVICES, MANAGE_FOLLOW_UPS
from anxin.accounts.policy import scope_for
from anxin.approvals.services import change_propose
from anxin.audit.services import diff, operation_log
from anxin.catalogue.models import ServiceItem
from anxin.catalogue.selectors import best_offer
from anxin.clients.models import MAX_AMOUNT, Client, ServiceRecord
from anxin.core.models import Category, CategoryKind
from anxin.notifications.services import notify

from .approval_kinds import SERVICE_CORRECTION
from .models import (
    Feedback,
    FeedbackCorrection,
    FollowUpTask,
    Suggestion,
    SuggestionState,
    TaskKind,
    TaskState,
)
from .selectors import RECORD, client_for_record, deny, scoped_services

RELATED = ["store", "client", "practitioner", "item", "promotion", "created_by", "updated_by"]
FUTURE_TOLERANCE = dt.timedelta(minutes=10)  # clocks differ; a later time is a mistake
RECORD_FIELDS = [
    "served_at",
    "item_name",
    "amount",
    "products_sold",
    "notes",
    "clock_type",
    "started_at",
    "ended_at",
]


def check_amount(value) -> Decimal:
    """An amount in yuan between 0 and the maximum, to the fen; else a translated error."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Enter the amount in yuan, e.g. 128.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": _("Enter the amount in yuan, e.g. 128.00.")})
    if amount < 0:
        raise ValidationError({"amount": _("An amount cannot be negative.")})
    if amount > MAX_AMOUNT:
        raise ValidationError(
            {
                "amount": _("An amount above %(max)s yuan for one service is not plausible.")
                % {"max": MAX_AMOUNT}
            }
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("An amount has at most two decimal places (fen).")})
    return amount.quantize(Decimal("0.01"))


def check_time(value: dt.datetime, *, field: str = "served_at") -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({field: _("A service cannot be recorded in the future.")})
    return value


def service_record(
    *,
    actor,
    store,
    client: Client,
    item: ServiceItem,
    served_at: dt.datetime | None = None,
    amount=None,
    products_sold: str = "",
    notes: str = "",
    clock_type: str = "",
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    practitioner=None,
    refuse_overlap: bool = True,
    request=None,
) -> ServiceRecord:
    """Record a service just given (CLI-4). The amount defaults to the item's price after the
    best promotion the client is eligible for; the time to now. A practitioner records their
    own services; the front desk names the practitioner who gave it.

    The same service twice is refused (``DuplicateService``): a record of the same client and
    practitioner whose time overlaps this one's (e.g. the one 下钟 wrote). ``service_end``
    passes ``refuse_overlap=False``: ending a service always writes its record."""
    if scope_for(actor, store, RECORD, "create") is None:
        deny(actor=actor, store=store, action="create", request=request)
    if _is_practitioner(actor, store):
        practitioner = actor
    elif practitioner is None or not _is_practitioner(practitioner, store):
        raise ValidationError(
            {
                "practitioner": _("Choose the %(term)s who gave the service.")
                % {"term": store.practitioner_term}
            }
        )
    if client is None or client_for_record(actor=actor, store=store, client_id=client.pk) is None:
        raise ValidationError({"client": _("Choose one of your clients in this store.")})
    if item is None or item.store_id != store.pk:
        raise ValidationError({"item": _("Choose a service item of this store.")})
    if not item.active:
        raise ValidationError({"item": _("This service item is no longer offered.")})
    served_at = check_time(served_at or timezone.now())
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if value is not None:
            check_time(value, field=name)
    if started_at and ended_at and ended_at < started_at:
        raise ValidationError({"ended_at": _("A service cannot end before it starts.")})
    with transaction.atomic():
        if refuse_overlap:
            # One at a time per client (PostgreSQL), so that a double submission cannot pass.
            Client.objects.select_for_update().filter(pk=client.pk).values_list("pk").first()
            start, end = _span(served_at, started_at, ended_at, item.duration)
            first = _overlapping(store, client, practitioner, start, end)
            if first is not None:
                raise DuplicateService(first)
        is_new = not ServiceRecord.objects.filter(store=store, client=client).exists()
        offer, promotion = best_offer(
            store=store, item=item, on=timezone.localtime(served_at).date(), is_new_client=is_new
        )
        if amount in (None, ""):
            amount = offer
        amount = check_amount(amount)
        if promotion is not None and amount != offer:
            promotion = None  # a different amount was agreed: not the promotion's price
        record = ServiceRecord(
            store=store,
            client=client,
            practitioner=practitioner,
            served_at=served_at,
            started_at=started_at,
            ended_at=ended_at,
            item=item,
            item_name=item.name[:60],
            promotion=promotion,
            amount=amount,
            products_sold=products_sold or "",
            notes=notes or "",
            clock_type=clock_type or "",
            created_by=actor,
            updated_by=actor,
        )
        # The related records were checked above (scope, store): no query per foreign key.
        record.full_clean(exclude=RELATED, validate_constraints=False)
        record.save()
        operation_log(
            actor=actor,
            action="create",
            instance=record,
            changes=diff(
                {},
                {
                    **{k: getattr(record, k) for k in RECORD_FIELDS},
                    "notes": record.notes or None,  # logged as changed (no text) only if given
                    "client": client.code,
                    "item": item.code,
                    "promotion": promotion.code if promotion else None,
                },
            ),
            request=request,
            store=store,
        )
        return record


DEFAULT_MINUTES = 60  # a record without an item (imported, legacy) counts as an hour
LONGEST = dt.timedelta(hours=24)  # no item lasts longer (``ServiceItem.duration``)


class DuplicateService(ValidationError):
    """The service is recorded already: ``first`` is the record there is."""

    def __init__(self, first: ServiceRecord):
        self.first = first
        super().__init__(
            _(
                "This service is recorded already: %(item)s for %(client)s by the same "
                "practitioner at %(time)s (record no. %(number)s). Add notes to that record, or "
                "propose a correction of it, instead of recording it again."
            )
            % {
                "item": first.item_name,
                "client": first.client.name,
                "time": timezone.localtime(first.served_at).strftime("%Y-%m-%d %H:%M"),
                "number": first.pk,
            },
            code="duplicate",
        )


def _span(served_at, started_at, ended_at, minutes) -> tuple[dt.datetime, dt.datetime]:
    """When a service took place: its real start and end where known, else the item's
    duration up to the time recorded (recorded after the service, as 下钟 does)."""
    end = ended_at or served_at
    start = started_at or end - dt.timedelta(minutes=minutes or DEFAULT_MINUTES)
    return start, max(end, start)


def _overlapping(store, client, practitioner, start, end) -> ServiceRecord | None:
    """The first record of this client by this practitioner whose time overlaps
    ``start``–``end`` (touching ends do not: one service right after another is two)."""
    candidates = (
        ServiceRecord.objects.filter(
            store=store,
            client=client,
            practitioner=practitioner,
            served_at__gt=start - LONGEST,
            served_at__lt=end + LONGEST,
        )
        .select_related("client", "item")
        .order_by("served_at", "pk")
    )
    for record in candidates:
        their_start, their_end = _span(
            record.served_at,
            record.started_at,
            record.ended_at,
            record.item.duration if record.item else None,
        )
        if their_start < end and start < their_end:
            return record
    return None


def _is_practitioner(actor, store) -> bool:
    return RoleAssignment.objects.filter(
        user=actor, store=store, active=True, role__key="practitioner", user__is_active=True
    ).exists()


def practitioners_of(store):
    """The store's practitioners with their staff files (their names; nothing encrypted is
    read): one query for a form's sixty names, not one staff-file query each."""
    from anxin.accounts.models import User
    from anxin.accounts.names import staff_secrets

    return (
        User.objects.filter(
            is_active=True,
            role_assignments__store=store,
            role_assignments__active=True,
            role_assignments__role__key="practitioner",
        )
        .select_related("staff_file")
        .defer(*staff_secrets("staff_file"))
        .distinct()
    )


def service_correction_propose(
    *, actor, store, record: ServiceRecord, payload: dict, reason: str, request=None
):
    """A correction after saving: proposed here, applied when someone else approves (CLI-4)."""
    from .selectors import service_get

    record = service_get(actor=actor, store=store, pk=record.pk, action="change", request=request)
    if not actor.has_store_perm(CORRECT_SERVICES, store):
        deny(actor=actor, store=store, action="change", record_id=record.pk, request=request)
    return change_propose(
        actor=actor,
        store=store,
        kind=SERVICE_CORRECTION,
        target=record,
        payload=payload,
        reason=reason,
        request=request,
    )


NOTES_LIMIT = 2000  # ``ServiceRecord.notes``


def may_add_notes(actor, store, record: ServiceRecord) -> bool:
    """The practitioner who gave the service, on the day of the service (local time)."""
    return (
        record.store_id == store.pk
        and record.practitioner_id == actor.pk
        and timezone.localdate(record.served_at) == timezone.localdate()
        and scoped_services(actor=actor, store=store, action="change").filter(pk=record.pk).exists()
    )


def service_notes_add(
    *, actor, store, record: ServiceRecord, text: str, request=None
) -> ServiceRecord:
    """Add to the notes of one's own service the same day, without a second person (CLI-4):
    the notes only gain what was noticed, nothing is taken away. The amount, the time and
    anything on another day change only by ``service_correction_propose``."""
    if record.store_id != store.pk or record.practitioner_id != actor.pk:
        deny(actor=actor, store=store, action="change", record_id=record.pk, request=request)
    if not may_add_notes(actor, store, record):
        if timezone.localdate(record.served_at) != timezone.localdate():
            raise ValidationError(
                _(
                    "Notes are added directly only on the day of the service; propose a "
                    "correction instead."
                )
            )
        deny(actor=actor, store=store, action="change", record_id=record.pk, request=request)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the notes to add.")})
    with transaction.atomic():
        current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        before = current.notes
        notes = f"{before}\n{text}" if before else text
        if len(notes) > NOTES_LIMIT:
            raise ValidationError(
                {
                    "text": _("At most %(n)s characters, please.")
                    % {"n": max(NOTES_LIMIT - len(before) - 1, 0)}
                }
            )
        current.notes, current.updated_by = notes, actor
        current.save(update_fields=["notes", "updated_by", "updated_at"])
        operation_log(
            actor=actor,
            action="update",
            instance=current,
            changes=diff({"notes": before}, {"notes": notes}),  # masked: never the text
            request=request,
            store=store,
        )
    return current


# -- feedback ----------------------------------------------------------------------------------

FEEDBACK = "feedback"  # the policy action (``accounts.policy``)
# Called inside the feedback's transaction after a score is given or corrected:
# ``hook(actor=, store=, feedback=, request=)`` (complaints: a low score opens a draft).
FEEDBACK_SAVED: list = []


def _feedback_saved(*, actor, store, feedback, request) -> None:
    for hook in FEEDBACK_SAVED:
        hook(actor=actor, store=store, feedback=feedback, request=request)


def may_give_feedback(actor, store, record: ServiceRecord) -> bool:
    """The client's channel (CLI-5): whom the policy lets record feedback on this service —
    never the practitioner who gave it, whatever their other roles."""
    return (
        record.store_id == store.pk
        and record.practitioner_id != actor.pk
        and scoped_services(actor=actor, store=store, action=FEEDBACK).filter(pk=record.pk).exists()
    )


def feedback_record(
    *, actor, store, record: ServiceRecord, score: int, comments: str = "", request=None
) -> Feedback:
    """The client's satisfaction with a service (1–5) and comments, as the client gave them.
    Given once: changing it later is ``feedback_correct``, with a reason."""
    if not may_give_feedback(actor, store, record):
        deny(actor=actor, store=store, action=FEEDBACK, record_id=record.pk, request=request)
    return _feedback_save(
        actor=actor, store=store, record=record, score=score, comments=comments, request=request
    )


def feedback_correct(
    *,
    actor,
    store,
    record: ServiceRecord,
    score: int,
    reason: str,
    comments: str = "",
    request=None,
) -> Feedback:
    """Change a score already given: the old one is kept (``FeedbackCorrection``) and the
    operation log holds both and the reason."""
    if not may_give_feedback(actor, store, record):
        deny(actor=actor, store=store, action=FEEDBACK, record_id=record.pk, request=request)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    return _feedback_save(
        actor=actor,
        store=store,
        record=record,
        score=score,
        comments=comments,
        reason=reason,
        request=request,
    )


def _feedback_save(
    *, actor, store, record, score, comments, reason: str = "", request=None
) -> Feedback:
    """Callers decide who may; this keeps a given score from being overwritten silently."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Give a score from 1 to 5.")})
    reason, comments = (reason or "").strip()[:500], comments or ""
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().filter(service=record).first()
        if feedback is None:
            feedback = Feedback(
                service=record, score=score, comments=comments, created_by=actor, updated_by=actor
            )
            feedback.full_clean()
            feedback.save()
            operation_log(
                actor=actor,
                action="create",
                instance=feedback,
                changes=diff({}, {"score": score, "comments": comments}),
                reason=reason,
                request=request,
                store=store,
            )
            _feedback_saved(actor=actor, store=store, feedback=feedback, request=request)
            return feedback
        if not reason:
            raise ValidationError(
                {"score": _("This service has feedback already: correct it, with a reason.")}
            )
        before = {"score": feedback.score, "comments": feedback.comments}
        correction = FeedbackCorrection(
            feedback=feedback,
            score_before=feedback.score,
            score_after=score,
            comments_before=feedback.comments,
            comments_after=comments,
            reason=reason,
            created_by=actor,
            updated_by=actor,
        )
        correction.full_clean(exclude=["feedback"])
        feedback.score, feedback.comments, feedback.updated_by = score, comments, actor
        feedback.full_clean()
        feedback.save()
        correction.save()
        operation_log(
            actor=actor,
            action="correct",
            instance=feedback,
            changes=diff(before, {"score": score, "comments": comments}),
            reason=reason,
            request=request,
            store=store,
        )
        _feedback_saved(actor=actor, store=store, feedback=feedback, request=request)
        return feedback


# -- follow-up tasks -----------------------------------------------------------------------


def _works_in(user, store) -> bool:
    return RoleAssignment.objects.filter(
        user=user, store=store, active=True, user__is_active=True
    ).exists()


def follow_up_create(
    *,
    actor,
    store,
    client: Client,
    kind: str,
    assignee,
    due_on: dt.date,
    service: ServiceRecord | None = None,
    instructions: str = "",
    request=None,
) -> FollowUpTask:
    """Assign a survey or phone follow-up to a designated person; they are notified."""
    if not actor.has_store_perm(MANAGE_FOLLOW_UPS, store):
        deny(actor=actor, store=store, action="create", request=request)
    if client is None or client.store_id != store.pk:
        raise ValidationError({"client": _("Choose a client of this store.")})
    if service is not None and (service.store_id != store.pk or service.client_id != client.pk):
        raise ValidationError({"service": _("That service is not this client's.")})
    if assignee is None or not _works_in(assignee, store):
        raise ValidationError({"assignee": _("Choose someone who works in this store.")})
    if service is not None and assignee.pk == service.practitioner_id:
        raise ValidationError(
            {
                "assignee": _(
                    "The %(term)s who gave the service cannot ask for its feedback: "
                    "choose someone else."
                )
                % {"term": store.practitioner_term}
            }
        )
    if kind not in TaskKind.values:
        raise ValidationError({"kind": _("Choose a survey or a phone follow-up.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    with transaction.atomic():
        task = FollowUpTask(
            store=store,
            client=client,
            service=service,
            kind=kind,
            assignee=assignee,
            due_on=due_on,
            instructions=instructions or "",
            created_by=actor,
            updated_by=actor,
        )
        task.full_clean()
        task.save()
        operation_log(
            actor=actor,
            action="create",
            instance=task,
            changes=diff(
                {},
                {
                    "client": client.code,
                    "kind": kind,
                    "assignee": assignee.pk,
                    "due_on": due_on,
                },
            ),
            request=request,
            store=store,
        )
        notify(
            recipients=[assignee],
            subject=_("Follow-up task: %(kind)s for %(code)s by %(date)s")
            % {"kind": task.get_kind_display(), "code": client.code, "date": due_on},
            url=reverse("delivery:task_detail", args=[task.pk]),
            kind="delivery.follow_up",
            store=store,
            exclude=actor,
        )
        return task


def follow_up_complete(
    *, actor, store, task: FollowUpTask, outcome: str, score: int | None = None, request=None
) -> FollowUpTask:
    """The assignee (or whoever manages follow-up) records what came of it."""
    if task.store_id != store.pk or not (
        task.assignee_id == actor.pk or actor.has_store_perm(MANAGE_FOLLOW_UPS, store)
    ):
        deny(actor=actor, store=store, action="change", record_id=task.pk, request=request)
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Say what came of the follow-up.")})
    scored = score is not None and task.service_id is not None
    if scored and task.service.practitioner_id == actor.pk:
        # Never one's own service's score, even when the task was assigned before this rule.
        deny(actor=actor, store=store, action=FEEDBACK, record_id=task.service_id, request=request)
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        if task.state != TaskState.OPEN:
            raise ValidationError(_("This task is closed already."))
        task.state, task.outcome, task.done_at = TaskState.DONE, outcome, timezone.now()
        task.updated_by = actor
        task.full_clean()
        task.save()
        operation_log(
            actor=actor,
            action="update",
            instance=task,
            changes=diff({"state": TaskState.OPEN}, {"state": task.state, "outcome": outcome}),
            request=request,
            store=store,
        )
        if scored:
            # What the client told the assignee; a score given before is corrected, not lost.
            _feedback_save(
                actor=actor,
                store=store,
                record=task.service,
                score=score,
                comments=outcome,
                reason=_("Follow-up task no. %(number)s") % {"number": task.pk},
                request=request,
            )
        return task


def follow_ups_reassign(*, user, successor) -> int:
    """Offboarding (``accounts.services.OPEN_WORK_HANDLERS``): open tasks go to the successor."""
    if successor is None:
        return 0
    open_tasks = FollowUpTask.objects.filter(assignee=user, state=TaskState.OPEN)
    moved = 0
    for task in open_tasks.select_related("client"):
        task.assignee = successor
        task.save(update_fields=["assignee", "updated_at"])
        operation_log(
            actor=None,
            action="reassign",
            instance=task,
            changes=diff({"assignee": user.pk}, {"assignee": successor.pk}),
            store=task.store,
        )
        notify(
            recipients=[successor],
            subject=_("Follow-up task handed over to you: %(code)s by %(date)s")
            % {"code": task.client.code, "date": task.due_on},
            url=reverse("delivery:task_detail", args=[task.pk]),
            kind="delivery.follow_up",
            store=task.store,
        )
        moved += 1
    return moved


# -- suggestions --------------------------------------------------------------------------


def suggestion_forward(
    *,
    actor,
    store,
    department: Category,
    text: str,
    service: ServiceRecord | None = None,
    request=None,
) -> Suggestion:
    """Forward a client's suggestion to the department responsible (CLI-5)."""
    if not actor.has_store_perm(MANAGE_FOLLOW_UPS, store):
        deny(actor=actor, store=store, action="create", request=request)
    if department is None or department.kind != CategoryKind.DEPARTMENT:
        raise ValidationError({"department": _("Choose a department.")})
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the suggestion.")})
    if service is not None and service.store_id != store.pk:
        raise ValidationError({"service": _("No such record was found in this store.")})
    with transaction.atomic():
        suggestion = Suggestion(
            store=store,
            department=department,
            text=text,
            service=service,
            created_by=actor,
            updated_by=actor,
        )
        suggestion.full_clean()
        suggestion.save()
        operation_log(
            actor=actor,
            action="create",
            instance=suggestion,
            changes=diff({}, {"department": department.name, "text": text}),
            request=request,
            store=store,
        )
        return suggestion


def suggestion_update(
    *, actor, store, suggestion: Suggestion, state: str, resolution: str = "", request=None
) -> Suggestion:
    """Track what the department did; closing needs a word on what was done."""
    if not actor.has_store_perm(MANAGE_FOLLOW_UPS, store) or suggestion.store_id != store.pk:
        deny(actor=actor, store=store, action="change", record_id=suggestion.pk, request=request)
    if state not in SuggestionState.values:
        raise ValidationError({"state": _("Choose a state.")})
    if state == SuggestionState.CLOSED and not (resolution or "").strip():
        raise ValidationError({"resolution": _("Say what was done before closing it.")})
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        before = {"state": suggestion.state, "resolution": suggestion.resolution}
        suggestion.state, suggestion.resolution = state, resolution or ""
        suggestion.closed_at = timezone.now() if state == SuggestionState.CLOSED else None
        suggestion.updated_by = actor
        suggestion.full_clean()
        suggestion.save()
        operation_log(
            actor=actor,
            action="update",
            instance=suggestion,
            changes=diff(before, {"state": state, "resolution": suggestion.resolution}),
            request=request,
            store=store,
        )
        return suggestion
