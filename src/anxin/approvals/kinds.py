"""Kinds of change registered by this app for others that cannot yet register their own.

``accounts.role_grant``: giving an account one more role in a store (a permission change,
SEC-5). It lives here rather than in ``accounts`` so the accounts app does not depend on
approvals; it may move there later without changing its key.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry

ROLE_GRANT = "accounts.role_grant"


def _role_keys(user, store) -> list[str]:
    from anxin.accounts.models import RoleAssignment

    return sorted(
        RoleAssignment.objects.filter(user=user, store=store, active=True).values_list(
            "role__key", flat=True
        )
    )


def _in_store(*, target, store) -> bool:
    """An account belongs to a store while it is active and holds, or held, a role there
    (a change of post may give up the old roles before the new one is approved)."""
    from anxin.accounts.models import RoleAssignment

    return target.is_active and RoleAssignment.objects.filter(user=target, store=store).exists()


def _validate(*, actor, store, target, payload) -> dict:
    from anxin.accounts.models import Role

    if set(payload) != {"role"}:
        raise ValidationError(_("Say which role to grant."))
    key = payload["role"]
    role = Role.objects.filter(key=key).first() if isinstance(key, str) else None
    if role is None:
        raise ValidationError({"role": _("Unknown role.")})
    if key in _role_keys(target, store):
        raise ValidationError(
            {"role": _("%(person)s holds this role here already.") % {"person": target}}
        )
    return {"role": key}


def _snapshot(*, target, store, payload) -> dict:
    return {"roles": _role_keys(target, store)}


def _preview(*, target, store, before, payload) -> dict:
    return {"roles": sorted({*before.get("roles", []), payload["role"]})}


def _describe(*, target, before, after, kind):
    from anxin.accounts.models import Role

    labels = {r.key: str(r.label) for r in Role.objects.all()}

    def names(keys):
        return ", ".join(labels.get(k, k) for k in keys) or registry.EMPTY

    return [
        (_("Roles in this store"), names(before.get("roles", [])), names(after.get("roles", [])))
    ]


def _apply(*, actor, store, target, payload):
    from anxin.accounts.services import role_assign

    return role_assign(user=target, store=store, role_key=payload["role"], actor=actor)


def register_all() -> None:
    from anxin.accounts.models import User
    from anxin.accounts.permissions import MANAGE_ACCOUNTS

    registry.register(
        ROLE_GRANT,
        label=gettext_lazy("Grant a role"),
        target_model=User,
        propose_permission=MANAGE_ACCOUNTS,
        apply=_apply,
        validate=_validate,
        snapshot=_snapshot,
        preview=_preview,
        describe=_describe,
        in_store=_in_store,
    )
