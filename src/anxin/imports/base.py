"""A small framework for importing records from .xlsx (UX-5, UX-6).

Write an importer and register it in your app's ``AppConfig.ready``::

    from anxin.imports.base import Column, Importer, register

    class ItemImporter(Importer):
        key = "items"                                   # URL: /imports/items/
        label = _("Service items")
        columns = [
            Column("name", _("Name"), required=True, example="全身按摩"),
            Column("price", _("Price"), required=True, example="128.00"),
        ]

        def allowed(self, user, store) -> bool:        # who may import (and download the template)
            return user.has_store_perm("items.manage", store)

        def form(self, data: dict, *, store):            # one row -> a bound form (the same
            return ItemForm(data)                        # validation as the page's form)

        def check(self, rows, *, actor, store) -> dict:  # optional: checks across rows/the database
            return {}                                    # {row_number: {column_key: message}}

        def save(self, rows, *, actor, store, job) -> int:  # every row valid: save them all
            ...                                          # (called inside one transaction)
            return len(rows)

    register(ItemImporter())

The framework gives a template to download (the columns, one example row, in the user's
language), reads the upload (headings in any of the three languages or the column keys),
turns cells into form data (dates as ISO dates, whole numbers without ".0"), validates every row
through ``form``, then ``check``, and reports errors row by row in the user's language. Only when
there is no error at all does it call ``save``, inside one transaction: one bad row and nothing
is imported. It runs as a huey task and reports progress (see ``services``).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from django.utils.translation import override


@dataclass
class Column:
    key: str
    label: object  # a lazy translation
    required: bool = False
    example: str = ""
    help: object = ""
    text: bool = True  # format the template column as text (keeps ID numbers' digits)
    aliases: list[str] = field(default_factory=list)

    def headings(self) -> set[str]:
        """Every heading that names this column: the key, aliases, the label in each language."""
        from django.conf import settings

        names = {self.key, *self.aliases}
        for code, _name in settings.LANGUAGES:
            with override(code):
                names.add(str(self.label))
        return {normalise_heading(n) for n in names}


def normalise_heading(text) -> str:
    return "".join(str(text or "").split()).lower().rstrip("*＊")


class Importer(ABC):
    key = ""
    label = ""
    columns: list[Column] = []
    max_rows = 50_000
    batch = 500  # progress is reported every this many rows

    @abstractmethod
    def allowed(self, user, store) -> bool:
        """Who may import (and download the template) in this store."""

    @abstractmethod
    def form(self, data: dict, *, store):
        """One row as a bound form, with the same validation as the page's form."""

    def check(self, rows: list[tuple[int, dict]], *, actor, store) -> dict[int, dict[str, str]]:
        return {}

    @abstractmethod
    def save(self, rows: list[dict], *, actor, store, job) -> int:
        """Save every (valid) row, inside the import's one transaction; returns how many."""

    def cell_to_text(self, value) -> str:
        """A cell as the form sees it."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value).strip()


REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    if not importer.key or importer.key in REGISTRY:
        raise ValueError(f"importer key {importer.key!r} is empty or taken")
    REGISTRY[importer.key] = importer
    return importer


def get(key: str) -> Importer | None:
    return REGISTRY.get(key)
