"""What a ledger line's reference names, in words. A card's payment at the till is recorded as
``bill:<id>`` (the bill's database id): the card's page shows "Bill 20261202-42", linked to the
bill. Apps that write such references register how to name them (the till for ``bill``), so that
the cards app does not read their tables.

    references.register("bill", describe)  # describe({42, 43}) -> {42: ("Bill …", "/till/…")}
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

Describe = Callable[[set[int]], dict[int, tuple[str, str]]]
_describers: dict[str, Describe] = {}


def register(prefix: str, describe: Describe) -> None:
    _describers[prefix] = describe


def describe_all(references: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{reference: (words, url)}`` for the references a registered app names (one query per
    kind of reference); others are left out (shown as written)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for reference in references:
        prefix, _sep, key = (reference or "").partition(":")
        if prefix in _describers and key.isdigit() and len(key) < 19:
            wanted[prefix].add(int(key))
    out = {}
    for prefix, keys in wanted.items():
        for key, described in _describers[prefix](keys).items():
            out[f"{prefix}:{key}"] = described
    return out
