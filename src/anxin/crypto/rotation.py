"""Key rotation: a new data key, and every encrypted value and blind index moved onto it.

``rotate()`` (``anxin keys rotate``) works in phases:

1. **Start.** A new data key becomes active and the old active key *retiring*. If an earlier
   rotation did not finish (a key is still retiring), it is resumed instead: the target stays
   the active key, so rows already moved are not moved again (``force_new_key`` overrides).
2. **Rewrite.** Every model with encrypted fields (found through the app registry) is walked
   in primary-key order, ``batch_size`` rows per transaction. Only rows with a value under
   another key are read (the token's first 8 characters name its key); each is decrypted,
   re-encrypted under the target key, and its blind indexes recomputed under the target
   generation, in the same UPDATE. The rows of a batch are locked for that short transaction
   only (``SELECT ... FOR UPDATE`` on PostgreSQL, SQLite's write lock): readers are never
   blocked, writers wait one batch at most. An interrupted run loses at most one batch of
   work and is resumed by running it again.
3. **Settle.** Other processes re-read which key is active at most every
   ``ANXIN_CRYPTO_KEY_REFRESH_SECONDS``; rotation waits that long after the key became active.
4. **Final pass.** The rewrite again, for values written meanwhile under the old key, and a
   check of every blind index, fixing any computed under the old generation.
5. **Retire.** A retiring key is marked retired only when a scan of every encrypted column
   finds no value naming it. It stays stored: backups made before the rotation still decrypt.

A value that fails its integrity check cannot be re-encrypted: it is reported (model, primary
key, field) and left as it is (the row's other values still move), and its key stays retiring
until someone restores the value and runs the rotation again.

Out of scope: replacing the master key itself (it only wraps data keys; re-wrapping them is
a later, separate command).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from anxin.crypto import cipher, keyring
from anxin.crypto.exceptions import DecryptionError
from anxin.crypto.fields import BlindIndexField, EncryptedTextField
from anxin.crypto.models import DataKey, KeyState

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

Progress = Callable[[str, str, int, int], None]  # (pass, model label, rows done, rows to do)


@dataclass(frozen=True)
class EncryptedTable:
    """One table with encrypted columns, and the blind indexes computed from them."""

    label: str
    table: str
    pk_column: str
    encrypted: tuple[EncryptedTextField, ...]
    indexes: tuple[BlindIndexField, ...]


def encrypted_tables() -> list[EncryptedTable]:
    """Every existing table with a field that is an ``EncryptedTextField`` (or subclass)."""
    existing = set(connection.introspection.table_names())
    found: dict[str, EncryptedTable] = {}
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or opts.db_table not in existing or opts.db_table in found:
            continue
        local = opts.local_concrete_fields
        encrypted = tuple(f for f in local if isinstance(f, EncryptedTextField))
        if encrypted:
            found[opts.db_table] = EncryptedTable(
                label=opts.label,
                table=opts.db_table,
                pk_column=opts.pk.column,
                encrypted=encrypted,
                indexes=tuple(f for f in local if isinstance(f, BlindIndexField)),
            )
    return sorted(found.values(), key=lambda t: t.label)


@dataclass
class RotationReport:
    key_id: int
    resumed: bool
    rewritten: dict[str, int] = field(default_factory=dict)  # model label -> rows written
    problems: list[str] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)
    still_retiring: dict[int, int] = field(default_factory=dict)  # key id -> values using it


def rotate(
    *,
    force_new_key: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    settle: bool = True,
    started: tuple[int, bool] | None = None,
    notify: Callable[[str], None] | None = None,
) -> RotationReport:
    """Rotate the data key (or resume an unfinished rotation); see the module docstring.

    ``started``: what ``start_rotation()`` returned, if the caller has already started it.
    ``notify``: told, in words, what the rotation is waiting for.
    """
    key_id, resumed = started or start_rotation(force_new_key=force_new_key)
    report = RotationReport(key_id=key_id, resumed=resumed)
    tables = encrypted_tables()
    for table in tables:
        done = rewrite_table(table, key_id, batch_size=batch_size, progress=progress)
        report.rewritten[table.label] = done.written
        report.problems += done.problems
    if settle and DataKey.objects.filter(state=KeyState.RETIRING).exists():
        wait_for_other_processes(key_id, notify=notify)
    report.problems.clear()  # the final pass sees every problem again
    for table in tables:
        done = rewrite_table(
            table, key_id, batch_size=batch_size, progress=progress, check_indexes=True
        )
        report.rewritten[table.label] += done.written
        report.problems += done.problems
    report.retired, report.still_retiring = retire_unused_keys()
    logger.info(
        "data key rotation to %s: %s rows rewritten, %s problems, retired %s",
        key_id,
        sum(report.rewritten.values()),
        len(report.problems),
        report.retired,
    )
    return report


def start_rotation(*, force_new_key: bool = False) -> tuple[int, bool]:
    """The target key: a new active one, or the active one of an unfinished rotation."""
    ring = keyring.current()
    unfinished = DataKey.objects.filter(state=KeyState.RETIRING).exists()
    active = DataKey.objects.filter(state=KeyState.ACTIVE).values_list("pk", flat=True).first()
    if unfinished and active is not None and not force_new_key:
        return active, True
    with transaction.atomic():
        key_id = ring.new_data_key(retire_active=True)
    return key_id, False


def wait_for_other_processes(
    key_id: int,
    sleep: Callable[[float], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> None:
    """Wait until every process has re-read which key is active (see ``keyring``)."""
    activated = DataKey.objects.values_list("created_at", flat=True).get(pk=key_id)
    remaining = keyring.refresh_seconds() - (timezone.now() - activated).total_seconds()
    if remaining > 0:
        if notify:
            notify(f"Waiting {remaining:.0f} s for running processes to switch to the new key.")
        (sleep or time.sleep)(remaining)


@dataclass
class PassResult:
    examined: int = 0
    written: int = 0
    problems: list[str] = field(default_factory=list)


def rewrite_table(
    table: EncryptedTable,
    key_id: int,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    check_indexes: bool = False,
) -> PassResult:
    """Move one table's values under ``key_id``; with ``check_indexes``, check every row."""
    qn = connection.ops.quote_name
    pk = qn(table.pk_column)
    enc = [qn(f.column) for f in table.encrypted]
    idx = [qn(f.column) for f in table.indexes]
    prefix = cipher.token_prefix(key_id)
    if check_indexes and table.indexes:
        where, where_params = "1 = 1", []
    else:
        where = " OR ".join(
            f"({c} IS NOT NULL AND {c} <> '' AND SUBSTR({c}, 1, 8) <> %s)" for c in enc
        )
        where_params = [prefix] * len(enc)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    # Names come from the models' metadata, quoted by the backend; values are parameters.
    columns = ", ".join([pk, *enc, *idx])
    count_sql = f"SELECT COUNT(*) FROM {qn(table.table)} WHERE ({where})"  # noqa: S608
    first_sql = (
        f"SELECT {columns} FROM {qn(table.table)} WHERE ({where}) "  # noqa: S608
        f"ORDER BY {pk} LIMIT %s{lock}"
    )
    next_sql = (
        f"SELECT {columns} FROM {qn(table.table)} WHERE {pk} > %s AND ({where}) "  # noqa: S608
        f"ORDER BY {pk} LIMIT %s{lock}"
    )
    update_sql = (
        f"UPDATE {qn(table.table)} SET "  # noqa: S608
        + ", ".join(f"{c} = %s" for c in [*enc, *idx])
        + f" WHERE {pk} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(count_sql, where_params)
        total = cursor.fetchone()[0]
    result = PassResult()
    phase = "check" if check_indexes else "rewrite"
    if progress:
        progress(phase, table.label, 0, total)
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(first_sql, [*where_params, batch_size])
            else:
                cursor.execute(next_sql, [last, *where_params, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            updates = []
            for row in rows:
                new_row = _rewrite_row(table, key_id, row, result.problems)
                if new_row is not None:
                    updates.append(new_row)
            if updates:
                cursor.executemany(update_sql, updates)
        last = rows[-1][0]
        result.examined += len(rows)
        result.written += len(updates)
        if progress:
            progress(phase, table.label, min(result.examined, total), total)
    return result


def _rewrite_row(table: EncryptedTable, key_id: int, row, problems: list[str]) -> list | None:
    """The row's new column values and primary key, or None if it needs no change."""
    pk, tokens, stored_indexes = (
        row[0],
        row[1 : 1 + len(table.encrypted)],
        row[1 + len(table.encrypted) :],
    )
    prefix = cipher.token_prefix(key_id)
    sources = {f.source for f in table.indexes}
    new_tokens, plaintexts, changed = [], {}, False
    for f, token in zip(table.encrypted, tokens, strict=True):
        if token is None or token == "":
            new_tokens.append(token)
            plaintexts[f.name] = token
            continue
        current = token.startswith(prefix)
        if current and f.name not in sources:
            new_tokens.append(token)  # nothing to do with it: not even decrypted
            continue
        try:
            text = cipher.decrypt(token, context=f.context)
        except DecryptionError as exc:
            # Left as it is (its key stays retiring); the row's other values still move.
            problems.append(f"{table.label} pk={pk} {f.name}: {exc.reason}")
            new_tokens.append(token)
            continue
        plaintexts[f.name] = text
        if current:
            new_tokens.append(token)
        else:
            new_tokens.append(cipher.encrypt(text, context=f.context, key_id=key_id))
            changed = True
    new_indexes = []
    for f, stored in zip(table.indexes, stored_indexes, strict=True):
        if f.source not in plaintexts:  # its source is damaged: nothing to compute it from
            new_indexes.append(stored)
            continue
        value = f.index_for(plaintexts[f.source], generation=key_id)
        changed = changed or value != stored
        new_indexes.append(value)
    return [*new_tokens, *new_indexes, pk] if changed else None


def key_usage() -> dict[int | None, int]:
    """How many stored values name each data key (None: values that are not tokens)."""
    qn = connection.ops.quote_name
    usage: dict[int | None, int] = {}
    with connection.cursor() as cursor:
        for table in encrypted_tables():
            for f in table.encrypted:
                c = qn(f.column)
                cursor.execute(
                    f"SELECT SUBSTR({c}, 1, 8), COUNT(*) FROM {qn(table.table)} "  # noqa: S608
                    f"WHERE {c} IS NOT NULL AND {c} <> '' GROUP BY SUBSTR({c}, 1, 8)"
                )
                for prefix, count in cursor.fetchall():
                    key_id = cipher.key_id_of(prefix)
                    usage[key_id] = usage.get(key_id, 0) + count
    return usage


def retire_unused_keys() -> tuple[list[int], dict[int, int]]:
    """Retire each retiring key no value names; return (retired, {still retiring: uses})."""
    usage = key_usage()
    retired, still = [], {}
    for key_id in DataKey.objects.filter(state=KeyState.RETIRING).values_list("pk", flat=True):
        if usage.get(key_id, 0):
            still[key_id] = usage[key_id]
            continue
        DataKey.objects.filter(pk=key_id, state=KeyState.RETIRING).update(
            state=KeyState.RETIRED, retired_at=timezone.now()
        )
        retired.append(key_id)
    return retired, still
