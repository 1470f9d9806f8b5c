"""Every read of client data goes through here, with the acting user (SEC-3, PRV-2).

Out of scope reads as "not found" (404) and is logged as a denied use; allowed reads of a client's
detail, health file, a revealed value or an export are logged as uses.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log
from anxin.crypto import masking

from .models import Client, HealthFile, ServiceRecord

RECORD = "clients.client"


def _served_window() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "ANXIN_PRACTITIONER_SCOPE_DAYS", 90))


def scoped_clients(*, actor, store, action: str = "view") -> QuerySet[Client]:
    """The clients this person may ``action`` in this store; empty when not allowed."""
    scope = scope_for(actor, store, RECORD, action)
    if scope is None:
        return Client.objects.none()
    qs = Client.objects.filter(store=store)
    if scope == Scope.SERVED:
        since = timezone.now() - _served_window()
        served = ServiceRecord.objects.filter(
            client=OuterRef("pk"), practitioner=actor, served_at__gte=since
        )
        links = Exists(served)
        for link in SERVED_LINKS.values():
            links |= link(actor=actor, since=since)
        qs = qs.filter(links)
    return qs


# Other ways a practitioner is linked to a client (a booking, a home-service job) extend the
# "served" scope: ``link(*, actor, since) -> Exists`` over rows with ``client=OuterRef("pk")``.
SERVED_LINKS: dict = {}


def require(*, actor, store, action: str, request=None, record_id: str = "") -> None:
    """Refuse an action the policy does not grant here: log the denied attempt, then 403."""
    from django.core.exceptions import PermissionDenied

    if scope_for(actor, store, RECORD, action) is None:
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=record_id or "*",
            outcome="denied",
            request=request,
            store=store,
        )
        raise PermissionDenied


def client_list(*, actor, store) -> QuerySet[Client]:
    return scoped_clients(actor=actor, store=store).order_by("-code")


def client_get(
    *, actor, store, code: str, action: str = "view", request=None, purpose: str = ""
) -> Client:
    """One client, if in scope for ``action``; otherwise 404 and a denied use entry."""
    client = scoped_clients(actor=actor, store=store, action=action).filter(code=code).first()
    if client is None:
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=code,
            outcome="denied",
            request=request,
            store=store,
            purpose=purpose,
        )
        raise Http404
    use_log(
        actor=actor, action=action, instance=client, request=request, store=store, purpose=purpose
    )
    return client


def can_open_by_code(user, client, store) -> bool:
    return scoped_clients(actor=user, store=store).filter(pk=client.pk).exists()


def client_view(*, actor, store, client: Client, request=None) -> dict:
    """What this person may see of a client: masked where sensitive, nothing beyond the policy."""
    allowed = {
        a
        for a in (
            "view_contact",
            "view_id",
            "view_health",
            "view_spending",
            "reveal",
            "change",
            "export",
        )
        if scope_for(actor, store, RECORD, a) is not None
    }
    view = {"client": client, "can": allowed}
    if "view_contact" in allowed:
        view["phone"] = masking.mask_phone(client.phone)
        view["address"] = masking.mask_address(client.address)
    if "view_id" in allowed:
        view["id_number"] = masking.mask_id_number(client.id_number)
    if "view_health" in allowed:
        view["health"] = HealthFile.objects.filter(client=client).first()
        use_log(actor=actor, action="view_health", instance=client, request=request, store=store)
    if "view_spending" in allowed:
        view["services"] = list(client.services.all()[:20])
    elif "view_health" in allowed:
        view["services"] = list(client.services.filter(practitioner=actor)[:20])
    return view


REVEALABLE = {
    "phone": masking.mask_phone,
    "id_number": masking.mask_id_number,
    "address": masking.mask_address,
}


def client_reveal(*, actor, store, code: str, field: str, purpose: str, request=None) -> str:
    """The plaintext of one masked value, for a stated purpose; the reveal is logged (SEC-4)."""
    if field not in REVEALABLE:
        raise Http404
    client = client_get(
        actor=actor, store=store, code=code, action="reveal", request=request, purpose=purpose
    )
    return getattr(client, field)
