"""Sending notifications: always to the in-app inbox, and to outside channels when asked.

    notify(recipients=[user], subject=_("…"), url=..., kind="clients.health_added", store=store)
    notify_holders(store=store, permission=VIEW_ALERTS, subject=..., kind="backups.failed")
    send_external(channel="sms", address=phone, subject=..., body=..., kind="scheduling.reminder")

Keep personal data out of subjects and bodies beyond what the recipient may already see (a code
and a name at most); the link leads to the scoped page, which checks access again. What an outside
channel logs (the console, the outbox) is the masked address and ``kind``, never the text; a
channel that fails is logged by the name of its error alone, since an error message may quote the
address.
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from anxin.accounts.models import RoleAssignment, User

from . import selectors
from .backends import backend
from .models import Notification

log = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[User],
    subject: str,
    body: str = "",
    url: str = "",
    kind: str = "",
    store=None,
    exclude: User | None = None,
) -> list[Notification]:
    """One inbox entry per distinct active recipient (``exclude``: the person who caused it)."""
    seen, rows = set(), []
    for user in recipients:
        if user.pk in seen or not user.is_active or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                store=store,
                kind=kind,
                subject=str(subject)[:200],
                body=str(body)[:2000],
                url=url,
            )
        )
    created = Notification.objects.bulk_create(rows)
    selectors.forget_unread(seen)
    transaction.on_commit(lambda: selectors.forget_unread(seen))
    return created


def holders(*, store, permission: str) -> list[User]:
    """Active people holding ``permission`` (a permission or a policy grant) in ``store``."""
    assignments = RoleAssignment.objects.filter(
        store=store, active=True, user__is_active=True
    ).select_related("user", "role")
    return list(
        {a.user.pk: a.user for a in assignments if permission in a.role.permissions}.values()
    )


def notify_holders(*, store, permission: str, **kwargs) -> list[Notification]:
    return notify(recipients=holders(store=store, permission=permission), store=store, **kwargs)


def send_external(
    *, channel: str, address: str, subject: str, body: str = "", kind: str = ""
) -> bool:
    """Hand a message to an outside channel after the transaction commits; False if none."""
    sender = backend(channel)
    if sender is None or not address:
        return False

    def deliver():
        try:
            sender.send(address=address, subject=str(subject), body=str(body), kind=kind)
        except Exception as exc:  # a channel failing must not break the work that caused it
            # Not log.exception: the error's text and traceback may quote the address.
            log.error("notification channel %s failed (%s)", channel, type(exc).__name__)

    transaction.on_commit(deliver)
    return True


def send_to_client(
    *, client, channel: str, subject: str, body: str = "", kind: str = "", marketing: bool = False
) -> bool:
    """A message to a client (SMS to their phone). A marketing message is not sent to a client
    who objected to marketing (PRV-6, ``privacy.objections``); False when nothing was sent."""
    if marketing:
        from anxin.privacy.objections import objects_to_marketing

        if objects_to_marketing(client):
            return False
    address = client.phone if channel == "sms" else ""
    return send_external(channel=channel, address=address, subject=subject, body=body, kind=kind)


def mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of this person's notifications (or all of them) read; returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    marked = qs.update(read_at=timezone.now())
    selectors.forget_unread([user.pk])
    transaction.on_commit(lambda: selectors.forget_unread([user.pk]))
    return marked
