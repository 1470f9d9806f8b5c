"""Who may do what at the till: the policy's record types, checked once, refusals logged."""

from django.core.exceptions import PermissionDenied

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log

BILL = "till.bill"
CLOSE = "till.close"
PRODUCT = "till.product"


def deny(*, actor, store, record_type: str, action: str, record_id="*", request=None) -> None:
    """Log a refused attempt (outside any transaction that will roll back)."""
    use_log(
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=str(record_id)[:64],
        outcome="denied",
        request=request,
        store=store,
    )


def require(*, actor, store, record_type: str, action: str, request=None, record_id="*") -> Scope:
    scope = scope_for(actor, store, record_type, action)
    if scope is None:
        deny(
            actor=actor,
            store=store,
            record_type=record_type,
            action=action,
            record_id=record_id,
            request=request,
        )
        raise PermissionDenied
    return scope


def may(actor, store, record_type: str, action: str) -> bool:
    return scope_for(actor, store, record_type, action) is not None
