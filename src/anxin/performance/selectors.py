import datetime as dt

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
