"""Writes of internal sharing grants (PRV-3): grant, end, review; the daily expiry run.

A refused attempt is logged before anything is written; a grant that does not hold together
(end before start, nobody to grant to, people of another store, no agreement) changes nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Role, RoleAssignment, User
from anxin.accounts.permissions import GRANT_SHARING
from anxin.audit.models import UseOutcome
from anxin.audit.services import operation_log, use_log
from anxin.catalogue.models import Promotion
from anxin.clients.models import Client
from anxin.notifications.services import notify

from .documents import document_store
from .models import (
    GrantClient,
    GrantDecision,
    GrantGrantee,
    GrantReview,
    GrantScope,
    SharingGrant,
)

RECORD = "privacy.sharinggrant"


def _require(*, actor, store, action: str, record_id: str = "*", request=None) -> None:
    if store is None or actor is None or not actor.has_store_perm(GRANT_SHARING, store):
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=record_id,
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise PermissionDenied


def _state(grant: SharingGrant) -> dict:
    return {
        "purpose": grant.purpose,
        "scope": grant.scope,
        "promotion": grant.promotion_id,
        "contact": grant.contact,
        "health": grant.health,
        "spending": grant.spending,
        "starts_at": grant.starts_at,
        "ends_at": grant.ends_at,
        "agreement": grant.agreement_id,
        "agreement_location": grant.agreement_location,
        "ended_at": grant.ended_at,
    }


def _check(
    *,
    store,
    purpose,
    scope,
    clients,
    promotion,
    starts_at,
    ends_at,
    users,
    roles,
    agreement_upload,
    agreement_location,
    client_codes,
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not (purpose or "").strip():
        add("purpose", _("Say what the data is shared for."))
    if starts_at is None or ends_at is None:
        add("ends_at", _("Give the start and the end of the grant."))
    elif ends_at <= starts_at:
        add("ends_at", _("The end of the grant must be after its start."))
    elif ends_at <= timezone.now():
        add("ends_at", _("The end of the grant is in the past."))
    if not users and not roles:
        add("users", _("Name at least one person or one role to grant to."))
    outsiders = [
        u
        for u in users
        if not RoleAssignment.objects.filter(user=u, store=store, active=True).exists()
        or not u.is_active
    ]
    if outsiders:
        add(
            "users",
            _("Only people working in this store can be granted its data: %(names)s.")
            % {"names": "、".join(str(u) for u in outsiders)},
        )
    if scope not in GrantScope.values:
        add("scope", _("Choose which clients the grant covers."))
    elif scope == GrantScope.CLIENTS:
        if not client_codes:
            add("clients", _("Name at least one client by code."))
        else:
            found = {c.code for c in clients}
            missing = sorted(set(client_codes) - found)
            if missing:
                add(
                    "clients",
                    _("No client of this store has the code %(codes)s.")
                    % {"codes": "、".join(missing)},
                )
    elif scope == GrantScope.PROMOTION and (promotion is None or promotion.store_id != store.pk):
        add("promotion", _("Choose a promotion of this store."))
    if agreement_upload is None and not (agreement_location or "").strip():
        add(
            "agreement",
            _("Attach the signed sharing agreement or say where the paper copy is archived."),
        )
    if errors:
        raise ValidationError(errors)


def grant_create(
    *,
    actor,
    store,
    purpose: str,
    scope: str,
    starts_at,
    ends_at,
    users=(),
    roles=(),
    client_codes=(),
    promotion: Promotion | None = None,
    contact: bool = False,
    health: bool = False,
    spending: bool = False,
    agreement_upload=None,
    agreement_location: str = "",
    request=None,
) -> SharingGrant:
    """Grant a scope of this store's client data to named people or a role (PRV-3)."""
    _require(actor=actor, store=store, action="create", request=request)
    users = [u for u in users if isinstance(u, User)]
    roles = [r for r in roles if isinstance(r, Role)]
    codes = sorted({c.strip().upper() for c in client_codes if c.strip()})
    clients = list(Client.objects.filter(store=store, code__in=codes)) if codes else []
    _check(
        store=store,
        purpose=purpose,
        scope=scope,
        clients=clients,
        promotion=promotion,
        starts_at=starts_at,
        ends_at=ends_at,
        users=users,
        roles=roles,
        agreement_upload=agreement_upload,
        agreement_location=agreement_location,
        client_codes=codes,
    )
    with transaction.atomic():
        document = (
            document_store(actor=actor, upload=agreement_upload, field="agreement")
            if agreement_upload is not None
            else None
        )
        grant = SharingGrant(
            store=store,
            grantor=actor,
            purpose=purpose.strip(),
            scope=scope,
            promotion=promotion if scope == GrantScope.PROMOTION else None,
            contact=contact,
            health=health,
            spending=spending,
            starts_at=starts_at,
            ends_at=ends_at,
            agreement=document,
            agreement_location=(agreement_location or "").strip(),
        )
        grant.full_clean()
        grant.save()
        GrantGrantee.objects.bulk_create(
            [GrantGrantee(grant=grant, user=u) for u in users]
            + [GrantGrantee(grant=grant, role=r) for r in roles]
        )
        if scope == GrantScope.CLIENTS:
            GrantClient.objects.bulk_create([GrantClient(grant=grant, client=c) for c in clients])
        changes = {k: {"before": None, "after": v} for k, v in _state(grant).items()}
        changes["grantees"] = {
            "before": None,
            "after": sorted([f"user:{u.pk}" for u in users] + [f"role:{r.key}" for r in roles]),
        }
        changes["clients"] = {"before": None, "after": sorted(c.code for c in clients)}
        operation_log(
            actor=actor,
            action="create",
            instance=grant,
            changes=changes,
            reason=grant.purpose,
            request=request,
            store=store,
        )
        holders = RoleAssignment.objects.filter(
            store=store, role__in=roles, active=True, user__is_active=True
        ).select_related("user")
        notify(
            recipients=[*users, *(a.user for a in holders)],
            subject=_("Client data is shared with you: sharing grant %(n)s") % {"n": grant.pk},
            body=grant.purpose,
            url=reverse("privacy:grant_mine"),
            kind="privacy.grant_created",
            store=store,
            exclude=actor,
        )
    return grant


def grant_end(*, actor, store, grant: SharingGrant, note: str = "", request=None) -> SharingGrant:
    """End a grant now: access under it stops at once."""
    return grant_review(
        actor=actor, store=store, grant=grant, decision=GrantDecision.END, note=note,
        request=request,
    )  # fmt: skip


def grant_review(
    *, actor, store, grant: SharingGrant, decision: str, note: str = "", request=None
) -> SharingGrant:
    """The periodic review's decision on a grant in force: confirm it or end it; logged."""
    _require(actor=actor, store=store, action="review", record_id=str(grant.pk), request=request)
    if grant.store_id != store.pk:
        raise PermissionDenied
    if decision not in GrantDecision.values:
        raise ValidationError({"decision": _("Choose whether the grant continues or ends.")})
    with transaction.atomic():
        grant = SharingGrant.objects.select_for_update().get(pk=grant.pk)
        if not grant.is_active():
            raise ValidationError(_("This grant is not in force: there is nothing to decide."))
        before = _state(grant)
        if decision == GrantDecision.END:
            grant.ended_at = timezone.now()
            grant.ended_by = actor
            grant.save(update_fields=["ended_at", "ended_by"])
        GrantReview(grant=grant, reviewer=actor, decision=decision, note=note.strip()[:200]).save()
        after = _state(grant)
        changes = {
            k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]
        }
        changes["decision"] = {"before": None, "after": decision}
        operation_log(
            actor=actor,
            action="end" if decision == GrantDecision.END else "confirm",
            instance=grant,
            changes=changes,
            reason=note,
            request=request,
            store=store,
        )
    return grant


def grants_mark_expired(*, now=None) -> list[SharingGrant]:
    """The daily run: grants whose term ran out are recorded as ended and their grantor told.

    Access ended already at ``ends_at`` (the selectors check the time); this only records it."""
    now = now or timezone.now()
    done = []
    due = SharingGrant.objects.filter(
        ends_at__lte=now, ended_at__isnull=True, expiry_noticed_at__isnull=True
    ).select_related("grantor", "store")
    for grant in due:
        with transaction.atomic():
            SharingGrant.objects.filter(pk=grant.pk, ended_at__isnull=True).update(
                ended_at=grant.ends_at, expiry_noticed_at=now
            )
            operation_log(
                actor=None,
                action="expire",
                instance=grant,
                changes={"ended_at": {"before": None, "after": grant.ends_at}},
                reason="term ended",
                store=grant.store,
            )
            notify(
                recipients=[grant.grantor],
                subject=_("Sharing grant %(n)s has ended") % {"n": grant.pk},
                body=_("Its term ended on %(end)s; the access it gave has stopped.")
                % {"end": timezone.localtime(grant.ends_at).strftime("%Y-%m-%d %H:%M")},
                url=reverse("privacy:grant_detail", args=[grant.pk]),
                kind="privacy.grant_expired",
                store=grant.store,
            )
        done.append(grant)
    return done
