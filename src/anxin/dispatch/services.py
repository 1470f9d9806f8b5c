"""Dispatching on-site jobs: assign workers, move through the statuses, reveal the address to
the assigned workers within the job window only, record the client's feedback."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.policy import scope_for
from anxin.audit.services import operation_log, use_log
from anxin.scheduling import services as scheduling

from .models import NEXT, Job, JobStatus

RECORD = "dispatch.job"
ACTIVE = (JobStatus.ASSIGNED, JobStatus.ON_THE_WAY, JobStatus.IN_PROGRESS)
MAX_TRAVEL = 600  # minutes


def _require(actor, store, action, request=None, record_id="*") -> None:
    if scope_for(actor, store, RECORD, action) is None:
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=record_id,
            outcome="denied",
            request=request,
            store=store,
        )
        raise PermissionDenied


def _window(job) -> tuple[dt.datetime, dt.datetime]:
    return job.start - dt.timedelta(minutes=job.travel_minutes), job.end


def busy_with_jobs(*, practitioner, store, start, end) -> list[str]:
    """For bookings: a worker out on a job (travel included) cannot be booked in the store."""
    messages = []
    for job in Job.objects.filter(
        workers=practitioner, status__in=ACTIVE, start__lt=end + dt.timedelta(hours=10)
    ):
        first, last = _window(job)
        if first < end and start < last:
            messages.append(
                _("On an on-site job %(start)s–%(end)s.")
                % {
                    "start": timezone.localtime(first).strftime("%Y-%m-%d %H:%M"),
                    "end": timezone.localtime(last).strftime("%H:%M"),
                }
            )
    return messages


def job_windows(*, store, day, people) -> dict:
    """For the free-slot search: each worker's job windows that day (travel included)."""
    first = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    last = first + dt.timedelta(days=1)
    spans: dict[int, list] = {}
    jobs = (
        Job.objects.filter(
            workers__in=[p.pk for p in people],
            status__in=ACTIVE,
            start__lt=last + dt.timedelta(minutes=MAX_TRAVEL),
            end__gt=first,
        )
        .distinct()
        .prefetch_related("workers")
    )
    for job in jobs:
        window = _window(job)
        for worker in job.workers.all():
            spans.setdefault(worker.pk, []).append(window)
    return {
        pk: (lambda s, e, w=w: all(not (a < e and s < b) for a, b in w)) for pk, w in spans.items()
    }


def job_create(
    *,
    actor,
    store,
    client,
    workers: list,
    item_name: str,
    start: dt.datetime,
    minutes: int,
    travel_minutes: int = 30,
    request=None,
    now: dt.datetime | None = None,
) -> Job:
    _require(actor, store, "create", request)
    errors: dict[str, list[str]] = {}
    if client is None or client.store_id != store.pk:
        errors["client"] = [_("Choose a client of this store.")]
    elif not client.address:
        errors["client"] = [_("This client has no address on file for on-site service.")]
    if not workers:
        errors["workers"] = [_("Assign at least one worker.")]
    elif not all(scheduling.is_practitioner(w, store) for w in workers):
        errors["workers"] = [
            _("Choose a %(term)s who works in this store.") % {"term": store.practitioner_term}
        ]
    if not minutes or minutes <= 0 or minutes > 12 * 60:
        errors["minutes"] = [_("A booking must last at least one minute.")]
    if not 0 <= travel_minutes <= MAX_TRAVEL:
        errors["travel_minutes"] = [_("Travel time is 0 to 600 minutes.")]
    if start is None or start < (now or timezone.now()) - scheduling.PAST_TOLERANCE:
        errors["start"] = [_("The start time has already passed.")]
    if errors:
        raise ValidationError(errors)
    end = start + dt.timedelta(minutes=minutes)
    first = start - dt.timedelta(minutes=travel_minutes)
    with transaction.atomic():
        scheduling._lock(*[(scheduling._LOCK_PRACTITIONER, w.pk) for w in workers])
        conflicts = []
        for worker in workers:
            conflicts += scheduling._conflicts(practitioner=worker, room=None, start=first, end=end)
            conflicts += busy_with_jobs(practitioner=worker, store=store, start=first, end=end)
        if conflicts:
            raise ValidationError({"start": conflicts}, code="conflict")
        job = Job.objects.create(
            store=store,
            client=client,
            item_name=(item_name or "")[:60],
            start=start,
            end=end,
            travel_minutes=travel_minutes,
            created_by=actor,
            updated_by=actor,
        )
        job.workers.set(workers)
        operation_log(
            actor=actor,
            action="create",
            instance=job,
            request=request,
            changes={
                "workers": {"before": None, "after": sorted(w.pk for w in workers)},
                "start": {"before": None, "after": start},
                "end": {"before": None, "after": end},
            },
        )
    return job


def job_advance(*, actor, job: Job, notes: str = "", request=None) -> Job:
    """The next status; an assigned worker moves their own job, the dispatcher any job."""
    _require(actor, job.store, "view", request, str(job.pk))
    is_worker = job.workers.filter(pk=actor.pk).exists()
    if not is_worker and scope_for(actor, job.store, RECORD, "change") is None:
        raise PermissionDenied
    with transaction.atomic():
        current = Job.objects.select_for_update().get(pk=job.pk)
        following = NEXT.get(current.status)
        if following is None:
            raise ValidationError(_("This job is finished; its status cannot move on."))
        notes = (notes or "").strip()
        if following == JobStatus.DONE and not notes:
            raise ValidationError({"notes": _("Say what was done before closing the job.")})
        before = current.status
        current.status, current.updated_by = following, actor
        if notes:
            current.completion_notes = notes[:2000]
        current.save()
        operation_log(
            actor=actor,
            action=f"status_{following}",
            instance=current,
            request=request,
            changes={"status": {"before": before, "after": following}},
        )
    return current


def job_address(*, actor, job: Job, request=None, now: dt.datetime | None = None) -> str:
    """The client's address, for an assigned worker within the job window; logged either way."""
    now = now or timezone.now()
    first, last = _window(job)
    allowed = (
        job.workers.filter(pk=actor.pk).exists() and first <= now <= last and job.status in ACTIVE
    )
    use_log(
        actor=actor,
        action="reveal",
        instance=job.client,
        purpose="on-site service",
        outcome="allowed" if allowed else "denied",
        request=request,
        store=job.store,
    )
    if not allowed:
        raise Http404
    return job.client.address


def job_feedback(*, actor, job: Job, score: int, comment: str = "", request=None) -> Job:
    _require(actor, job.store, "change", request, str(job.pk))
    if job.status != JobStatus.DONE:
        raise ValidationError(_("Feedback is recorded once the job is done."))
    if score not in range(1, 6):
        raise ValidationError({"score": _("A score from 1 to 5.")})
    with transaction.atomic():
        job.feedback_score, job.feedback_comment = score, (comment or "").strip()[:2000]
        job.updated_by = actor
        job.save()
        operation_log(
            actor=actor,
            action="feedback",
            instance=job,
            request=request,
            changes={"feedback_score": {"before": None, "after": score}},
        )
    return job
