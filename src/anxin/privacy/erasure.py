"""Anonymising clients through every app's shredder: one function for the request desk, the
retention runs and the re-application after a restore (PRV-6, STO-6)."""

import logging

from django.db import transaction
from django.utils import timezone

from anxin.audit.services import operation_log

from . import ledger, registry
from .models import Erasure, ErasureOrigin

log = logging.getLogger(__name__)

# What the shredders need of a client (the name too: a hook may look for it in text).
FIELDS = ("pk", "code", "name", "store_id", "created_at")
BATCH = 500


def anonymise_clients(
    *, clients, actor, origin: str, request=None, run=None, reason: str = "", http_request=None
) -> int:
    """Anonymise the clients (already checked against legal holds by the caller); returns how
    many. Each gets an ``Erasure`` row, an operation-log entry and a ledger line, all in the
    transaction that erases them."""
    clients = [c for c in clients]
    done = 0
    for start in range(0, len(clients), BATCH):
        batch = clients[start : start + BATCH]
        with transaction.atomic():
            counts = registry.anonymise(batch)
            now = timezone.now()
            Erasure.objects.bulk_create(
                [
                    Erasure(
                        client_id=c.pk,
                        store_id=c.store_id,
                        at=now,
                        origin=origin,
                        actor=actor,
                        request=request,
                        run=run,
                    )
                    for c in batch
                ]
            )
            for client in batch:
                operation_log(
                    actor=actor,
                    action="anonymise",
                    instance=client,
                    changes={"anonymised": {"before": None, "after": origin}},
                    reason=reason or origin,
                    request=http_request,
                    store=client.store_id,
                )
            log.info("anonymised %d clients (%s): %s", len(batch), origin, counts)
            ledger.record(batch, origin=origin)
        done += len(batch)
    return done


def reapply(recovery=None) -> int:
    """After a restore: anonymise again every client of the ledger the database holds in clear.

    Matched by id, code and registration time, so a client who merely reuses an id (another
    database, a flushed test database) is never touched.
    """
    from anxin.clients.models import Client

    wanted = {}
    for entry in ledger.entries():
        wanted[entry["client"]] = entry
    if not wanted:
        return 0
    erased = set(
        Erasure.objects.filter(client_id__in=list(wanted)).values_list("client_id", flat=True)
    )
    todo = []
    for client in Client.objects.filter(pk__in=[pk for pk in wanted if pk not in erased]).only(
        *FIELDS
    ):
        entry = wanted[client.pk]
        if client.code == entry["code"] and ledger.stamp(client.created_at) == entry["registered"]:
            todo.append(client)
    if not todo:
        return 0
    done = anonymise_clients(
        clients=todo,
        actor=None,
        origin=ErasureOrigin.RESTORE,
        reason=f"re-applied after restore {getattr(recovery, 'backup_name', '')}".strip(),
    )
    log.warning("re-applied %d anonymisations after a restore", done)
    return done
