import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import operation_log

from .models import ApiToken
from .permissions import USE_API

PREFIX = "anx_"
MAX_DAYS = 365


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor, store, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """A new token for ``actor`` in ``store``; returns the row and the token (shown once)."""
    if not actor.has_store_perm(USE_API, store):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. what will use it.")})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": _("A token lasts from 1 to %(max)s days.") % {"max": MAX_DAYS}}
        )
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=actor,
        store=store,
        name=name[:60],
        prefix=token[:12],
        digest=digest(token),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    operation_log(
        actor=actor,
        action="create",
        instance=row,
        store=store,
        changes={
            "name": {"before": None, "after": row.name},
            "days": {"before": None, "after": days},
        },
    )
    return row, token


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    """The holder revokes their own token (managers end others' access by offboarding)."""
    if token.user_id != actor.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        operation_log(actor=actor, action="revoke", instance=token, store=token.store)


def tokens_revoke_all(*, user) -> int:
    """Offboarding: every live token of ``user`` ends now (in the caller's transaction)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def authenticate(raw: str) -> ApiToken | None:
    """The live token for ``raw``, its holder still active and still allowed; else None."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user", "store")
        .filter(digest=digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active or not token.store.active:
        return None
    if not token.user.has_store_perm(USE_API, token.store):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
