"""Test helpers that prove encryption at rest from the stored bytes, not from the ORM.

``assert_not_in_database_bytes("110101199003071234", "13812345678")`` reads what the database
really keeps: on SQLite the database file and its ``-wal`` and ``-journal`` files; on
PostgreSQL the output of ``pg_dump`` of the test database (TOAST-compressed values come out
whole). Only committed data is on disk, so call it from a test marked
``@pytest.mark.django_db(transaction=True)``; inside a transaction it refuses to run rather
than pass for the wrong reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

MIN_PLAINTEXT_BYTES = 4  # shorter strings turn up in any file by chance


def assert_not_in_database_bytes(*plaintexts: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Fail if the UTF-8 bytes of any of ``plaintexts`` are stored in the database."""
    found = find_in_database_bytes(*plaintexts, using=using)
    assert not found, f"stored unencrypted in the database: {found!r}"


def find_in_database_bytes(*plaintexts: str, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Those of ``plaintexts`` whose bytes appear in the database's stored bytes."""
    for text in plaintexts:
        if len(text.encode("utf-8")) < MIN_PLAINTEXT_BYTES:
            raise ValueError(f"{text!r} is too short to look for (under 4 bytes)")
    connection = connections[using]
    if connection.in_atomic_block:
        raise AssertionError(
            "uncommitted rows may not be on disk yet: use "
            "@pytest.mark.django_db(transaction=True) for a raw-bytes check"
        )
    stored = database_bytes(using)
    return [text for text in plaintexts if any(form in stored for form in _forms(text))]


def _forms(text: str) -> set[bytes]:
    """The text as SQLite stores it, and as pg_dump's COPY format escapes it."""
    copy = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return {text.encode("utf-8"), copy.encode("utf-8")}


def database_bytes(using: str = DEFAULT_DB_ALIAS) -> bytes:
    connection = connections[using]
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings_dict["NAME"])
        if connection.is_in_memory_db():
            raise NotImplementedError("an in-memory SQLite database has no file to read")
        parts = [Path(name + suffix) for suffix in ("", "-wal", "-journal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    if connection.vendor == "postgresql":
        return _pg_dump(settings_dict)
    raise NotImplementedError(f"no raw-bytes reader for {connection.vendor}")


def pg_dump_path() -> str:
    """The newest pg_dump installed (it must not be older than the server)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    found = candidates[-1] if candidates else shutil.which("pg_dump")
    if not found:
        raise FileNotFoundError("pg_dump is not installed (postgresql-client)")
    return found


def _pg_dump(settings_dict: dict) -> bytes:
    command = [pg_dump_path(), "--no-owner", "--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        command += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        command += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        command += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    done = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
