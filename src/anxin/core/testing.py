"""Test helpers that hold a page's speed: constant query counts and plans that use an index.

A page that is fast on a test database can still read a whole table at a store's scale. These
helpers make that fail in CI: ``captured`` runs the page and keeps its SQL, ``assert_no_full_scans``
asks SQLite for the plan of each statement (``EXPLAIN QUERY PLAN``) and fails on a ``SCAN`` of a
big table (a ``SCAN … USING INDEX`` is allowed with a ``LIMIT``: it walks an index in order and
stops there; a ``SEARCH`` reads a range), a per-row subquery, a date cast or an ``OFFSET``.
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


# Django's per-row date functions on SQLite: ``at__date__gte`` and the like; no index serves
# them (use ``core.dates.in_days``).
_ROW_FUNCTIONS = (
    "django_datetime_cast_date(",
    "django_datetime_extract(",
    "django_datetime_trunc(",
)
_MAIN_TABLE = re.compile(r'\bFROM "(\w+)"')


def full_scans(
    sql_list: Iterable[str], tables: Iterable[str] = BIG_TABLES, *, sorts: bool = False
) -> list[str]:
    """What reads more of ``tables`` than a page needs, in the plans of ``sql_list`` (SQLite
    only), each as ``"<what>  <- <statement>"``: a ``SCAN`` (through an index in order only with
    a ``LIMIT``); a ``CORRELATED`` subquery
    (one look-up per row of the outer query); a per-row date function; an ``OFFSET``; and with
    ``sorts``, a sort (``USE TEMP B-TREE``) of a statement reading one of ``tables``."""
    if connection.vendor != "sqlite":
        raise RuntimeError("query plans are checked on SQLite (mark the test sqlite_only)")
    tables = set(tables)
    found = []
    for sql in sql_list:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue  # writes and savepoints: one row each
        aliases = {alias: table for table, alias in _ALIAS.findall(sql)}
        named = {aliases.get(t, t) for t in _MAIN_TABLE.findall(sql)} | set(aliases.values())
        if not named & tables:
            continue
        problems = [f for f in _ROW_FUNCTIONS if f in sql]
        limited = re.search(r"\bLIMIT \d+\s*$", sql) is not None
        if re.search(r"\bOFFSET \d+", sql):
            problems.append("OFFSET")
        for line in query_plan(sql):
            match = _SCAN.search(line)
            table = match and aliases.get(match.group(1), match.group(1))
            # An index walked in order stops at the page's LIMIT; without one it reads it all.
            walks = "USING" in match.group(2) and limited if match else False
            if (
                (match and table in tables and not walks)
                or "CORRELATED" in line
                or (sorts and "USE TEMP B-TREE" in line)
            ):
                problems.append(line)
        found += [f"{p}  <- {sql[:300]}" for p in problems]
    return found


def assert_no_full_scans(
    sql_list: Iterable[str], tables: Iterable[str] = BIG_TABLES, *, sorts: bool = False
) -> None:
    """Fail on anything ``full_scans`` (SQLite) or ``pg_full_scans`` (PostgreSQL) finds."""
    if connection.vendor == "postgresql":
        scans = pg_full_scans(sql_list, tables)
    else:
        scans = full_scans(sql_list, tables, sorts=sorts)
    assert not scans, "reads more than the page needs:\n" + "\n".join(scans)


def pg_plan(sql: str) -> list[str]:
    """PostgreSQL's plan of one statement with sequential scans priced out (``enable_seqscan``
    off): on a test database every table is small enough to be read whole, as a store's are not;
    priced out, a ``Seq Scan`` remains only where no index can serve the statement."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}")
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("RESET enable_seqscan")


_PG_SCAN = re.compile(
    r"(Seq Scan|Index Scan|Index Only Scan)(?: Backward)?(?: using \w+)? on (\w+)"
)


def pg_full_scans(sql_list: Iterable[str], tables: Iterable[str] = BIG_TABLES) -> list[str]:
    """What reads the whole of one of ``tables`` in the plans of ``sql_list`` (PostgreSQL only),
    each as ``"<plan line>  <- <statement>"``: a ``Seq Scan`` that no index could replace, or
    an index walked from end to end (no ``Index Cond``) to filter its rows, by a statement
    without a ``LIMIT`` (a walk in order that stops at the page's end is allowed)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("pg_full_scans reads PostgreSQL plans (mark the test postgresql_only)")
    tables = set(tables)
    found = []
    for sql in sql_list:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        limited = re.search(r"\bLIMIT \d+\s*$", sql) is not None
        plan = pg_plan(sql)
        for i, line in enumerate(plan):
            match = _PG_SCAN.search(line)
            if not match or match.group(2) not in tables:
                continue
            depth = len(line) - len(line.lstrip())
            details = []
            for following in plan[i + 1 :]:
                if len(following) - len(following.lstrip()) <= depth or "->" in following:
                    break
                details.append(following.strip())
            bounded = any(d.startswith("Index Cond") for d in details)
            filtered = any(d.startswith("Filter") for d in details)
            if match.group(1) == "Seq Scan" or (filtered and not (bounded or limited)):
                found.append(f"{line.strip()} {details}  <- {sql[:300]}")
    return found


def assert_constant_queries(
    page: Callable[[], object], grow: Callable[[int], object], *, rows: int = 5
) -> int:
    """Run ``page`` after ``grow(rows)`` and again after ``grow(2 * rows)`` more (three times as
    many): it must take the same number of queries. Returns that number. ``page`` runs once
    before, unmeasured: what a first request reads once and keeps (the inbox count kept a
    minute, a data key) is not what grows."""
    page()
    grow(rows)
    _result, before = captured(page)
    grow(2 * rows)
    _result, after = captured(page)
    assert len(after) == len(before), (
        f"{len(before)} queries with {rows} rows, {len(after)} with {3 * rows}:\n"
        + "\n".join(after)
    )
    return len(after)
