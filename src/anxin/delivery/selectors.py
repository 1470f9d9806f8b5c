"""Every read of service records, feedback and follow-up tasks, with the acting user.

Scope (``accounts.policy``, record type ``delivery.service``): a practitioner sees the services
they gave; the front desk, the manager and finance those of the whole store. Out of scope reads
as "not found" (404) and is logged as a denied use; opening a record or a client's history is
logged as a use.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from anxin.accounts.permissions import MANAGE_FOLLOW_UPS
from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log
from anxin.clients.models import Client, ServiceRecord
from anxin.clients.selectors import scope as client_scope
from anxin.clients.selectors import scoped_clients, served_window

from .models import FollowUpTask, Suggestion, TaskState

RECORD = "delivery.service"
# A list shows the client's code and name: never load (and decrypt) their sensitive fields.
SENSITIVE = ("phone", "id_number", "address")
CLIENT_SENSITIVE = tuple(f"client__{name}" for name in SENSITIVE)
RECENT_DAYS = 14  # the practitioner's picker offers clients served in the last two weeks
PICKER_SIZE = 8  # the combobox's first suggestions: a short list, read before typing
RECENT_ROWS = 300  # the services looked at for them, newest first
PICKER_FIELDS = ("pk", "code", "name", "store_id")


def deny(*, actor, store, action: str, record_id: str = "*", request=None) -> None:
    """Log a refused attempt (outside any transaction) and refuse it."""
    use_log(
        actor=actor,
        action=action,
        record_type=RECORD,
        record_id=str(record_id),
        outcome="denied",
        request=request,
        store=store,
    )
    raise PermissionDenied


def scoped_services(*, actor, store, action: str = "view") -> QuerySet[ServiceRecord]:
    scope = scope_for(actor, store, RECORD, action)
    if scope is None:
        return ServiceRecord.objects.none()
    qs = ServiceRecord.objects.filter(store=store)
    if scope == Scope.SERVED:
        qs = qs.filter(practitioner=actor)
    return qs


# Newest first, paged by keyset through the (store, served_at) or (practitioner, served_at)
# index (the row id breaks ties): the last page costs what the first does.
SERVICE_ORDER = ("-served_at", "-pk")


# What a row of the list shows (``templatetags/service_rows.py``): the time, the client's name
# and code, the item's name, the practitioner's name, the amount and the score.
_NAME = ("username", "full_name", "first_name", "last_name", "staff_file__name", "staff_file__code")
LIST_FIELDS = (
    "served_at",
    "item_name",
    "amount",
    "client__code",
    "client__name",
    "feedback__score",
    *(f"practitioner__{field}" for field in _NAME),
)


def service_list(*, actor, store) -> QuerySet[ServiceRecord]:
    # Only the columns the rows show: nothing encrypted (the records' notes, the client's phone,
    # the staff files' pay and ID numbers) is read, so nothing is decrypted per row, and neither
    # the item nor the promotion is joined.
    return (
        scoped_services(actor=actor, store=store)
        .select_related("client", "practitioner__staff_file", "feedback")
        .only(*LIST_FIELDS)
        .order_by(*SERVICE_ORDER)
    )


def service_get(*, actor, store, pk, action: str = "view", request=None) -> ServiceRecord:
    record = (
        scoped_services(actor=actor, store=store, action=action)
        .select_related("client", "practitioner__staff_file", "item", "promotion")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=str(pk),
            outcome="denied",
            request=request,
            store=store,
        )
        raise Http404
    use_log(actor=actor, action=action, instance=record, request=request, store=store)
    return record


def service_history(*, actor, store, client: Client, request=None) -> list[ServiceRecord]:
    """The services this person may see for one client, newest first, with their feedback.

    For the client file (``delivery/_client_services.html``); the read is logged.
    """
    rows = list(
        scoped_services(actor=actor, store=store)
        .filter(client=client)
        .select_related("practitioner__staff_file", "item", "promotion", "feedback")
        .order_by("-served_at", "-pk")[:50]
    )
    use_log(
        actor=actor,
        action="view",
        record_type=RECORD,
        record_id=str(client.pk),
        purpose="service history",
        count=len(rows),
        request=request,
        store=store,
    )
    return rows


def recordable_clients(*, actor, store) -> list[Client]:
    """A practitioner's clients of the last two weeks, most recent first: the combobox's first
    suggestions on the service-record page. Others get none (they type a name, initials, a
    phone or the code).

    A walk down the (practitioner, served_at) index, newest first, that stops after a few
    hundred rows: the page costs the same however many clients and services the store has."""
    if scope_for(actor, store, RECORD, "create") != Scope.SERVED:
        return []
    # Clients this person served within the served window are in their client scope by
    # definition (a served or store-wide view): read them by id, without planning the whole
    # scope's union of sets again (30 ms of planning alone on PostgreSQL at a store's scale).
    window = min(dt.timedelta(days=RECENT_DAYS), served_window())
    recent = (
        ServiceRecord.objects.filter(
            practitioner=actor, served_at__gte=timezone.now() - window, store=store
        )
        .order_by("-served_at")
        .values_list("client_id", flat=True)[:RECENT_ROWS]
    )
    order = list(dict.fromkeys(recent))[:PICKER_SIZE]
    if client_scope(actor, store, "view") in (Scope.SERVED, Scope.STORE):
        found = Client.objects.filter(store=store, pk__in=order).only(*PICKER_FIELDS)
    else:
        found = scoped_clients(actor=actor, store=store).filter(pk__in=order).only(*PICKER_FIELDS)
    by_id = {client.pk: client for client in found}
    return [by_id[pk] for pk in order if pk in by_id]


def client_for_record(*, actor, store, client_id=None, code: str = "") -> Client | None:
    """The client a new record is for, if this person may record for them; else None."""
    scope = scope_for(actor, store, RECORD, "create")
    if scope is None:
        return None
    qs = scoped_clients(actor=actor, store=store)
    if scope == Scope.STORE:
        qs = Client.objects.filter(store=store)
    qs = qs.defer(*SENSITIVE)  # recording needs the code and name, never the sensitive fields
    if client_id:
        return qs.filter(pk=client_id).first()
    if code:
        return qs.filter(code=code.strip().upper()).first()
    return None


# -- follow-up -------------------------------------------------------------------------------


def can_manage_follow_ups(user, store) -> bool:
    return user.has_store_perm(MANAGE_FOLLOW_UPS, store)


def my_tasks(*, actor, store) -> QuerySet[FollowUpTask]:
    return (
        FollowUpTask.objects.filter(store=store, assignee=actor, state=TaskState.OPEN)
        .select_related("client", "service")
        .order_by("due_on", "pk")
    )


def overdue_tasks(*, actor, store, today: dt.date | None = None) -> QuerySet[FollowUpTask]:
    """Open tasks past their due date: the whole store for whoever manages follow-up, else own."""
    today = today or timezone.localdate()
    qs = FollowUpTask.objects.filter(store=store, state=TaskState.OPEN, due_on__lt=today)
    if not can_manage_follow_ups(actor, store):
        qs = qs.filter(assignee=actor)
    return qs.select_related("client", "assignee__staff_file").order_by("due_on", "pk")


def task_get(*, actor, store, pk, request=None) -> FollowUpTask:
    qs = FollowUpTask.objects.filter(store=store).select_related(
        "client", "assignee__staff_file", "service"
    )
    if not can_manage_follow_ups(actor, store):
        qs = qs.filter(assignee=actor)
    task = qs.filter(pk=pk).first()
    if task is None:
        use_log(
            actor=actor,
            action="view",
            record_type="delivery.followuptask",
            record_id=str(pk),
            outcome="denied",
            request=request,
            store=store,
        )
        raise Http404
    use_log(actor=actor, action="view", instance=task, request=request, store=store)
    return task


def suggestion_list(*, actor, store) -> QuerySet[Suggestion]:
    if not can_manage_follow_ups(actor, store):
        return Suggestion.objects.none()
    return Suggestion.objects.filter(store=store).select_related("department")


def suggestion_get(*, actor, store, pk) -> Suggestion:
    suggestion = suggestion_list(actor=actor, store=store).filter(pk=pk).first()
    if suggestion is None:
        raise Http404
    return suggestion


def works_in_store(user, store) -> bool:
    from anxin.catalogue.selectors import works_in

    return works_in(user, store)
