"""Tamper evidence (AUD-2): a keyed HMAC-SHA256 chain over each log, checkpoints outside the DB.

Each entry's ``mac`` is HMAC(key, previous mac || canonical form of the entry). The key is
outside the database (``ANXIN_AUDIT_KEY`` or ``DATA_DIR/audit.key``), so someone who can
write to the database can neither forge an entry nor re-chain the log after an edit.
Deleting entries at the end leaves a valid but shorter chain: the checkpoints — (log, seq,
mac) lines appended and fsync'd to a file outside the database — catch that.
"""

import functools
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from anxin.core.prepared import insert

from .models import AppendOnlyError, ChainHead, OperationLog, UseLog

log = logging.getLogger(__name__)

GENESIS = "0" * 64
OPERATION, USE = "operation", "use"
LOGS = {OPERATION: OperationLog, USE: UseLog}
LOG_NAMES = {OPERATION: "operation log", USE: "use log"}
# The operation-log entry of a purge names, per log, where the kept part starts.
PURGE_RECORD_TYPE = "audit.log"

# The fields each MAC covers, in order; together with the log's name and the previous MAC.
FIELDS = {
    OPERATION: [
        "seq",
        "at",
        "operator_id",
        "store_id",
        "record_type",
        "record_id",
        "record_code",
        "action",
        "changes",
        "reason",
        "ip",
        "request_id",
    ],
    USE: [
        "seq",
        "at",
        "user_id",
        "store_id",
        "record_type",
        "record_id",
        "record_code",
        "action",
        "purpose",
        "outcome",
        "count",
        "ip",
        "request_id",
    ],
}


def _key() -> bytes:
    key = settings.ANXIN_AUDIT_KEY
    if not key:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("ANXIN_AUDIT_KEY is empty: the audit logs cannot be chained.")
    return key.encode() if isinstance(key, str) else bytes(key)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def canonical(log_name: str, values: dict) -> bytes:
    """The bytes a MAC covers: the log's name and the fields in a fixed, sorted JSON form."""
    data = {"log": log_name}
    for name in FIELDS[log_name]:
        value = values[name]
        data[name] = _stamp(value) if isinstance(value, datetime) else value
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_mac(log_name: str, prev_mac: str, values: dict, key: bytes | None = None) -> str:
    message = prev_mac.encode() + b"\n" + canonical(log_name, values)
    return hmac.new(key or _key(), message, hashlib.sha256).hexdigest()


# -- appending -------------------------------------------------------------------------------


def _lock_heads(using: str) -> dict[str, ChainHead]:
    """Lock both heads, always in the same order (no deadlock when a transaction writes both).

    A missing head (a new or flushed database) starts from the log's last entry, if any.
    """
    heads = {h.log: h for h in ChainHead.objects.using(using).select_for_update().order_by("log")}
    if len(heads) < len(LOGS):
        missing = []
        for name, model in LOGS.items():
            if name in heads:
                continue
            last = model.objects.using(using).order_by("-seq").values("seq", "mac").first()
            seq, mac = (last["seq"], last["mac"]) if last else (0, GENESIS)
            missing.append(
                ChainHead(log=name, seq=seq, mac=mac, start_seq=1, start_prev_mac=GENESIS)
            )
        ChainHead.objects.using(using).bulk_create(missing, ignore_conflicts=True)
        heads = {
            h.log: h for h in ChainHead.objects.using(using).select_for_update().order_by("log")
        }
    return heads


def _head_sql(conn) -> tuple[str, str]:
    """The two statements of each append, as plain SQL: the ORM costs more than they do."""
    table = conn.ops.quote_name(ChainHead._meta.db_table)
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""  # SQLite: BEGIN IMMEDIATE
    return (
        f"SELECT log, seq, mac FROM {table} ORDER BY log{lock}",  # noqa: S608 - our table name
        f"UPDATE {table} SET seq = %s, mac = %s WHERE log = %s",  # noqa: S608 - our table name
    )


def append(log_name: str, entry) -> None:
    """Give ``entry`` (unsaved) the next seq and its MAC, then INSERT it. Call inside atomic.

    Both heads are locked, always in the same order, so that transactions writing both logs
    cannot deadlock; the head moves in the same transaction as the entry.
    """
    append_many([(log_name, entry)])


def append_many(pairs) -> None:
    """``append`` for several ``(log name, entry)`` pairs in order, reading the heads once and
    moving each head once."""
    pairs = list(pairs)
    using = pairs[0][1]._state.db or "default"
    conn = connections[using]
    if not conn.in_atomic_block:
        raise RuntimeError("audit entries are appended inside a transaction")
    select, update = _head_sql(conn)
    with conn.cursor() as cursor:
        cursor.execute(select)
        heads = {name: (seq, mac) for name, seq, mac in cursor.fetchall()}
    if len(heads) < len(LOGS):
        heads = {name: (h.seq, h.mac) for name, h in _lock_heads(using).items()}
    moved = {}
    every = settings.ANXIN_AUDIT_CHECKPOINT_EVERY
    rows: dict[str, list] = {}
    for log_name, entry in pairs:
        if not entry._state.adding:
            raise AppendOnlyError(f"{entry._meta.label} is append-only")
        seq, prev_mac = heads[log_name]
        entry.seq = seq + 1
        values = {name: getattr(entry, name) for name in FIELDS[log_name]}
        entry.mac = compute_mac(log_name, prev_mac, values)
        rows.setdefault(log_name, []).append(entry)
        heads[log_name] = moved[log_name] = (entry.seq, entry.mac)
        if every and entry.seq % every == 0:
            # After commit only: a rolled-back entry must never become a checkpoint.
            transaction.on_commit(
                functools.partial(write_checkpoint, log_name, entry.seq, entry.mac, using=using),
                using=using,
                robust=True,
            )
    for entries in rows.values():  # one INSERT per log, in the order of its sequence
        insert(entries, using=using)
    with conn.cursor() as cursor:
        for log_name, (seq, mac) in moved.items():
            cursor.execute(update, [seq, mac, log_name])


# -- checkpoints -----------------------------------------------------------------------------


def database_identity(using: str = "default") -> str:
    """Which database a checkpoint is about (several may share one data directory)."""
    conn = connections[using]
    return f"{conn.vendor}:{Path(str(conn.settings_dict['NAME'])).name}"


def _line_mac(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "cmac"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), b"checkpoint\n" + text.encode(), hashlib.sha256).hexdigest()


def _append_line(record: dict) -> None:
    record["cmac"] = _line_mac(record)
    path = Path(settings.ANXIN_AUDIT_CHECKPOINT_FILE)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(log_name: str, seq: int, mac: str, *, using: str = "default") -> None:
    _append_line(
        {
            "kind": "checkpoint",
            "db": database_identity(using),
            "log": log_name,
            "seq": seq,
            "mac": mac,
            "at": _stamp(timezone.now()),
        }
    )


def write_start(log_name: str, seq: int, prev_mac: str, *, using: str = "default") -> None:
    """After a purge: the kept part of the log starts at ``seq``, chained to ``prev_mac``."""
    _append_line(
        {
            "kind": "start",
            "db": database_identity(using),
            "log": log_name,
            "seq": seq,
            "prev_mac": prev_mac,
            "at": _stamp(timezone.now()),
        }
    )


def write_reset(*, using: str = "default") -> None:
    """``flush`` emptied the database: earlier checkpoints of it no longer apply."""
    _append_line({"kind": "reset", "db": database_identity(using), "at": _stamp(timezone.now())})


def read_checkpoints(using: str = "default") -> tuple[list[dict], list[str]]:
    """This database's authentic records since its last reset, and the problems found."""
    path = Path(settings.ANXIN_AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return [], []
    db = database_identity(using)
    records: list[dict] = []
    problems: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                cmac = record["cmac"]
            except (ValueError, KeyError, TypeError):
                problems.append(f"checkpoint file {path} line {number}: not a checkpoint record")
                continue
            if not hmac.compare_digest(str(cmac), _line_mac(record)):
                problems.append(
                    f"checkpoint file {path} line {number}: not authentic "
                    "(edited, or written with another audit key)"
                )
                continue
            if record.get("db") != db:
                continue
            if record.get("kind") == "reset":
                records = []
            else:
                records.append(record)
    return records, problems


# -- verification ----------------------------------------------------------------------------


@dataclass
class Problem:
    log: str
    seq: int | None
    id: int | None
    what: str

    def __str__(self):
        where = LOG_NAMES.get(self.log, self.log)
        if self.seq is not None:
            where += f" entry seq {self.seq}"
        if self.id is not None:
            where += f" (id {self.id})"
        return f"{where}: {self.what}"


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"OK: operation log {self.counts.get(OPERATION, 0)} entries, "
            f"use log {self.counts.get(USE, 0)} entries"
        )


def _starts(records: list[dict], using: str) -> dict[str, tuple[int, str, str]]:
    """Where each log must start: genesis, or the latest purge (checkpoint file or op log)."""
    starts = {name: (1, GENESIS, "") for name in LOGS}
    for r in records:
        if r.get("kind") == "start" and r["log"] in starts and r["seq"] > starts[r["log"]][0]:
            starts[r["log"]] = (int(r["seq"]), str(r["prev_mac"]), "checkpoint file")
    purges = (
        OperationLog.objects.using(using)
        .filter(record_type=PURGE_RECORD_TYPE, action="purge")
        .values_list("seq", "changes")
    )
    for seq, changes in purges:
        for name in LOGS:
            first = (changes or {}).get(f"{name}_first_seq", {}).get("after")
            prev = (changes or {}).get(f"{name}_prev_mac", {}).get("after")
            if isinstance(first, int) and isinstance(prev, str) and first > starts[name][0]:
                starts[name] = (first, prev, f"purge recorded at operation log seq {seq}")
    return starts


def verify(*, using: str = "default", checkpoint: bool = True) -> Report:
    """Recompute both chains and compare them with the checkpoints. Read-only on the database.

    When everything holds and ``checkpoint`` is set, the current heads become new checkpoints.
    """
    key = _key()
    report = Report()
    records, file_problems = read_checkpoints(using)
    starts = _starts(records, using)
    heads = {h.log: h for h in ChainHead.objects.using(using).all()}
    for name, model in LOGS.items():
        report.problems.extend(
            _verify_log(name, model, key, starts[name], heads.get(name), records, report, using)
        )
    report.problems.extend(Problem("checkpoints", None, None, p) for p in file_problems)
    if report.ok and checkpoint:
        for name, (seq, mac) in report.heads.items():
            if seq:
                write_checkpoint(name, seq, mac, using=using)
    return report


def _verify_log(name, model, key, start, head, records, report, using) -> list[Problem]:
    problems: list[Problem] = []
    start_seq, prev_mac, start_source = start
    limit = head.seq if head is not None else None
    rows = model.objects.using(using).order_by("seq")
    if limit is not None:
        rows = rows.filter(seq__lte=limit)  # entries appended while we verify are for next time
    columns = ["id", "mac", *FIELDS[name]]
    expected, count, last_seq, last_mac = start_seq, 0, start_seq - 1, prev_mac
    seen: dict[int, str] = {}
    wanted = {int(r["seq"]) for r in records if r.get("kind") == "checkpoint" and r["log"] == name}
    for values in rows.values(*columns).iterator(chunk_size=2000):
        count += 1
        seq = values["seq"]
        if count == 1 and seq != start_seq:
            if seq > start_seq:
                what = (
                    f"the log starts at seq {seq} but must start at seq {start_seq}: "
                    "entries were deleted from its beginning"
                )
            else:
                what = (
                    f"the log starts at seq {seq} but entries before seq {start_seq} were purged "
                    f"({start_source}): they are back, or the purge record is wrong"
                )
            problems.append(Problem(name, seq, values["id"], what))
        elif seq != expected:
            problems.append(
                Problem(
                    name,
                    seq,
                    values["id"],
                    f"seq {expected} is missing before it: entries were deleted or renumbered",
                )
            )
        elif not hmac.compare_digest(values["mac"], compute_mac(name, last_mac, values, key)):
            problems.append(
                Problem(
                    name,
                    seq,
                    values["id"],
                    "the MAC does not match the entry: it was edited, inserted or moved "
                    "(or the audit key is not the one the log was written with)",
                )
            )
        if seq in wanted:
            seen[seq] = values["mac"]
        expected, last_seq, last_mac = seq + 1, seq, values["mac"]
    report.counts[name] = count
    report.heads[name] = (last_seq, last_mac)
    if head is not None and (head.seq, head.mac) != (last_seq, last_mac):
        problems.append(
            Problem(
                name,
                last_seq or None,
                None,
                f"the chain head says the log ends at seq {head.seq}, but it ends at seq "
                f"{last_seq}: entries were deleted from its end, or the head was altered",
            )
        )
    for r in records:
        if r.get("kind") != "checkpoint" or r["log"] != name or r["seq"] < start_seq:
            continue
        seq = int(r["seq"])
        if seq > last_seq:
            problems.append(
                Problem(
                    name,
                    seq,
                    None,
                    f"a checkpoint of {r['at']} records seq {seq}, but the log ends at seq "
                    f"{last_seq}: entries were deleted from its end",
                )
            )
        elif seq in seen and not hmac.compare_digest(seen[seq], str(r["mac"])):
            problems.append(
                Problem(
                    name,
                    seq,
                    None,
                    f"differs from the checkpoint of {r['at']}: the entry was replaced",
                )
            )
        elif seq not in seen and seq >= start_seq:
            problems.append(
                Problem(name, seq, None, f"the entry of the checkpoint of {r['at']} is missing")
            )
    return problems
