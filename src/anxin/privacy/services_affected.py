"""The clients an incident affected, from the records, never typed by hand (PRV-7): every
client an account read between two times (the use log), every client in a transfer or a
disclosure, every client an export covered.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.audit.models import UseLog, UseOutcome
from anxin.audit.services import operation_log
from anxin.clients.models import Client

from .models import (
    AffectedClient,
    AffectedSource,
    Disclosure,
    DisclosureClient,
    Incident,
    Transfer,
    TransferClient,
)
from .services_incidents import CLIENT_RECORD, require


def read_client_ids(*, account_id: int, start, end, store=None) -> list[int]:
    """The ids of every client this account read (allowed uses naming one client) in
    [start, end): from the use log through its (user, at) index."""
    qs = UseLog.objects.filter(
        user_id=account_id,
        at__gte=start,
        at__lt=end,
        record_type=CLIENT_RECORD,
        outcome=UseOutcome.ALLOWED,
    ).exclude(record_id="*")
    if store is not None:
        qs = qs.filter(store=store)
    ids = qs.order_by().values_list("record_id", flat=True).distinct()
    return sorted(int(pk) for pk in ids if pk.isdigit())


def bulk_reads(*, account_id: int, start, end, store=None) -> int:
    """How many uses in the window name no single client (lists, searches, store exports)."""
    qs = UseLog.objects.filter(
        user_id=account_id, at__gte=start, at__lt=end, record_type=CLIENT_RECORD, record_id="*",
        outcome=UseOutcome.ALLOWED,
    )  # fmt: skip
    if store is not None:
        qs = qs.filter(store=store)
    return qs.count()


def _add_affected(*, actor, store, incident, client_ids, source, evidence, request) -> int:
    if incident.store_id != store.pk:
        raise PermissionDenied
    ids = list(Client.objects.filter(store=store, pk__in=client_ids).values_list("pk", flat=True))
    with transaction.atomic():
        have = set(
            AffectedClient.objects.filter(incident=incident).values_list("client_id", flat=True)
        )
        new = [pk for pk in ids if pk not in have]
        AffectedClient.objects.bulk_create(
            [
                AffectedClient(
                    incident=incident,
                    client_id=pk,
                    source=source,
                    evidence=evidence[:200],
                    added_by=actor,
                )
                for pk in new
            ],
            batch_size=500,
        )
        operation_log(
            actor=actor,
            action="affected_add",
            instance=incident,
            changes={"affected": {"before": len(have), "after": len(have) + len(new)}},
            reason=evidence,
            request=request,
            store=store,
        )
    return len(new)


def affected_from_reads(
    *, actor, store, incident: Incident, account, start, end, request=None
) -> int:
    """Add every client ``account`` read between ``start`` and ``end`` (the use log)."""
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    if start is None or end is None or end <= start:
        raise ValidationError({"end": _("The end of the period must be after its start.")})
    ids = read_client_ids(account_id=account.pk, start=start, end=end, store=store)
    fmt = "%Y-%m-%d %H:%M"
    evidence = _("use log: read by %(who)s from %(start)s to %(end)s") % {
        "who": person_name(account, store),
        "start": timezone.localtime(start).strftime(fmt),
        "end": timezone.localtime(end).strftime(fmt),
    }
    return _add_affected(
        actor=actor, store=store, incident=incident, client_ids=ids,
        source=AffectedSource.READS, evidence=evidence, request=request,
    )  # fmt: skip


def affected_from_transfer(*, actor, store, incident, transfer: Transfer, request=None) -> int:
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    if transfer.store_id != store.pk:
        raise PermissionDenied
    ids = TransferClient.objects.filter(transfer=transfer).values_list("client_id", flat=True)
    return _add_affected(
        actor=actor, store=store, incident=incident, client_ids=list(ids),
        source=AffectedSource.TRANSFER,
        evidence=_("transfer %(n)s to %(partner)s") % {"n": transfer.pk, "partner": transfer.partner},
        request=request,
    )  # fmt: skip


def affected_from_disclosure(
    *, actor, store, incident, disclosure: Disclosure, request=None
) -> int:
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    if disclosure.store_id != store.pk:
        raise PermissionDenied
    ids = DisclosureClient.objects.filter(disclosure=disclosure).values_list("client_id", flat=True)
    return _add_affected(
        actor=actor, store=store, incident=incident, client_ids=list(ids),
        source=AffectedSource.DISCLOSURE,
        evidence=_("disclosure %(n)s") % {"n": disclosure.pk}, request=request,
    )  # fmt: skip


def affected_from_export(*, actor, store, incident, entry_seq: int, request=None) -> int:
    """Add every client an export covered: the export's use-log entry (by its number) names a
    store-wide export; the clients of the store registered by then are the ones it held."""
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    entry = UseLog.objects.filter(
        seq=entry_seq, store=store, action="export", record_type=CLIENT_RECORD,
        outcome=UseOutcome.ALLOWED,
    ).first()  # fmt: skip
    if entry is None:
        raise ValidationError(
            {"entry": _("No export of client data of this store has that log number.")}
        )
    if entry.record_id.isdigit():
        ids = [int(entry.record_id)]
    else:
        ids = list(
            Client.objects.filter(store=store, created_at__lte=entry.at).values_list(
                "pk", flat=True
            )
        )
    return _add_affected(
        actor=actor, store=store, incident=incident, client_ids=ids,
        source=AffectedSource.EXPORT,
        evidence=_("export, use log no. %(n)s") % {"n": entry.seq}, request=request,
    )  # fmt: skip
