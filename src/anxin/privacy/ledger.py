"""The record of every anonymisation kept outside the database, so a restore cannot undo it.

A restored backup older than an anonymisation holds the client's data again. Each
anonymisation appends a line (database, client id, code, registration time; no personal data)
to ``ANXIN_PRIVACY_LEDGER_FILE`` in the data directory, with a MAC under the audit key; after
any restore ``reapply`` anonymises again every client of the ledger that the restored database
holds un-anonymised (``backups.services`` calls the hooks registered with it).
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from anxin.audit.chain import database_identity

log = logging.getLogger(__name__)


def path() -> Path:
    configured = getattr(settings, "ANXIN_PRIVACY_LEDGER_FILE", None)
    return Path(configured or Path(settings.DATA_DIR) / "privacy-erasures.jsonl")


def _key() -> bytes:
    key = settings.ANXIN_AUDIT_KEY
    return key.encode() if isinstance(key, str) else bytes(key)


def _mac(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "mac"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), b"erasure\n" + text.encode(), hashlib.sha256).hexdigest()


def stamp(value) -> str:
    """A registration time as the ledger writes it (UTC, to the microsecond)."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else ""


def record(clients, *, origin: str) -> None:
    """Append one line per client (fsynced) before the anonymisation commits."""
    db = database_identity()
    at = timezone.now().isoformat()
    lines = []
    for client in clients:
        entry = {
            "db": db,
            "client": client.pk,
            "code": client.code,
            "registered": stamp(client.created_at),
            "origin": origin,
            "at": at,
        }
        entry["mac"] = _mac(entry)
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    if not lines:
        return
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, "".join(lines).encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def entries() -> list[dict]:
    """This database's authentic lines; a line with a wrong MAC is skipped and logged."""
    target = path()
    if not target.exists():
        return []
    db = database_identity()
    found = []
    with target.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                log.error("privacy ledger line %d is not readable", number)
                continue
            if not hmac.compare_digest(str(entry.get("mac", "")), _mac(entry)):
                log.error("privacy ledger line %d fails its MAC", number)
                continue
            if entry.get("db") == db:
                found.append(entry)
    return found
