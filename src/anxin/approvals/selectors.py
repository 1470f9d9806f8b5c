"""Reads of change requests, scoped to the caller's store and role."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from anxin.accounts.names import person_name
from anxin.accounts.permissions import APPROVE_CHANGES

from . import registry
from .models import ChangeRequest, ChangeState

RECENT = 20


def can_decide(actor, store) -> bool:
    return store is not None and actor.has_store_perm(APPROVE_CHANGES, store)


def can_propose(actor, store) -> bool:
    if store is None:
        return False
    perms = actor.permissions_in(store)
    return any(kind.propose_permission in perms for kind in registry.kinds())


def can_use(actor, store) -> bool:
    """Who may open the approval pages at all: deciders and proposers of some kind."""
    return can_decide(actor, store) or can_propose(actor, store)


def _base(store) -> QuerySet[ChangeRequest]:
    # The people by their names (the staff file's name where there is one), not their accounts.
    return ChangeRequest.objects.filter(store=store).select_related(
        "proposer__staff_file", "decider__staff_file", "target_type"
    )


def change_inbox(*, actor, store) -> dict[str, list[ChangeRequest]]:
    """``to_decide``: others' pending changes (for deciders); ``mine``: the caller's pending
    ones; ``recent``: the last decided ones (deciders see all of the store's, others their own)."""
    if store is None:
        return {"to_decide": [], "mine": [], "recent": []}
    # Lists show who, what and why; the encrypted values are neither read nor decrypted.
    listed = _base(store).defer("payload", "before")
    pending = listed.filter(state=ChangeState.PENDING).order_by("proposed_at", "pk")
    decided = listed.exclude(state=ChangeState.PENDING).order_by("-decided_at", "-pk")
    decider = can_decide(actor, store)
    if not decider:
        decided = decided.filter(proposer=actor)
    lists = {
        "to_decide": list(pending.exclude(proposer=actor)) if decider else [],
        "mine": list(pending.filter(proposer=actor)),
        "recent": list(decided[:RECENT]),
    }
    _attach_targets([c for changes in lists.values() for c in changes], store)
    return lists


def _attach_targets(changes: list[ChangeRequest], store=None) -> None:
    """Give each change ``target`` (or None) and ``kind_label``: one query per kind."""
    wanted: dict[str, set[str]] = {}
    for change in changes:
        wanted.setdefault(change.kind, set()).add(change.target_id)
    found = {}
    for key, ids in wanted.items():
        try:
            model = registry.get(key).target_model
        except LookupError:
            continue
        manager = model._default_manager
        if model is get_user_model():
            manager = manager.select_related("staff_file")
        found[key] = {str(pk): obj for pk, obj in manager.in_bulk(ids).items()}
    for change in changes:
        change.target = found.get(change.kind, {}).get(change.target_id)
        change.target_words = target_words(change.target, store)
        change.kind_label = kind_label(change.kind)


def target_words(target, store=None) -> str:
    """What a change is about, as a person reads it: a person by their name (not the account's
    username), anything else as it names itself; "" when the record is gone."""
    if target is None:
        return ""
    if isinstance(target, get_user_model()):
        return person_name(target, store)
    return str(target)


def change_get(*, actor, store, change_id: int) -> ChangeRequest:
    """One change of the caller's store: deciders see any, others only their own; else 404."""
    change = _base(store).select_related("store").filter(pk=change_id).first()
    if change is None or not (can_decide(actor, store) or change.proposer_id == actor.pk):
        raise Http404
    return change


def change_rows(change: ChangeRequest) -> tuple[object, list[tuple[str, str, str]]]:
    """The target (or None if gone) and the before → after rows, sensitive values masked."""
    try:
        kind = registry.get(change.kind)
    except LookupError:
        return None, []
    target = change_target(change)
    before = change.before or {}
    after = kind.after(target=target, store=change.store, before=before, payload=change.payload)
    return target, kind.rows(target=target, before=before, after=after)


def change_target(change: ChangeRequest):
    """The record a change is about, or None if it is gone (or its kind unknown)."""
    try:
        model = registry.get(change.kind).target_model
    except LookupError:
        return None
    manager = model._default_manager
    if model is get_user_model():
        manager = manager.select_related("staff_file")
    return manager.filter(pk=change.target_id).first()


def kind_label(key: str) -> str:
    try:
        return str(registry.get(key).label)
    except LookupError:
        return key


def may_decide(actor, change: ChangeRequest) -> bool:
    """Whether to offer approve/reject: the services check the same, and log refusals."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    own_account = change.target_type_id == ContentType.objects.get_for_model(
        get_user_model()
    ).pk and change.target_id == str(actor.pk)
    return (
        change.is_pending
        and change.proposer_id != actor.pk
        and not own_account
        and can_decide(actor, change.store)
    )


def store_accounts(*, actor, store) -> QuerySet:
    """Active accounts holding a role in the store, for those who manage accounts there."""
    from django.contrib.auth import get_user_model

    from anxin.accounts.permissions import MANAGE_ACCOUNTS

    User = get_user_model()
    if store is None or not actor.has_store_perm(MANAGE_ACCOUNTS, store):
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True, role_assignments__store=store, role_assignments__active=True
        )
        .distinct()
        .order_by("username")
    )
