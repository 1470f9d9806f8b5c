"""Blind indexes: keyed hashes that let the database find an encrypted value by exact match.

``blind_index(purpose, value)`` is HMAC-SHA256 (64 hex characters) of the *normalised* value
under a key derived for that purpose from the blind-index root of the current generation (see
``anxin.crypto.keyring``): without the master key nobody can compute or check one, unlike a
plain hash of an ID number, which anyone can brute-force. Each purpose has its own key and its
own normaliser, so "110101 19900307 123x" and "１１０１０１１９９００３０７１２３Ｘ" index alike.

Built-in purposes: ``id_number`` (ID card and other document numbers), ``phone`` (E.164,
mainland numbers by default), ``bank_card``, ``email``, ``text`` (names and other free text,
case- and width-insensitive). Another app adds its own with ``register_purpose`` in its
``AppConfig.ready()``. Fields with the same purpose share a key, so equal values in different
tables have equal indexes (a phone number can be matched across clients and staff).

What a blind index still reveals: which rows hold equal values. Index only what must be
searched by exact match, never values with few possibilities (sex, blood type).

During a key rotation two generations are live; ``blind_indexes`` gives the index under each,
and the ``__matches`` lookup of ``BlindIndexField`` searches for all of them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

import phonenumbers

from anxin.crypto import keyring

PURPOSE_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")

_purposes: dict[str, Callable[[str], str]] = {}


def register_purpose(name: str, normalise: Callable[[str], str]) -> None:
    """Declare a blind-index purpose and how its values are normalised before hashing."""
    if not PURPOSE_NAME.match(name):
        raise ValueError(f"blind-index purpose {name!r}: use lower-case letters, digits, _ . -")
    if _purposes.get(name, normalise) is not normalise:
        raise ValueError(f"blind-index purpose {name!r} is registered already")
    _purposes[name] = normalise


def purposes() -> list[str]:
    return sorted(_purposes)


def normalise(purpose: str, value: str) -> str:
    try:
        normaliser = _purposes[purpose]
    except KeyError:
        raise LookupError(
            f"no blind-index purpose {purpose!r}; register it with register_purpose()"
        ) from None
    return normaliser(value)


def blind_index(purpose: str, value: str, *, generation: int | None = None) -> str:
    """The blind index of ``value`` under the current generation (what is stored on save)."""
    ring = keyring.current()
    if generation is None:
        generation = ring.live().active_id
    return _hmac(ring, generation, purpose, normalise(purpose, value))


def stored_blind_index(purpose: str, value: str | None, *, generation: int | None = None):
    """What a ``BlindIndexField`` stores: None for None or a value that normalises to ""."""
    text = normalise(purpose, value) if value is not None else ""
    if not text:
        return None
    ring = keyring.current()
    if generation is None:
        generation = ring.live().active_id
    return _hmac(ring, generation, purpose, text)


def blind_indexes(purpose: str, value: str) -> list[str]:
    """The indexes to search for: one per live generation; none for an empty value."""
    text = normalise(purpose, value)
    if not text:
        return []
    ring = keyring.current()
    return [_hmac(ring, generation, purpose, text) for generation in ring.live().live_ids]


def _hmac(ring: keyring.Keyring, generation: int, purpose: str, text: str) -> str:
    key = ring.blind_key(generation, purpose)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


# -- normalisers ------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_CN_MOBILE = re.compile(r"^(?:\+86)?1[3-9][0-9]{9}$")


def _nfkc(value: str) -> str:
    """Full-width digits and letters to ASCII, ideographic spaces to spaces."""
    return unicodedata.normalize("NFKC", value)


def normalise_id_number(value: str) -> str:
    """Upper-case, without spaces or separators: ``110101 19900307 123x`` → ``11010119900307123X``."""
    return _SEPARATORS.sub("", _nfkc(value)).upper()


def normalise_phone(value: str, region: str = "CN") -> str:
    """E.164 (``+8613812345678``) when it parses as a possible number, else its digits."""
    text = _SEPARATORS.sub("", _nfkc(value))
    if not text:
        return ""
    if region == "CN" and _CN_MOBILE.match(text):  # the common case, without a full parse
        return "+86" + text[-11:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return _ascii_digits(text)


def normalise_digits(value: str) -> str:
    """Only the digits: bank card numbers and the like."""
    return _ascii_digits(_nfkc(value))


def _ascii_digits(text: str) -> str:
    return "".join(c for c in text if "0" <= c <= "9")


def normalise_email(value: str) -> str:
    return _nfkc(value).strip().lower()


def normalise_text(value: str) -> str:
    """Width- and case-insensitive, whitespace collapsed: names and other short text."""
    return " ".join(_nfkc(value).split()).casefold()


register_purpose("id_number", normalise_id_number)
register_purpose("phone", normalise_phone)
register_purpose("bank_card", normalise_digits)
register_purpose("email", normalise_email)
register_purpose("text", normalise_text)
