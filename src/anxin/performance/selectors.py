import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.db.models import QuerySet

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log

from .models import Review
from .services import RECORD


def reviews(*, actor, store, month: dt.date, request=None) -> QuerySet[Review]:
    """The month's published figures this person may see (a practitioner: their own)."""
    scope = scope_for(actor, store, RECORD, "view")
    if scope is None:
        return Review.objects.none()
    qs = Review.objects.filter(store=store, month=month.replace(day=1)).select_related(
        "practitioner__staff_file"
    )
    if scope == Scope.OWN:
        qs = qs.filter(practitioner=actor)
    use_log(
        actor=actor,
        action="report",
        record_type=RECORD,
        record_id=f"{month:%Y-%m}",
        count=qs.count(),
        purpose="monthly performance",
        request=request,
        store=store,
    )
    return qs


def attach_commissions(rows, *, actor, store, month: dt.date) -> None:
    """Each shown row's commission of the month from paid bills (POS-3), one query, for those
    who may read commissions (staff pay): a practitioner their own, the manager and finance
    everyone's. Others (HR) see no figure."""
    for row in rows:
        row.commission = None
    if not rows or not apps.is_installed("anxin.commissions"):
        return
    granted = scope_for(actor, store, "commissions.commission", "view")
    if granted is None:
        return
    if granted == Scope.OWN:
        rows = [r for r in rows if r.practitioner_id == actor.pk]
    from anxin.commissions.selectors import month_totals

    totals = month_totals(
        store=store, month=month.replace(day=1), practitioner_ids=[r.practitioner_id for r in rows]
    )
    for row in rows:
        found = totals.get(row.practitioner_id)
        row.commission = found.total if found is not None else Decimal("0.00")
