"""Publishing, confirming, disputing and resolving monthly performance (STF-3)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.names import person_name
from anxin.accounts.policy import scope_for
from anxin.audit.services import operation_log, use_log
from anxin.notifications.services import notify

from .figures import monthly_figures
from .models import Review, ReviewState

RECORD = "performance.review"


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


def publish(*, actor, store, month: dt.date, request=None) -> list[Review]:
    """Compute the month and publish it to each practitioner (again: refreshes the figures of
    those not yet confirmed; a confirmed or resolved month stays as agreed)."""
    _require(actor, store, "create", request)
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("A month that has not begun has no figures.")})
    now = timezone.now()
    published = []
    with transaction.atomic():
        users = {u.pk: u for u in User.objects.filter(is_active=True)}
        for figures in monthly_figures(store=store, month=month):
            person = users.get(figures["practitioner_id"])
            if person is None:
                continue
            review = Review.objects.filter(store=store, practitioner=person, month=month).first()
            if review is not None and review.state in (ReviewState.CONFIRMED, ReviewState.RESOLVED):
                continue
            if review is None:
                review = Review(store=store, practitioner=person, month=month)
            review.figures, review.state = figures, ReviewState.PUBLISHED
            review.published_at, review.published_by = now, actor
            review.comment = ""
            review.save()
            operation_log(
                actor=actor,
                action="publish",
                instance=review,
                store=store,
                request=request,
                changes={"figures": {"before": None, "after": figures}},
            )
            published.append(review)
        for review in published:
            notify(
                recipients=[review.practitioner],
                store=store,
                kind="performance.published",
                subject=_("Your performance for %(month)s is ready to confirm")
                % {"month": month.strftime("%Y-%m")},
                url=f"/performance/?month={month:%Y-%m}",
            )
    return published


def _own(actor, review) -> None:
    if review.practitioner_id != actor.pk:
        raise PermissionDenied


def confirm(*, actor, review: Review, request=None) -> Review:
    _own(actor, review)
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state != ReviewState.PUBLISHED:
            raise ValidationError(_("These figures have already been answered."))
        current.state, current.answered_at = ReviewState.CONFIRMED, timezone.now()
        current.save(update_fields=["state", "answered_at"])
        operation_log(
            actor=actor,
            action="confirm",
            instance=current,
            store=current.store,
            request=request,
            changes={"state": {"before": ReviewState.PUBLISHED, "after": current.state}},
        )
    return current


def dispute(*, actor, review: Review, comment: str, request=None) -> Review:
    _own(actor, review)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what is wrong with the figures.")})
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state != ReviewState.PUBLISHED:
            raise ValidationError(_("These figures have already been answered."))
        current.state, current.answered_at = ReviewState.DISPUTED, timezone.now()
        current.comment = comment[:2000]
        current.save(update_fields=["state", "answered_at", "comment"])
        operation_log(
            actor=actor,
            action="dispute",
            instance=current,
            store=current.store,
            request=request,
            reason=current.comment,
            changes={"state": {"before": ReviewState.PUBLISHED, "after": current.state}},
        )
        notify(
            recipients=[current.published_by],
            store=current.store,
            kind="performance.disputed",
            subject=_("%(name)s disputes the performance of %(month)s")
            % {
                "name": person_name(actor),
                "month": current.month.strftime("%Y-%m"),
            },
            url=f"/performance/?month={current.month:%Y-%m}",
        )
    return current


def resolve(*, actor, review: Review, resolution: str, request=None) -> Review:
    _require(actor, review.store, "change", request, str(review.pk))
    if actor.pk == review.practitioner_id:
        raise PermissionDenied  # nobody resolves a dispute about themselves
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the dispute was resolved.")})
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        if current.state != ReviewState.DISPUTED:
            raise ValidationError(_("Only a disputed month can be resolved."))
        current.state, current.resolution = ReviewState.RESOLVED, resolution[:2000]
        current.resolved_by, current.resolved_at = actor, timezone.now()
        current.save(update_fields=["state", "resolution", "resolved_by", "resolved_at"])
        operation_log(
            actor=actor,
            action="resolve",
            instance=current,
            store=current.store,
            request=request,
            reason=current.resolution,
            changes={"state": {"before": ReviewState.DISPUTED, "after": current.state}},
        )
        notify(
            recipients=[current.practitioner],
            store=current.store,
            kind="performance.resolved",
            subject=_("Your dispute about %(month)s is resolved")
            % {"month": current.month.strftime("%Y-%m")},
            url=f"/performance/?month={current.month:%Y-%m}",
        )
    return current
