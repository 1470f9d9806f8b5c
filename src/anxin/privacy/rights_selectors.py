"""Reads for the request desk (PRV-6): the requests of a store, one request, the access report.

The desk works on the client of a request without the client-file scope: a request is the
client's own, and every read of their data here is use-logged with the request as purpose.
"""

import re

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.names import person_name
from anxin.accounts.permissions import (
    HANDLE_RIGHTS_REQUESTS,
    MANAGE_RETENTION,
    OPEN_RIGHTS_REQUESTS,
)
from anxin.audit.models import UseAction, UseLog, UseOutcome
from anxin.audit.services import use_log

from . import registry
from .models import RequestStatus, RightsRequest

RECORD = "privacy.rightsrequest"
DESK = (OPEN_RIGHTS_REQUESTS, HANDLE_RIGHTS_REQUESTS)


def permissions(actor, store) -> set[str]:
    if store is None or actor is None or not actor.is_authenticated:
        return set()
    return actor.permissions_in(store)


def require(*, actor, store, permission: str | tuple, request=None, record_type=RECORD) -> set:
    """The actor's permissions, or a logged refusal (403) when ``permission`` is not among them."""
    wanted = (permission,) if isinstance(permission, str) else permission
    perms = permissions(actor, store)
    if not perms & set(wanted):
        use_log(
            actor=actor,
            action="denied",
            record_type=record_type,
            record_id="*",
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise PermissionDenied
    return perms


def request_list(*, actor, store, request=None) -> dict:
    require(actor=actor, store=store, permission=DESK, request=request)
    qs = RightsRequest.objects.filter(store=store).select_related("client")
    today = timezone.localdate()
    open_ = list(qs.filter(status__in=[RequestStatus.OPEN, RequestStatus.WAITING]))
    return {
        "overdue": [r for r in open_ if r.due_on < today],
        "open": [r for r in open_ if r.due_on >= today],
        "closed": list(
            qs.exclude(status__in=[RequestStatus.OPEN, RequestStatus.WAITING]).order_by(
                "-closed_at", "-pk"
            )[:50]
        ),
    }


def request_get(*, actor, store, pk: int, request=None) -> RightsRequest:
    """One request of this store; another store's (or none) is 404, logged as denied."""
    require(actor=actor, store=store, permission=DESK, request=request)
    found = (
        RightsRequest.objects.filter(store=store, pk=pk)
        .select_related("client", "opened_by", "handled_by", "change_request")
        .first()
    )
    if found is None:
        use_log(
            actor=actor,
            action="view",
            record_type=RECORD,
            record_id=str(pk),
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise Http404
    return found


def retention_allowed(actor, store) -> bool:
    return MANAGE_RETENTION in permissions(actor, store)


# -- the access report --------------------------------------------------------------------------

WHAT = {
    "view": gettext_lazy("looked at the client's file"),
    "view_health": gettext_lazy("looked at the health file"),
    "reveal": gettext_lazy("revealed a masked value (phone, ID number or address)"),
    "export": gettext_lazy("exported the data"),
    "print": gettext_lazy("printed the data"),
    "report": gettext_lazy("included the data in a report"),
    "notify": gettext_lazy("sent the client a message (such as a reminder)"),
    "share": gettext_lazy("shared the data"),
    "denied": gettext_lazy("tried to look and was refused"),
}


def _what(entry) -> str:
    if entry.outcome == UseOutcome.DENIED:
        return str(WHAT["denied"])
    if entry.action in WHAT:
        return str(WHAT[entry.action])
    if entry.action in UseAction.values:
        return str(UseAction(entry.action).label)
    return entry.action.replace("_", " ")


# The purposes this app writes, shown to the client in their language.
OWN_PURPOSES = [
    (
        re.compile(r"^client's copy \((\w+)\), request #(\d+)$"),
        gettext_lazy("your request #%(pk)s: a copy of your data"),
    ),
    (
        re.compile(r"^client's access report, request #(\d+)$"),
        gettext_lazy("your request #%(pk)s: this report"),
    ),
    (re.compile(r"^client's request$"), gettext_lazy("your request")),
]


def _why(purpose: str) -> str:
    if not purpose:
        return _("no purpose was stated")
    for pattern, words in OWN_PURPOSES:
        found = pattern.match(purpose)
        if found:
            return str(words) % {"pk": found.groups()[-1]} if found.groups() else str(words)
    return purpose


def _client_entries(client):
    appointments = list(client.appointments.values_list("code", flat=True))
    services = [str(pk) for pk in client.services.values_list("pk", flat=True)]
    jobs = [str(pk) for pk in client.jobs.values_list("pk", flat=True)]
    where = Q(record_type="clients.client", record_id=str(client.pk)) | Q(record_code=client.code)
    if appointments:
        where |= Q(record_type="scheduling.appointment", record_id__in=appointments)
        where |= Q(record_code__in=appointments)
    if services:
        where |= Q(
            record_type__in=["delivery.service", "clients.servicerecord"], record_id__in=services
        )
    if jobs:
        where |= Q(record_type="dispatch.job", record_id__in=jobs)
    return UseLog.objects.filter(where).select_related("user").order_by("at", "seq")


def access_rows(client) -> list[dict]:
    """Who read this client's data, when and why, in plain words (oldest first)."""
    names: dict = {}

    def who(user, store_id):
        if user is None:
            return _("the system (automatic)")
        if user.pk not in names:
            names[user.pk] = person_name(user, client.store)
        return names[user.pk]

    rows = []
    for entry in _client_entries(client):
        rows.append(
            {
                "when": entry.at,
                "at": timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
                "who": who(entry.user, entry.store_id),
                "what": _what(entry),
                "why": _why(entry.purpose),
            }
        )
    for source in registry.access_sources():
        for line in source(client):
            at = line["at"]
            rows.append(
                {
                    "when": at,
                    "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
                    "who": str(line.get("who", "")),
                    "what": str(line.get("what", "")),
                    "why": str(line.get("why", "")),
                }
            )
    rows.sort(key=lambda r: r["when"])
    return rows
