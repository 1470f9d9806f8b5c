"""Encrypting one value: AES-256-GCM under the active data key, as a compact versioned token.

Token, as bytes::

    b"v1" | key id (4 bytes, big-endian) | nonce (12 random bytes) | ciphertext | tag (16 bytes)

Text columns hold it in URL-safe base64. The 6-byte header is exactly 8 base64 characters, so
the first 8 characters of a stored value name its data key (``token_prefix``): rotation finds
the values still under an old key with a plain SQL comparison, without decrypting anything.

The associated data is the header plus a *context*, for fields ``"<table>.<column>"``: a
ciphertext copied to another column or table, given another key id, or changed in any byte
fails authentication and raises ``DecryptionError``, never returns garbage. Renaming the table
or column of an encrypted field therefore needs a data migration that re-encrypts the values
(decrypt with the old context, encrypt with the new one).
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag

from anxin.crypto import keyring
from anxin.crypto.exceptions import DecryptionError

VERSION = b"v1"
HEADER_BYTES = len(VERSION) + 4
PREFIX_CHARS = 8  # base64 characters of the header
TAG_BYTES = 16
MIN_TOKEN_BYTES = HEADER_BYTES + keyring.NONCE_BYTES + TAG_BYTES


def header(key_id: int) -> bytes:
    return VERSION + key_id.to_bytes(4, "big")


def token_prefix(key_id: int) -> str:
    """The first characters of every text token under this data key."""
    return base64.urlsafe_b64encode(header(key_id)).decode("ascii")


def key_id_of(token: str) -> int | None:
    """The data key a text token names, or None if it does not look like a token."""
    try:
        raw = base64.urlsafe_b64decode(token[:PREFIX_CHARS])
    except (binascii.Error, ValueError):
        return None
    if len(raw) != HEADER_BYTES or raw[: len(VERSION)] != VERSION:
        return None
    return int.from_bytes(raw[len(VERSION) :], "big")


def encrypt_bytes(plaintext: bytes, *, context: str, key_id: int | None = None) -> bytes:
    """Encrypt under the active data key (or the given one) and bind to ``context``."""
    ring = keyring.current()
    if key_id is None:
        key_id = ring.live().active_id
    aead = ring.data_key(key_id)
    if aead is None:
        raise LookupError(f"there is no data key {key_id}")
    head = header(key_id)
    nonce = os.urandom(keyring.NONCE_BYTES)
    return head + nonce + aead.encrypt(nonce, plaintext, head + context.encode("utf-8"))


def decrypt_bytes(token: bytes, *, context: str) -> bytes:
    """Authenticate and decrypt a token made by ``encrypt_bytes`` with the same context."""
    token = bytes(token)
    if len(token) < MIN_TOKEN_BYTES or token[: len(VERSION)] != VERSION:
        raise DecryptionError(context, "not an Anxin v1 token")
    key_id = int.from_bytes(token[len(VERSION) : HEADER_BYTES], "big")
    aead = keyring.current().data_key(key_id)
    if aead is None:
        raise DecryptionError(context, f"no data key {key_id}")
    nonce_end = HEADER_BYTES + keyring.NONCE_BYTES
    try:
        return aead.decrypt(
            token[HEADER_BYTES:nonce_end],
            token[nonce_end:],
            token[:HEADER_BYTES] + context.encode("utf-8"),
        )
    except InvalidTag:
        raise DecryptionError(context, "authentication failed") from None


def encrypt(text: str, *, context: str, key_id: int | None = None) -> str:
    """``encrypt_bytes`` for text, as URL-safe base64 (what text columns store)."""
    raw = encrypt_bytes(text.encode("utf-8"), context=context, key_id=key_id)
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decrypt(token: str, *, context: str) -> str:
    """The text in a token made by ``encrypt`` with the same context."""
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        raise DecryptionError(context, "not base64") from None
    # The decoder skips stray characters and ignores unused bits: insist on the exact text.
    if base64.urlsafe_b64encode(raw).decode("ascii") != token:
        raise DecryptionError(context, "not canonical base64")
    return decrypt_bytes(raw, context=context).decode("utf-8")
