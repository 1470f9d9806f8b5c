"""Reads of the logs and alerts, scoped to the caller's store (and store-less entries)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from anxin.accounts.names import staff_secrets
from anxin.accounts.permissions import VIEW_ALERTS
from anxin.core.dates import in_days

from .models import Alert, AlertState, OperationLog, UseLog


def can_audit(actor, store) -> bool:
    return store is not None and actor.has_store_perm(VIEW_ALERTS, store)


def _scoped(qs: QuerySet, store) -> QuerySet:
    return qs.filter(Q(store=store) | Q(store__isnull=True))


def _parts(qs: QuerySet, store) -> list[QuerySet]:
    """The store's entries and the store-less ones as two lists, each read through the
    (store, seq) index; ``keyset_page`` merges them. (``store = X OR store IS NULL`` would sort
    the whole log on every page.) No join to the store: an inner join lets SQLite start from
    the store table and sort the store's whole log; each entry's store is the caller's or none.
    """
    return [qs.filter(store=store), qs.filter(store__isnull=True)]


def _person(qs: QuerySet, field: str, text: str) -> QuerySet:
    text = text.strip()
    if not text:
        return qs
    return qs.filter(
        Q(**{f"{field}__username": text})
        | Q(**{f"{field}__full_name__icontains": text})
        | Q(**{f"{field}__staff_file__name__icontains": text})
    )


def _record(qs: QuerySet, record_type: str, record: str) -> QuerySet:
    # One choice may stand for several stored types of the same record (``a,b``).
    types = [t.strip() for t in record_type.split(",") if t.strip()]
    if len(types) == 1:
        qs = qs.filter(record_type=types[0])
    elif types:
        qs = qs.filter(record_type__in=types)
    if record.strip():
        value = record.strip()
        qs = qs.filter(Q(record_code__iexact=value) | Q(record_id=value))
    return qs


def _dates(qs: QuerySet, date_from: dt.date | None, date_to: dt.date | None) -> QuerySet:
    return qs.filter(**in_days("at", date_from, date_to))


def use_log_list(*, actor, store, filters: dict | None = None) -> list[QuerySet[UseLog]]:
    """The use log of the caller's store and the store-less entries (two parts, see
    ``_parts``), newest first; nothing for anyone not allowed to audit."""
    if not can_audit(actor, store):
        return [UseLog.objects.none()]
    f = filters or {}
    # The store: the caller's or none (``_parts``); a name needs no encrypted field of the
    # staff file, and each would be decrypted for every row.
    qs = UseLog.objects.select_related("user__staff_file").defer(*staff_secrets("user__staff_file"))
    qs = _person(qs, "user", f.get("user") or "")
    qs = _record(qs, f.get("record_type") or "", f.get("record") or "")
    qs = _dates(qs, f.get("date_from"), f.get("date_to"))
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("outcome"):
        qs = qs.filter(outcome=f["outcome"])
    return _parts(qs.order_by("-seq"), store)


def operation_log_list(
    *, actor, store, filters: dict | None = None
) -> list[QuerySet[OperationLog]]:
    """The operation log, in two parts like ``use_log_list``."""
    if not can_audit(actor, store):
        return [OperationLog.objects.none()]
    f = filters or {}
    qs = OperationLog.objects.select_related("operator__staff_file").defer(
        *staff_secrets("operator__staff_file")
    )  # the store and the staff file: as in ``use_log_list``
    qs = _person(qs, "operator", f.get("user") or "")
    qs = _record(qs, f.get("record_type") or "", f.get("record") or "")
    qs = _dates(qs, f.get("date_from"), f.get("date_to"))
    if f.get("action"):
        qs = qs.filter(action__in=f["action"].split(","))
    return _parts(qs.order_by("-seq"), store)


def alert_list(*, actor, store, states: list[str] | None = None) -> QuerySet[Alert]:
    if not can_audit(actor, store):
        return Alert.objects.none()
    states = states or [AlertState.OPEN, AlertState.ACKNOWLEDGED]
    return _scoped(
        Alert.objects.select_related("user__staff_file", "store", "handled_by__staff_file")
        .defer(*staff_secrets("user__staff_file"), *staff_secrets("handled_by__staff_file"))
        .filter(state__in=states),
        store,
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
    qs = _scoped(
        UseLog.objects.filter(pk__in=ids).select_related("user__staff_file", "store"), store
    )
    return {u.pk: u for u in qs}
