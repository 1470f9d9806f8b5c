"""Test helpers that hold a page's speed: constant query counts and plans that use an index.

A page that is fast on a test database can still read a whole table at a store's scale. These
helpers make that fail in CI: ``captured`` runs the page and keeps its SQL, ``assert_no_full_scans``
asks SQLite for the plan of each statement (``EXPLAIN QUERY PLAN``) and fails on a plain
``SCAN`` of a big table (a ``SCAN … USING INDEX`` walks an index in order and stops at the
page's ``LIMIT``; a ``SEARCH`` reads a range).
"""

import re
from collections.abc import Callable, Iterable

from django.db import connection
from django.test.utils import CaptureQueriesContext

# The tables that grow with the years: a plain scan of any of them is a regression.
BIG_TABLES = (
    "clients_client",
    "clients_servicerecord",
    "scheduling_appointment",
    "audit_uselog",
    "audit_operationlog",
)

_SCAN = re.compile(r"\bSCAN (\w+)(.*)$")
# Django names a table again in a subquery or join by an alias ("clients_client" U0): plans
# name the alias.
_ALIAS = re.compile(r'"(\w+)" (?:AS )?([A-Z]+\d+)\b')


def captured(run: Callable[[], object]) -> tuple[object, list[str]]:
    """``run()``'s result and the SQL statements it executed."""
    with CaptureQueriesContext(connection) as queries:
        result = run()
    return result, [q["sql"] for q in queries.captured_queries]


def query_plan(sql: str) -> list[str]:
    """SQLite's plan of one statement, one line per step."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [row[-1] for row in cursor.fetchall()]


def full_scans(sql_list: Iterable[str], tables: Iterable[str] = BIG_TABLES) -> list[str]:
    """The plain ``SCAN``s of ``tables`` in the plans of ``sql_list`` (SQLite only), each as
    ``"<plan line>  <- <statement>"``."""
    if connection.vendor != "sqlite":
        raise RuntimeError("query plans are checked on SQLite (mark the test sqlite_only)")
    tables = set(tables)
    found = []
    for sql in sql_list:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue  # writes and savepoints: one row each
        aliases = {alias: table for table, alias in _ALIAS.findall(sql)}
        for line in query_plan(sql):
            match = _SCAN.search(line)
            table = match and aliases.get(match.group(1), match.group(1))
            if match and table in tables and "USING" not in match.group(2):
                found.append(f"{line}  <- {sql[:300]}")
    return found


def assert_no_full_scans(sql_list: Iterable[str], tables: Iterable[str] = BIG_TABLES) -> None:
    """Fail if any statement's plan scans one of ``tables`` whole (see ``full_scans``)."""
    scans = full_scans(sql_list, tables)
    assert not scans, "full table scans:\n" + "\n".join(scans)


def assert_constant_queries(
    page: Callable[[], object], grow: Callable[[int], object], *, rows: int = 5
) -> int:
    """Run ``page`` after ``grow(rows)`` and again after ``grow(2 * rows)`` more (three times as
    many): it must take the same number of queries. Returns that number."""
    grow(rows)
    _result, before = captured(page)
    grow(2 * rows)
    _result, after = captured(page)
    assert len(after) == len(before), (
        f"{len(before)} queries with {rows} rows, {len(after)} with {3 * rows}:\n"
        + "\n".join(after)
    )
    return len(after)
