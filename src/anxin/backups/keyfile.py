"""``anxin keys export`` / ``import``: the keys, which no backup holds, in a passphrase file.

File (JSON): format, KDF parameters (scrypt), salt, nonce and the AES-256-GCM ciphertext of
``{"master": …, "audit": …, "backup": …}``. Without this file (or the keys themselves) a
backup cannot be restored: keep it apart from the backups — e.g. printed and in a safe, or on
a USB stick held by the owner — and the passphrase apart from the file.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

FORMAT = "anxin-keys-1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSPHRASE = 12
KEYS = {"master": "master.key", "audit": "audit.key", "backup": "backup.key"}
SETTINGS = {"master": "ANXIN_MASTER_KEY", "audit": "ANXIN_AUDIT_KEY", "backup": "ANXIN_BACKUP_KEY"}
AAD = FORMAT.encode()


class KeyFileError(Exception):
    pass


def _kdf(salt: bytes, n: int, r: int, p: int, passphrase: str) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def current_keys() -> dict[str, str]:
    return {name: str(getattr(settings, setting)) for name, setting in SETTINGS.items()}


def export_keys(path: Path, passphrase: str, *, force: bool = False) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyFileError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    if path.exists() and not force:
        raise KeyFileError(f"{path} exists; choose another name (or --force to replace it)")
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _kdf(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, passphrase)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(current_keys()).encode(), AAD)
    body = {
        "format": FORMAT,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    temp = path.with_name(path.name + ".partial")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh, indent=1)
        fh.write("\n")
    os.replace(temp, path)


def read_keys(path: Path, passphrase: str) -> dict[str, str]:
    try:
        body = json.loads(path.read_text())
        if body.get("format") != FORMAT:
            raise KeyFileError(f"{path} is not an Anxin key export")
        kdf = body["kdf"]
        key = _kdf(
            base64.b64decode(body["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]), passphrase
        )
        plain = AESGCM(key).decrypt(
            base64.b64decode(body["nonce"]), base64.b64decode(body["ciphertext"]), AAD
        )
    except InvalidTag:
        raise KeyFileError("wrong passphrase (or the key file was altered)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"{path} cannot be read as an Anxin key export ({exc})") from None
    keys = json.loads(plain)
    missing = set(KEYS) - set(keys)
    if missing:
        raise KeyFileError(f"the key file lacks {', '.join(sorted(missing))}")
    return keys


def import_keys(path: Path, passphrase: str, *, force: bool = False) -> list[str]:
    """Write the keys into the data directory; returns what changed. Existing different keys
    are replaced only with ``force`` (kept as ``<name>.replaced``)."""
    keys = read_keys(path, passphrase)
    data_dir = Path(settings.DATA_DIR)
    changed, conflicts = [], []
    for name, file_name in KEYS.items():
        target = data_dir / file_name
        current = target.read_text().strip() if target.exists() else None
        if current == keys[name]:
            continue
        if current is not None and not force:
            conflicts.append(file_name)
        changed.append(file_name)
    if conflicts:
        raise KeyFileError(
            f"{', '.join(conflicts)} in {data_dir} hold other keys; data encrypted under them "
            "would become unreadable. Use --force to replace them (the old ones are kept as "
            "<name>.replaced)."
        )
    for name, file_name in KEYS.items():
        if file_name not in changed:
            continue
        target = data_dir / file_name
        if target.exists():
            os.replace(target, target.with_name(file_name + ".replaced"))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(keys[name] + "\n")
    return changed
