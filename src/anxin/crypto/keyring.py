"""Keys: the master key, the data keys it wraps, and what this process caches of them.

Every derivation is HKDF-SHA256 (no salt, 32 bytes):

    ANXIN_MASTER_KEY   a secret string (``master.key`` in the data directory, or the
      │                environment); its UTF-8 bytes are the input key material
      ├─ key-encryption key (KEK)      info b"anxin-kek-v1"
      │    wraps each data key with AES-256-GCM: random nonce, AAD b"anxin-dek-v1:<key id>"
      └─ blind-index root of generation G   info b"anxin-blind-root-v1:<G>"
           └─ blind-index key of a purpose  info b"anxin-blind-v1:<purpose>"

The blind-index generation is the id of the data key that is active when an index is
computed, so ``anxin keys rotate`` moves values and blind indexes to fresh keys in one pass.

Data keys (``crypto.DataKey``) have random ids rather than auto-increment ones: SQLite hands
out an auto-increment value again after a rollback, and a cached key must never be mistaken
for a later, different key with the same id.

Caching, per process: unwrapped data keys are kept for good (a key never changes once
written); which key is active, and which are still live for blind-index lookups, is re-read
at most every ``ANXIN_CRYPTO_KEY_REFRESH_SECONDS`` (default 10). A key this process creates
is cached only once its transaction has committed, so a rolled-back key is never used for a
later write. ``anxin keys rotate`` waits out that interval before its final pass.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

KEK_INFO = b"anxin-kek-v1"
BLIND_ROOT_INFO = b"anxin-blind-root-v1:"
BLIND_PURPOSE_INFO = b"anxin-blind-v1:"
WRAP_AAD = b"anxin-dek-v1:"
NONCE_BYTES = 12
KEY_ID_MAX = 2**31 - 1  # fits a signed 32-bit integer column and 4 bytes of the token header
MIN_MASTER_KEY_CHARS = 32
DEFAULT_REFRESH_SECONDS = 10


def hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def refresh_seconds() -> float:
    return float(getattr(settings, "ANXIN_CRYPTO_KEY_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))


def master_key_material() -> bytes:
    value = str(getattr(settings, "ANXIN_MASTER_KEY", "") or "").strip()
    if len(value) < MIN_MASTER_KEY_CHARS:
        raise ImproperlyConfigured(
            f"ANXIN_MASTER_KEY must be at least {MIN_MASTER_KEY_CHARS} characters of random "
            "text (Anxin writes one to master.key in the data directory on first start)."
        )
    return value.encode("utf-8")


@dataclass(frozen=True)
class LiveKeys:
    """The active data key and the retiring ones (newest first): the live generations."""

    active_id: int
    live_ids: tuple[int, ...]
    fetched_at: float


class Keyring:
    """What this process knows of the keys under one master key."""

    def __init__(self, master: bytes):
        self._kek = AESGCM(hkdf(master, KEK_INFO))
        self._master = master
        self._lock = threading.Lock()
        self._data_keys: dict[int, AESGCM] = {}
        self._pending: set[int] = set()  # created here; their transaction has not committed
        self._live: LiveKeys | None = None
        self._blind_keys: dict[tuple[int, str], bytes] = {}

    # -- wrapping -----------------------------------------------------------------------

    def wrap(self, key_id: int, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._kek.encrypt(nonce, key, WRAP_AAD + str(key_id).encode())

    def unwrap(self, key_id: int, wrapped: bytes) -> bytes:
        try:
            return self._kek.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], WRAP_AAD + str(key_id).encode()
            )
        except InvalidTag:
            raise ImproperlyConfigured(
                f"data key {key_id} cannot be unwrapped with this master key: ANXIN_MASTER_KEY "
                "(or master.key in the data directory) is not the key this database was "
                "encrypted under. Restore the original master key."
            ) from None

    # -- data keys ----------------------------------------------------------------------

    def data_key(self, key_id: int) -> AESGCM | None:
        """The data key with this id, unwrapped; None if there is no such key."""
        cached = self._data_keys.get(key_id)
        if cached is not None:
            return cached
        from anxin.crypto.models import DataKey

        wrapped = DataKey.objects.filter(pk=key_id).values_list("wrapped", flat=True).first()
        if wrapped is None:
            return None
        aead = AESGCM(self.unwrap(key_id, bytes(wrapped)))
        with self._lock:
            if key_id not in self._pending:
                self._data_keys[key_id] = aead
        return aead

    def live(self) -> LiveKeys:
        """The active key (created on first use) and the retiring ones."""
        snapshot = self._live
        if snapshot is not None and time.monotonic() - snapshot.fetched_at < refresh_seconds():
            return snapshot
        from anxin.crypto.models import DataKey, KeyState

        for _attempt in range(3):
            rows = list(
                DataKey.objects.filter(state__in=[KeyState.ACTIVE, KeyState.RETIRING])
                .order_by("-created_at")
                .values_list("pk", "state")
            )
            active = [pk for pk, state in rows if state == KeyState.ACTIVE]
            if active:
                break
            self.new_data_key()
        else:  # pragma: no cover - only if the table refuses every insert
            raise ImproperlyConfigured("no active data key could be created")
        retiring = [pk for pk, state in rows if state == KeyState.RETIRING]
        snapshot = LiveKeys(active[0], (active[0], *retiring), time.monotonic())
        with self._lock:
            if not self._pending.intersection(snapshot.live_ids):
                self._live = snapshot
        return snapshot

    def new_data_key(self, *, retire_active: bool = False) -> int:
        """Create the active data key; with ``retire_active``, the old active one is retiring.

        Inside the caller's transaction when there is one: the key is cached only after commit.
        """
        from anxin.crypto.models import DataKey, KeyState

        key = AESGCM.generate_key(bit_length=256)
        for _attempt in range(5):
            key_id = secrets.randbelow(KEY_ID_MAX) + 1
            try:
                with transaction.atomic():
                    if retire_active:
                        DataKey.objects.filter(state=KeyState.ACTIVE).update(
                            state=KeyState.RETIRING
                        )
                    DataKey.objects.create(
                        id=key_id, wrapped=self.wrap(key_id, key), state=KeyState.ACTIVE
                    )
            except IntegrityError:
                if not retire_active and DataKey.objects.filter(state=KeyState.ACTIVE).exists():
                    # Another process created the first key at the same moment.
                    return DataKey.objects.get(state=KeyState.ACTIVE).pk
                continue  # the random id was taken: draw another
            with self._lock:
                self._pending.add(key_id)
                self._live = None
            transaction.on_commit(lambda key_id=key_id: self._committed(key_id))
            return key_id
        raise ImproperlyConfigured("could not store a new data key")  # pragma: no cover

    def _committed(self, key_id: int) -> None:
        with self._lock:
            self._pending.discard(key_id)
            self._live = None

    # -- blind indexes ------------------------------------------------------------------

    def blind_key(self, generation: int, purpose: str) -> bytes:
        cached = self._blind_keys.get((generation, purpose))
        if cached is None:
            root = hkdf(self._master, BLIND_ROOT_INFO + str(generation).encode())
            cached = hkdf(root, BLIND_PURPOSE_INFO + purpose.encode("utf-8"))
            self._blind_keys[(generation, purpose)] = cached
        return cached


_current: Keyring | None = None
_current_lock = threading.Lock()


def current() -> Keyring:
    """The keyring of the configured master key; replaced when the setting changes."""
    global _current
    ring = _current
    if ring is None:
        with _current_lock:
            if _current is None:
                _current = Keyring(master_key_material())
            ring = _current
    return ring


def forget_cached_keys(**_kwargs) -> None:
    """Drop every cached key: after a flush or migration the table may have changed under us."""
    global _current
    with _current_lock:
        _current = None


def on_setting_changed(*, setting: str, **_kwargs) -> None:
    if setting in {"ANXIN_MASTER_KEY", "ANXIN_CRYPTO_KEY_REFRESH_SECONDS"}:
        forget_cached_keys()
