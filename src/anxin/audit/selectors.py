"""Reads of the logs and alerts, scoped to the caller's store (and store-less entries)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from anxin.accounts.permissions import VIEW_ALERTS

from .models import Alert, AlertState, OperationLog, UseLog


def can_audit(actor, store) -> bool:
    return store is not None and actor.has_store_perm(VIEW_ALERTS, store)


def _scoped(qs: QuerySet, store) -> QuerySet:
    return qs.filter(Q(store=store) | Q(store__isnull=True))


def _person(qs: QuerySet, field: str, text: str) -> QuerySet:
    text = text.strip()
    if not text:
        return qs
    return qs.filter(
        Q(**{f"{field}__username": text}) | Q(**{f"{field}__full_name__icontains": text})
    )


def _record(qs: QuerySet, record_type: str, record: str) -> QuerySet:
    if record_type.strip():
        qs = qs.filter(record_type=record_type.strip())
    if record.strip():
        value = record.strip()
        qs = qs.filter(Q(record_code__iexact=value) | Q(record_id=value))
    return qs


def _dates(qs: QuerySet, date_from: dt.date | None, date_to: dt.date | None) -> QuerySet:
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def use_log_list(*, actor, store, filters: dict | None = None) -> QuerySet[UseLog]:
    """The use log of the caller's store, newest first; empty for anyone not allowed to audit."""
    if not can_audit(actor, store):
        return UseLog.objects.none()
    f = filters or {}
    qs = _scoped(UseLog.objects.select_related("user", "store"), store)
    qs = _person(qs, "user", f.get("user") or "")
    qs = _record(qs, f.get("record_type") or "", f.get("record") or "")
    qs = _dates(qs, f.get("date_from"), f.get("date_to"))
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("outcome"):
        qs = qs.filter(outcome=f["outcome"])
    return qs.order_by("-seq")


def operation_log_list(*, actor, store, filters: dict | None = None) -> QuerySet[OperationLog]:
    if not can_audit(actor, store):
        return OperationLog.objects.none()
    f = filters or {}
    qs = _scoped(OperationLog.objects.select_related("operator", "store"), store)
    qs = _person(qs, "operator", f.get("user") or "")
    qs = _record(qs, f.get("record_type") or "", f.get("record") or "")
    qs = _dates(qs, f.get("date_from"), f.get("date_to"))
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    return qs.order_by("-seq")


def alert_list(*, actor, store, states: list[str] | None = None) -> QuerySet[Alert]:
    if not can_audit(actor, store):
        return Alert.objects.none()
    states = states or [AlertState.OPEN, AlertState.ACKNOWLEDGED]
    return _scoped(
        Alert.objects.select_related("user", "store", "handled_by").filter(state__in=states), store
    )


def alert_get(*, actor, store, alert_id: int) -> Alert:
    """The alert, or 404 when it does not exist or is not the caller's to see."""
    alert = alert_list(actor=actor, store=store, states=list(AlertState.values)).filter(pk=alert_id)
    found = alert.first()
    if found is None:
        raise Http404
    return found


def alert_evidence(alerts, *, store) -> dict[int, UseLog]:
    """The use-log entries the alerts cite (those of the caller's scope), in one query."""
    ids = {i for a in alerts for i in a.evidence}
    qs = _scoped(UseLog.objects.filter(pk__in=ids).select_related("user", "store"), store)
    return {u.pk: u for u in qs}
