"""The audit API other modules call, inside the same transaction as the change or read.

    operation_log(actor=..., action="update", instance=post, changes=diff(before, after, SENSITIVE))
    use_log(actor=..., action="view_health", instance=client, purpose="treatment", request=request)

Both write one row (one INSERT plus the chain step, see ``chain.append``). Sensitive values
never reach the logs: name them in ``sensitive`` (or in the model's ``audit_sensitive_fields``)
and they are recorded as ``{"changed": true}``.
"""

import datetime as dt
import functools
import ipaddress
import json
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import VIEW_ALERTS
from anxin.core.db import deletes_allowed

from . import chain
from .checks import MIN_RETENTION_DAYS  # six months, the legal minimum (AUD-2)
from .models import Alert, AlertState, ChainHead, OperationLog, UseLog, UseOutcome
from .rules import is_immediate, raise_immediate

PURGE_SWITCH = "audit_purge"
SENSITIVE_MARK = {"changed": True}
# Whether this request has logged a denied use already (reset per request by the middleware).
denial_logged: ContextVar[bool] = ContextVar("anxin_denial_logged", default=False)


class _Held:
    """Use entries held by ``uses_with_change``: the entries (unsaved), the transaction depth
    the block began at, whether a change's transaction took them, and whether it committed."""

    def __init__(self, depth: int):
        self.entries: list[UseLog] = []
        self.depth = depth
        self.joined: tuple[int, str] | None = None
        self.committed = False

    def commit(self) -> None:
        self.committed = True


_held: ContextVar[_Held | None] = ContextVar("anxin_held_uses", default=None)


def _depth() -> int:
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks)


@contextmanager
def uses_with_change():
    """Hold the use entries of the allowed reads made in this block, outside a transaction,
    and write them in the transaction of the first change the block records
    (``operation_log``): one write transaction instead of two. On SQLite every write
    transaction queues for the database's one writer, so a look-up followed by a sale (the
    checkout) waited twice. Entries no committed change took (the change failed, or the block
    made none) are written on their own when the block ends, error or not: a read is never
    lost because what followed it failed. Use it outside any transaction."""
    held = _Held(_depth())
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)
        if held.entries and not _committed(held):
            with transaction.atomic():
                for entry in held.entries:
                    entry.pk, entry._state.adding = None, True  # a rolled-back insert's id
                    _write_use(entry)


def _committed(held: _Held) -> bool:
    """Whether the transaction that took the held entries committed. Outside any transaction
    its commit said so; inside one (a test's), whether the entries are in the log (a
    rolled-back id may be given again; the MAC, which chains the entry, may not)."""
    if held.joined is None:
        return False
    if held.depth == 0:
        return held.committed
    pk, mac = held.joined
    return UseLog.objects.filter(pk=pk, mac=mac).exists()


def _take_held():
    """The held use entries the change being logged now writes in its transaction (appended
    with its entry: the chain heads are read once), if any."""
    held = _held.get()
    if held is None or held.joined is not None or not held.entries:
        return []
    entries = held.entries
    for entry in entries:
        entry.pk, entry._state.adding = None, True
    held.joined = (0, "")  # taken: set to the first entry once written

    def written():
        held.joined = (entries[0].pk, entries[0].mac)
        for entry in entries:
            _after_use(entry)
        if held.depth == 0:
            transaction.on_commit(held.commit)

    return [(chain.USE, entry) for entry in entries], written


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        if isinstance(o, bytes | bytearray | memoryview):
            raise TypeError("binary values are not logged; mark the field sensitive")
        return super().default(o)


def _jsonable(value):
    """What the value will read back as from a JSON column (dates and decimals become text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False))


def diff(before: dict, after: dict, sensitive: Iterable[str] = frozenset()) -> dict:
    """``{field: {"before": x, "after": y}}`` for each field whose value differs.

    A field missing on one side counts as ``None`` (creation, deletion). Sensitive fields
    appear only as ``{"changed": true}`` — never their values.
    """
    sensitive = set(sensitive)
    out = {}
    for name in sorted(set(before) | set(after), key=str):
        old, new = _jsonable(before.get(name)), _jsonable(after.get(name))
        if old == new:
            continue
        out[str(name)] = (
            dict(SENSITIVE_MARK) if name in sensitive else {"before": old, "after": new}
        )
    return out


def _mask(changes: dict, sensitive: set[str]) -> dict:
    return {
        str(name): (dict(SENSITIVE_MARK) if name in sensitive else _jsonable(value))
        for name, value in changes.items()
    }


@functools.cache
def sensitive_fields(model) -> frozenset[str]:
    """Fields never logged in clear: encrypted ones, and the model's ``audit_sensitive_fields``."""
    from anxin.crypto.fields import BlindIndexField, EncryptedTextField

    names = set(getattr(model, "audit_sensitive_fields", ()) or ())
    for f in model._meta.concrete_fields:
        if isinstance(f, EncryptedTextField | BlindIndexField):
            names.update({f.name, f.attname})
    return frozenset(names)


def client_ip(request) -> str:
    """REMOTE_ADDR; X-Forwarded-For only through ``ANXIN_TRUSTED_PROXIES`` trusted proxies.

    Also the address the log-in lockout counts by (``AXES_CLIENT_IP_CALLABLE``)."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.ANXIN_TRUSTED_PROXIES
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        # Each trusted proxy appends the address it saw; the client is the one before them.
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return ipaddress.ip_address(address.strip()).compressed
    except ValueError:
        return ""


def _who(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _describe(instance, record_type: str, record_id: str) -> tuple[str, str, str]:
    code = ""
    if instance is not None:
        record_type = record_type or instance._meta.label_lower
        record_id = record_id or ("" if instance.pk is None else str(instance.pk))
        code = str(getattr(instance, "code", "") or "")
    if not record_type:
        raise ValueError("an audit entry needs an instance or a record_type")
    return record_type, str(record_id), code


def _store(store, instance, request):
    if store is not None:
        return store
    if instance is not None:
        store_id = getattr(instance, "store_id", None)
        if store_id is not None:
            return store_id
    return getattr(request, "store", None) if request is not None else None


def _check_lengths(entry):
    for name in ("record_type", "record_id", "record_code", "action", "request_id"):
        limit = entry._meta.get_field(name).max_length
        if len(getattr(entry, name)) > limit:
            raise ValueError(f"audit {name} longer than {limit} characters")


def _set_store(entry, store):
    if isinstance(store, models.Model):
        entry.store = store
    else:
        entry.store_id = store


def operation_log(
    *,
    actor,
    action: str,
    instance=None,
    record_type: str = "",
    record_id: str = "",
    changes: dict | None = None,
    sensitive: Iterable[str] = frozenset(),
    reason: str = "",
    request=None,
    store=None,
) -> OperationLog:
    """Record one change (AUD-1). Call it in the transaction that makes the change.

    ``actor`` None means the system. ``instance`` gives the record type (``app.model``), id
    and code; ``changes`` is usually ``diff(before, after, sensitive)``.
    """
    if not action:
        raise ValueError("an audit entry needs an action")
    record_type, record_id, code = _describe(instance, record_type, record_id)
    hidden = set(sensitive) | (sensitive_fields(type(instance)) if instance is not None else set())
    entry = OperationLog(
        at=timezone.now(),
        operator=_who(actor),
        record_type=record_type,
        record_id=record_id,
        record_code=code,
        action=action,
        changes=_mask(changes or {}, hidden),
        reason=reason or "",
        ip=client_ip(request),
        request_id=str(getattr(request, "request_id", "") or ""),
    )
    _set_store(entry, _store(store, instance, request))
    _check_lengths(entry)
    pending = _together.get()
    if pending is not None:
        pending.append(entry)  # appended with the others at the end of ``operations_together``
        return entry
    _append_operations([entry])
    return entry


def _append_operations(entries: list[OperationLog]) -> None:
    # No savepoint: if the entry cannot be written, the change it records must not commit either.
    with transaction.atomic(savepoint=False):
        taken = _take_held()
        operations = [(chain.OPERATION, entry) for entry in entries]
        if taken:
            uses, written = taken
            chain.append_many([*uses, *operations])
            written()
        else:
            chain.append_many(operations)


_together: ContextVar[list | None] = ContextVar("anxin_operations_together", default=None)


@contextmanager
def operations_together():
    """Inside a transaction: the operation-log entries of the block's changes are appended at
    its end, together — the audit chain's heads read, locked and moved once, and held only from
    there to the commit (a sale logs its card's charge and the bill). If the block fails, none
    is written (the transaction rolls back its changes with them). Nested, the outer block
    appends them."""
    if _together.get() is not None:
        yield
        return
    if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        raise RuntimeError("operations_together is used inside the change's transaction")
    pending: list[OperationLog] = []
    token = _together.set(pending)
    try:
        yield
    finally:
        _together.reset(token)
    if pending:
        _append_operations(pending)


def use_log(
    *,
    actor,
    action: str,
    instance=None,
    record_type: str = "",
    record_id: str = "",
    purpose: str = "",
    outcome: str = UseOutcome.ALLOWED,
    request=None,
    store=None,
    count: int = 1,
) -> UseLog:
    """Record one read of important information (PRV-2), allowed or denied.

    Log a denied attempt outside any transaction that is about to roll back, or it is lost.
    Denied attempts and exports raise an alert as soon as the transaction commits (AUD-3).
    """
    if not action:
        raise ValueError("a use entry needs an action")
    if outcome not in UseOutcome.values:
        raise ValueError(f"outcome must be one of {UseOutcome.values}")
    if count < 0:
        raise ValueError("count cannot be negative")
    record_type, record_id, code = _describe(instance, record_type, record_id)
    entry = UseLog(
        at=timezone.now(),
        user=_who(actor),
        record_type=record_type,
        record_id=record_id,
        record_code=code,
        action=action,
        purpose=purpose or "",
        outcome=outcome,
        count=count,
        ip=client_ip(request),
        request_id=str(getattr(request, "request_id", "") or ""),
    )
    _set_store(entry, _store(store, instance, request))
    _check_lengths(entry)
    held = _held.get()
    if (
        held is not None
        and held.joined is None
        and outcome == UseOutcome.ALLOWED
        and _depth() == held.depth
    ):
        held.entries.append(entry)  # written with the block's change, or at its end
        return entry
    # No savepoint: if the entry cannot be written, the change it records must not commit either.
    with transaction.atomic(savepoint=False):
        _write_use(entry)
    return entry


def _write_use(entry: UseLog) -> None:
    chain.append(chain.USE, entry)
    _after_use(entry)


def _after_use(entry: UseLog) -> None:
    """What a written use entry sets going: a denial is noted for the request; a denial or an
    export raises its alert once the transaction commits (AUD-3)."""
    if entry.outcome == UseOutcome.DENIED:
        denial_logged.set(True)
    if is_immediate(entry):
        entry_id = entry.pk
        transaction.on_commit(lambda: raise_immediate(entry_id), robust=True)


# -- retention -------------------------------------------------------------------------------


def retention_days() -> int:
    days = settings.ANXIN_AUDIT_RETENTION_DAYS
    if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"ANXIN_AUDIT_RETENTION_DAYS is {days!r}: audit logs must be kept at least "
            f"{MIN_RETENTION_DAYS} days (six months, by law). Set a larger number of days."
        )
    return days


class PurgeRefused(Exception):
    """The logs do not verify: purging now could destroy the evidence of tampering."""


def purge(*, actor=None, now=None, dry_run: bool = False, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Delete log entries older than the retention period (AUD-2), as a prefix of each chain.

    Only entries older than ``ANXIN_AUDIT_RETENTION_DAYS`` (never under six months) go; the
    purge is recorded in the operation log with where each log now starts, and written to the
    checkpoint file, so ``verify`` still proves the rest. Returns ``{log: entries deleted}``.
    """
    days = retention_days()
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    if cutoff > now - dt.timedelta(days=MIN_RETENTION_DAYS):  # belt and braces
        raise ImproperlyConfigured("refusing to purge entries younger than six months")
    report = chain.verify(using=using, checkpoint=False)
    if not report.ok:
        raise PurgeRefused(f"the audit logs do not verify ({report.problems[0]}); nothing purged")
    deleted: dict[str, int] = {}
    starts: dict[str, tuple[int, str]] = {}
    with transaction.atomic(using=using):
        heads = chain._lock_heads(using)
        changes: dict = {}
        for name, model in chain.LOGS.items():
            head = heads[name]
            rows = model.objects.using(using)
            keep_from = rows.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True)
            first_kept = keep_from.first() or head.seq + 1  # everything is old: keep nothing
            doomed = rows.filter(seq__lt=first_kept)
            count = doomed.count()
            deleted[name] = count
            if not count or dry_run:
                continue
            prev_mac = rows.filter(seq=first_kept - 1).values_list("mac", flat=True).first()
            if prev_mac is None:
                raise PurgeRefused(f"{chain.LOG_NAMES[name]}: seq {first_kept - 1} is missing")
            changes[f"{name}_first_seq"] = {"before": head.start_seq, "after": first_kept}
            changes[f"{name}_prev_mac"] = {"before": head.start_prev_mac, "after": prev_mac}
            with deletes_allowed(PURGE_SWITCH, using=using), connections[using].cursor() as c:
                c.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE seq < %s",  # noqa: S608
                    [first_kept],
                )
            ChainHead.objects.using(using).filter(log=name).update(
                start_seq=first_kept, start_prev_mac=prev_mac
            )
            starts[name] = (first_kept, prev_mac)
        if changes:
            operation_log(
                actor=actor,
                action="purge",
                record_type=chain.PURGE_RECORD_TYPE,
                changes=changes,
                reason=(
                    f"retention {days} days: entries before {cutoff.isoformat()} "
                    f"({deleted[chain.OPERATION]} operation, {deleted[chain.USE]} use)"
                ),
            )

        def record_starts():
            for name, (seq, prev_mac) in starts.items():
                chain.write_start(name, seq, prev_mac, using=using)

        transaction.on_commit(record_starts, using=using, robust=True)
    return deleted


# -- alerts ----------------------------------------------------------------------------------


def _handle(*, actor, store, alert: Alert, state: str, note: str, request=None) -> Alert:
    if not actor.has_store_perm(VIEW_ALERTS, store) or alert.store_id not in (None, store.pk):
        raise PermissionDenied
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.state == AlertState.CLOSED:
            raise ValidationError(_("This alert is closed already."))
        if state == AlertState.CLOSED and not note.strip():
            raise ValidationError({"note": _("Say how the alert was resolved before closing it.")})
        before = {"state": alert.state, "note": alert.note}
        alert.state = state
        alert.note = note.strip() or alert.note
        alert.handled_by = actor
        alert.handled_at = timezone.now()
        alert.full_clean()
        alert.save()
        operation_log(
            actor=actor,
            action="acknowledge" if state == AlertState.ACKNOWLEDGED else "close",
            instance=alert,
            changes=diff(before, {"state": alert.state, "note": alert.note}),
            request=request,
            store=store,
        )
    return alert


def alert_acknowledge(*, actor, store, alert: Alert, note: str = "", request=None) -> Alert:
    """The supervisor has seen the alert and is looking into it."""
    return _handle(
        actor=actor, store=store, alert=alert, state=AlertState.ACKNOWLEDGED, note=note,
        request=request,
    )  # fmt: skip


def alert_close(*, actor, store, alert: Alert, note: str, request=None) -> Alert:
    """The alert is resolved; the note says how."""
    return _handle(
        actor=actor, store=store, alert=alert, state=AlertState.CLOSED, note=note, request=request
    )
