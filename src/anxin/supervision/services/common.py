from django.core.exceptions import PermissionDenied
from django.http import Http404

from anxin.accounts.policy import scope_for
from anxin.audit.services import use_log

KPI_RECORD = "supervision.kpi"


def denied(*, actor, store, action: str, record_type: str, record_id="*", request=None):
    """Log a refused attempt (AUD-3) and refuse it."""
    use_log(
        actor=actor,
        action=action[:40],
        record_type=record_type,
        record_id=str(record_id),
        outcome="denied",
        request=request,
        store=store,
    )
    raise PermissionDenied


def not_found(*, actor, store, record_type: str, record_id, request=None):
    """Out of scope reads as not found (404), and the attempt is logged."""
    use_log(
        actor=actor,
        action="view",
        record_type=record_type,
        record_id=str(record_id),
        outcome="denied",
        request=request,
        store=store,
    )
    raise Http404


def require_perm(actor, store, perm: str, *, record_type: str, action: str, record_id="*",
                 request=None) -> None:  # fmt: skip
    if not actor.has_store_perm(perm, store):
        denied(
            actor=actor, store=store, action=action, record_type=record_type,
            record_id=record_id, request=request,
        )  # fmt: skip


def require_kpi(actor, store, action: str, *, record_id="*", request=None):
    scope = scope_for(actor, store, KPI_RECORD, action)
    if scope is None:
        denied(
            actor=actor, store=store, action=action, record_type=KPI_RECORD,
            record_id=record_id, request=request,
        )  # fmt: skip
    return scope
