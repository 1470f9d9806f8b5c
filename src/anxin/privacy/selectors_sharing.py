"""Reads of sharing grants, transfers and disclosures; the grant sets the client selectors join.

A grant counts only while it runs: every set below is built with the time of the read
(``starts_at <= now < ends_at`` and not ended), so expiry ends the access without any job.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from anxin.accounts.models import RoleAssignment
from anxin.accounts.permissions import GRANT_SHARING, MANAGE_TRANSFERS, RECORD_DISCLOSURES
from anxin.audit.models import UseLog, UseOutcome
from anxin.audit.services import use_log
from anxin.clients.models import Client, ServiceRecord

from .models import (
    Disclosure,
    GrantClient,
    GrantGrantee,
    GrantScope,
    Partner,
    SharingGrant,
    Transfer,
)

# What a grant can add to a person's scope: an action of the client policy -> the grant's flag
# ("view", the basic record, comes with every grant).
GRANTABLE = {
    "view": None,
    "view_contact": "contact",
    "view_health": "health",
    "view_spending": "spending",
}


def _grantee_grants(*, actor, store) -> QuerySet:
    """The ids of the grants naming this person, or a role they hold in this store."""
    roles = RoleAssignment.objects.filter(user=actor, store=store, active=True).values("role_id")
    return GrantGrantee.objects.filter(Q(user=actor) | Q(role__in=roles)).values("grant_id")


def active_grants(*, actor, store, action: str = "view", now=None) -> QuerySet[SharingGrant]:
    """The grants in force now that give this person ``action`` in this store."""
    now = now or timezone.now()
    qs = SharingGrant.objects.filter(
        store=store,
        starts_at__lte=now,
        ends_at__gt=now,
        ended_at__isnull=True,
        pk__in=_grantee_grants(actor=actor, store=store),
    )
    flag = GRANTABLE[action]
    return qs.filter(**{flag: True}) if flag else qs


def granted_client_ids(*, actor, store, action: str = "view", now=None) -> QuerySet | None:
    """The ids of the clients granted to this person now for ``action``: one set (a union of
    the named clients, the clients of the promotions and the whole store where a grant is of a
    record type), for the database to join; None when no grant can give ``action``."""
    if action not in GRANTABLE or actor is None or not getattr(actor, "is_authenticated", False):
        return None
    # The grants in force first (a few rows, nearly always none): each set below only for a
    # kind of grant that is in force. Joined as subqueries, SQLite planned the promotions' set
    # as every client of the store times their services (3-7 s a page at a store's scale).
    grants = list(
        active_grants(actor=actor, store=store, action=action, now=now).values_list(
            "pk", "scope", "promotion_id"
        )
    )
    if not grants:
        return None
    parts = []
    named = [pk for pk, kind, _promotion in grants if kind == GrantScope.CLIENTS]
    if named:
        parts.append(GrantClient.objects.filter(grant__in=named).values("client_id"))
    promotions = [p for _pk, kind, p in grants if kind == GrantScope.PROMOTION and p]
    if promotions:
        parts.append(
            ServiceRecord.objects.filter(promotion__in=promotions, client__store=store).values(
                "client_id"
            )
        )
    if any(kind == GrantScope.STORE for _pk, kind, _promotion in grants):
        parts.append(Client.objects.filter(store=store).values("pk"))
    if not parts:
        return None
    first, *rest = (part.order_by() for part in parts)
    return first.union(*rest) if rest else first


def covering(*, actor, store, client, now=None) -> dict[str, int]:
    """{action: grant id} for the grants in force that let this person read this client."""
    if actor is None or not getattr(actor, "is_authenticated", False) or store is None:
        return {}
    grants = active_grants(actor=actor, store=store, now=now).filter(
        Q(scope=GrantScope.STORE)
        | Q(scope=GrantScope.CLIENTS, client_rows__client=client)
        | Q(
            scope=GrantScope.PROMOTION,
            promotion__in=ServiceRecord.objects.filter(client=client).values("promotion_id"),
        )
    )
    found: dict[str, int] = {}
    for pk, contact, health, spending in grants.order_by("pk").values_list(
        "pk", "contact", "health", "spending"
    ):
        found.setdefault("view", pk)
        for action, on in (
            ("view_contact", contact),
            ("view_health", health),
            ("view_spending", spending),
        ):
            if on:
                found.setdefault(action, pk)
    return found


class SharingGrants:
    """What the client selectors call (``clients.selectors.SHARING_GRANTS``)."""

    @staticmethod
    def client_ids(*, actor, store, action):
        return granted_client_ids(actor=actor, store=store, action=action)

    @staticmethod
    def covering(*, actor, store, client):
        return covering(actor=actor, store=store, client=client)


# -- the grantor's pages ----------------------------------------------------------------------


def _refuse(*, actor, store, record_type: str, record_id: str = "*", request=None):
    use_log(
        actor=actor,
        action="view",
        record_type=record_type,
        record_id=record_id,
        outcome=UseOutcome.DENIED,
        request=request,
        store=store,
    )
    raise PermissionDenied


def require_perm(*, actor, store, perm: str, record_type: str, record_id="*", request=None):
    """Refuse (403, logged) a person without ``perm`` in this store."""
    if store is None or not actor.has_store_perm(perm, store):
        _refuse(
            actor=actor, store=store, record_type=record_type, record_id=record_id, request=request
        )


def grant_list(*, actor, store, request=None) -> QuerySet[SharingGrant]:
    require_perm(
        actor=actor, store=store, perm=GRANT_SHARING, record_type="privacy.sharinggrant",
        request=request,
    )  # fmt: skip
    return (
        SharingGrant.objects.filter(store=store)
        .select_related("grantor", "promotion")
        .prefetch_related("grantees__user", "grantees__role")
    )


def grant_get(*, actor, store, grant_id: int, request=None) -> SharingGrant:
    """A grant of this store, for those who grant; another store's reads as not found."""
    grant = grant_list(actor=actor, store=store, request=request).filter(pk=grant_id).first()
    if grant is None:
        use_log(
            actor=actor,
            action="view",
            record_type="privacy.sharinggrant",
            record_id=str(grant_id),
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise Http404
    return grant


def grants_to_review(*, actor, store, now=None, request=None) -> QuerySet[SharingGrant]:
    """Grants in force now, oldest end first: the periodic review's list."""
    now = now or timezone.now()
    return (
        grant_list(actor=actor, store=store)
        .filter(starts_at__lte=now, ends_at__gt=now, ended_at__isnull=True)
        .order_by("ends_at", "pk")
    )


def grant_reads(*, actor, store, grant: SharingGrant, request=None, limit: int = 500):
    """What was read under this grant (the use log entries naming it as their purpose) and the
    clients they name: for the grantor. The listing is itself logged."""
    from anxin.clients.selectors import grant_purpose

    entries = list(
        UseLog.objects.filter(
            store=store,
            at__gte=grant.starts_at,
            at__lte=grant.ended_at or grant.ends_at,
            purpose=grant_purpose(grant.pk),
        )
        .select_related("user")
        .order_by("-seq")[:limit]
    )
    ids = {int(e.record_id) for e in entries if e.record_id.isdigit()}
    names = dict(Client.objects.filter(pk__in=ids, store=store).values_list("pk", "code"))
    use_log(
        actor=actor,
        action="report",
        record_type="privacy.sharinggrant",
        record_id=str(grant.pk),
        purpose="reads under a sharing grant",
        count=len(entries),
        request=request,
        store=store,
    )
    return [(e, names.get(int(e.record_id)) if e.record_id.isdigit() else None) for e in entries]


# -- transfers and disclosures ----------------------------------------------------------------


def partner_list(*, actor, store, request=None) -> QuerySet[Partner]:
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="privacy.partner",
        request=request,
    )  # fmt: skip
    return Partner.objects.filter(store=store).prefetch_related("agreements")


def partner_get(*, actor, store, partner_id: int, request=None) -> Partner:
    partner = partner_list(actor=actor, store=store, request=request).filter(pk=partner_id).first()
    if partner is None:
        raise Http404
    return partner


def transfer_list(*, actor, store, request=None) -> QuerySet[Transfer]:
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="privacy.transfer",
        request=request,
    )  # fmt: skip
    return Transfer.objects.filter(store=store).select_related("partner", "sent_by")


def transfer_get(*, actor, store, transfer_id: int, request=None) -> Transfer:
    found = transfer_list(actor=actor, store=store, request=request).filter(pk=transfer_id).first()
    if found is None:
        raise Http404
    return found


def disclosure_list(*, actor, store, request=None) -> QuerySet[Disclosure]:
    require_perm(
        actor=actor, store=store, perm=RECORD_DISCLOSURES, record_type="privacy.disclosure",
        request=request,
    )  # fmt: skip
    return Disclosure.objects.filter(store=store).select_related(
        "verified_by", "disclosed_by", "document"
    )


def disclosure_get(*, actor, store, disclosure_id: int, request=None) -> Disclosure:
    found = (
        disclosure_list(actor=actor, store=store, request=request).filter(pk=disclosure_id).first()
    )
    if found is None:
        raise Http404
    return found


def client_codes(record, *, limit: int = 200) -> list[str]:
    """The codes of the clients in a transfer or disclosure (codes only: no personal data)."""
    return list(
        Client.objects.filter(pk__in=record.client_rows.values("client_id"))
        .order_by("code")
        .values_list("code", flat=True)[:limit]
    )
