"""The database side of backups: a consistent dump, a restore into a new database, its checks.

SQLite: the online backup API copies the live (WAL) database page by page under a read
transaction, so the copy is consistent while the system keeps working. PostgreSQL: ``pg_dump
--format=custom`` under a snapshot exported by a REPEATABLE READ transaction, in which the row
counts of the manifest are taken too: counts and dump describe the same instant.

A restore never writes into the live database until the restored copy has passed every check
(integrity, row counts against the manifest, the audit chains, decryption of a sample of the
encrypted fields). The switch-over is then one step: SQLite — the live database is first copied
aside (``<name>.before-restore-<time>``), then the checked copy is written into it with the
backup API in a single write transaction (other processes' connections stay valid and see the
restored data; a crash mid-way rolls back); PostgreSQL — the checked copy is a new database,
and the live one and the copy swap names in one transaction (the old one is kept aside).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import glob
import os
import secrets
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend

SQLITE_PART = "database.sqlite3"
PG_PART = "database.pgdump"
SAMPLE_PER_FIELD = 5


class RestoreRefused(Exception):
    """The restored copy failed a check; nothing live was touched."""


def vendor(using: str = "default") -> str:
    return connections[using].vendor


def live_settings(using: str = "default") -> dict:
    return connections[using].settings_dict


# -- SQLite ----------------------------------------------------------------------------------


def sqlite_dump(target: Path, using: str = "default", *, count: bool = True) -> dict | None:
    """Copy the live SQLite database to ``target`` (online backup API); facts for the manifest
    (with ``count=False`` none: ``sqlite_facts(target)`` takes them from the copy later)."""
    source = sqlite3.connect(live_settings(using)["NAME"], timeout=60)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            facts = _sqlite_facts(copy) if count else None
        finally:
            copy.close()
    finally:
        source.close()
    return facts


def sqlite_facts(path: Path) -> dict:
    """Row counts and migrations of a copy made by ``sqlite_dump`` (opened read-only)."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return _sqlite_facts(conn)
    finally:
        conn.close()


def _sqlite_facts(conn: sqlite3.Connection) -> dict:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
    return {"row_counts": counts, "migrations": _migrations(conn.execute)}


def _migrations(execute) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    try:
        rows = execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        rows = rows.fetchall() if hasattr(rows, "fetchall") else rows
    except (sqlite3.Error, Exception):  # an empty database has no migration table
        return out
    for app, name in rows:
        out.setdefault(app, []).append(name)
    return out


# -- PostgreSQL ------------------------------------------------------------------------------


def pg_program(name: str) -> str:
    configured = settings.ANXIN_PG_BIN
    if configured:
        return str(Path(configured) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise RestoreRefused(
        f"{name} is not installed: install the PostgreSQL client programs, or set ANXIN_PG_BIN "
        "to the directory that holds them"
    )


def _pg_params(db_settings: dict, dbname: str | None = None) -> dict:
    params = {
        "dbname": dbname or db_settings["NAME"],
        "user": db_settings.get("USER") or None,
        "password": db_settings.get("PASSWORD") or None,
        "host": db_settings.get("HOST") or None,
        "port": str(db_settings.get("PORT") or "") or None,
    }
    return {k: v for k, v in params.items() if v is not None}


def _pg_env(db_settings: dict, dbname: str | None = None) -> dict:
    params = _pg_params(db_settings, dbname)
    env = {**os.environ}
    for key, var in [
        ("dbname", "PGDATABASE"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("host", "PGHOST"),
        ("port", "PGPORT"),
    ]:
        if key in params:
            env[var] = params[key]
    return env


def _pg_connect(db_settings: dict, dbname: str | None = None, **kwargs):
    import psycopg

    return psycopg.connect(**_pg_params(db_settings, dbname), **kwargs)


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RestoreRefused(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-800:]}")


def pg_dump(target: Path, using: str = "default") -> dict:
    """``pg_dump --format=custom`` under an exported snapshot, counting rows in the same one."""
    import psycopg

    db = live_settings(using)
    with _pg_connect(db) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            facts = _pg_facts(conn)
            _run(
                [
                    pg_program("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                _pg_env(db),
            )
    return facts


def _pg_facts(conn) -> dict:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    ]
    counts = {
        t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
        for t in tables
    }
    return {"row_counts": counts, "migrations": _migrations(conn.execute)}


# -- a restored copy as a Django database alias ----------------------------------------------


@contextlib.contextmanager
def alias_for(name: str, using: str = "default") -> Iterator[str]:
    """A temporary database alias, like ``using`` but for the database ``name``."""
    alias = f"backup_scratch_{secrets.token_hex(4)}"
    config = {**live_settings(using), "NAME": str(name), "CONN_MAX_AGE": 0}
    # Registered for this thread only, not in the settings: a dynamic connection.
    connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    try:
        yield alias
    finally:
        with contextlib.suppress(Exception):
            connections[alias].close()
        with contextlib.suppress(Exception):
            del connections[alias]


def scratch_database(part: Path, kind: str, using: str = "default") -> str:
    """Turn the extracted dump into a database of its own; returns its NAME."""
    if kind == "sqlite":
        return str(part)
    db = live_settings(using)
    name = f"{db['NAME'][:40]}_r{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(2)}"
    with _pg_connect(db, "postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        _run(
            [
                pg_program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={name}",
                str(part),
            ],
            _pg_env(db, name),
        )
    except BaseException:
        drop_database(name, using)
        raise
    return name


def drop_database(name: str, using: str = "default") -> None:
    db = live_settings(using)
    with _pg_connect(db, "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- checks ----------------------------------------------------------------------------------


def check_copy(alias: str, manifest: dict) -> dict:
    """Every check of a restored copy; raises ``RestoreRefused`` with the first failure."""
    checks: dict = {}
    conn = connections[alias]
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            result = [r[0] for r in cursor.fetchall()]
            if result != ["ok"]:
                raise RestoreRefused(f"integrity check failed: {'; '.join(result[:5])}")
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchall()
            if broken:
                raise RestoreRefused(f"{len(broken)} rows break foreign keys, e.g. {broken[0]}")
            checks["integrity"] = "ok"
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_constraint WHERE NOT convalidated")
            if cursor.fetchone()[0]:
                raise RestoreRefused("some constraints of the restored database are not valid")
            checks["integrity"] = "ok (pg_restore with every constraint)"
        expected = manifest.get("row_counts", {})
        wrong = []
        for table, count in sorted(expected.items()):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            actual = cursor.fetchone()[0]
            if actual != count:
                wrong.append(f"{table}: {actual} rows, manifest {count}")
        if wrong:
            raise RestoreRefused("row counts differ from the manifest: " + "; ".join(wrong[:5]))
        checks["tables"] = len(expected)
        checks["rows"] = sum(expected.values())
    checks["schema"] = schema_state(manifest)
    if checks["schema"] == "newer":
        raise RestoreRefused(
            "the backup was made by a newer version of Anxin (it has migrations this version "
            "does not know); upgrade Anxin first"
        )
    from anxin.audit import chain

    report = chain.verify(using=alias, checkpoint=False)
    if not report.ok:
        raise RestoreRefused(
            f"the audit logs of the restored copy do not verify: {report.problems[0]} "
            "(if the audit key differs from the one they were written with, import the keys "
            "with 'anxin keys import')"
        )
    checks["audit"] = report.summary()
    checks["decrypted"] = decrypt_sample(alias)
    return checks


def schema_state(manifest: dict) -> str:
    """ "same", "older" (this code has migrations the backup lacks) or "newer"."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = {key for key in loader.disk_migrations}
    theirs = {
        (app, name) for app, names in manifest.get("migrations", {}).items() for name in names
    }
    if theirs - known:
        return "newer"
    return "older" if known - theirs else "same"


def decrypt_sample(alias: str) -> int:
    """Decrypt up to SAMPLE_PER_FIELD values of every encrypted field with the copy's own data
    keys, unwrapped by this installation's master key. Returns how many were decrypted."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.core.exceptions import ImproperlyConfigured

    from anxin.crypto import cipher, keyring
    from anxin.crypto.fields import EncryptedTextField

    ring = keyring.Keyring(keyring.master_key_material())
    keys: dict[int, AESGCM] = {}
    done = 0
    conn = connections[alias]
    with conn.cursor() as cursor:
        tables = set(conn.introspection.table_names(cursor))
        for model in apps.get_models():
            if model._meta.db_table not in tables:  # e.g. a model only the tests create
                continue
            for field in model._meta.concrete_fields:
                if not isinstance(field, EncryptedTextField):
                    continue
                table, column = model._meta.db_table, field.column
                q = conn.ops.quote_name
                cursor.execute(
                    f"SELECT {q(column)} FROM {q(table)} WHERE {q(column)} <> '' "  # noqa: S608
                    f"AND {q(column)} IS NOT NULL LIMIT {SAMPLE_PER_FIELD}"
                )
                for (token,) in cursor.fetchall():
                    key_id = cipher.key_id_of(token)
                    if key_id is None:
                        raise RestoreRefused(f"{table}.{column} holds a value that is not a token")
                    if key_id not in keys:
                        cursor.execute("SELECT wrapped FROM crypto_datakey WHERE id = %s", [key_id])
                        row = cursor.fetchone()
                        if row is None:
                            raise RestoreRefused(f"data key {key_id} is missing from the copy")
                        try:
                            keys[key_id] = AESGCM(ring.unwrap(key_id, bytes(row[0])))
                        except ImproperlyConfigured as exc:
                            raise RestoreRefused(
                                f"{exc} (a restore needs the keys of the installation that "
                                "made the backup: 'anxin keys import FILE')"
                            ) from None
                    try:
                        raw = base64.urlsafe_b64decode(token)
                        n = cipher.HEADER_BYTES + keyring.NONCE_BYTES
                        keys[key_id].decrypt(
                            raw[cipher.HEADER_BYTES : n],
                            raw[n:],
                            raw[: cipher.HEADER_BYTES] + field.context.encode(),
                        )
                    except (InvalidTag, binascii.Error, ValueError):
                        raise RestoreRefused(
                            f"a value of {table}.{column} does not decrypt"
                        ) from None
                    done += 1
    return done


# -- switch-over -----------------------------------------------------------------------------


def switch_sqlite(restored: Path, stamp: str, using: str = "default") -> Path:
    """Keep the live database aside, then write the checked copy into it in one transaction."""
    live = Path(live_settings(using)["NAME"])
    aside = live.with_name(f"{live.name}.before-restore-{stamp}")
    connections.close_all()
    source = sqlite3.connect(live, timeout=60)
    try:
        keep = sqlite3.connect(aside)
        try:
            source.backup(keep)
            keep.execute("PRAGMA journal_mode=DELETE")
        finally:
            keep.close()
    finally:
        source.close()
    os.chmod(aside, 0o600)
    copy = sqlite3.connect(restored)
    try:
        target = sqlite3.connect(live, timeout=60)
        try:
            copy.backup(target)  # one write transaction: all or nothing
        finally:
            target.close()
    finally:
        copy.close()
    return aside


def switch_postgres(restored_name: str, stamp: str, using: str = "default") -> str:
    """Swap names: the live database goes aside, the checked copy takes its name."""
    db = live_settings(using)
    live = db["NAME"]
    aside = f"{live[:30]}_before_restore_{stamp}"  # within PostgreSQL's 63 characters
    connections.close_all()
    last = None
    with _pg_connect(db, "postgres", autocommit=True) as conn:
        for _attempt in range(10):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [live],
            )
            try:
                with conn.transaction():
                    conn.execute(f'ALTER DATABASE "{live}" RENAME TO "{aside}"')
                    conn.execute(f'ALTER DATABASE "{restored_name}" RENAME TO "{live}"')
                return aside
            except Exception as exc:  # someone reconnected in between: try again
                last = exc
                time.sleep(0.5)
    raise RestoreRefused(f"could not switch the databases over: {last}")
