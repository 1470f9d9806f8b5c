"""Issue 11: a bill's page joins its lines to the lines that refund them through an index, even
with a store's statistics, where almost every line's ``refund_of_line`` is empty and SQLite
counts those NULLs as one value of the unique column's index (it then scanned all 300,000
lines for each bill: 112–258 ms of SQL per page)."""

import pytest
from django.db import connection

from anxin.core.testing import assert_no_full_scans, captured

from .test_views import paid  # noqa: F401 — the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite_only]


def store_statistics():
    """SQLite's statistics of a store's three years: 300,000 lines, refund_of_line empty."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'till_billline'")
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'till_billline'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [name])
            sql = cursor.fetchone()[0] or ""
            if name == "till_line_refund_of":
                stat = "20 1"  # the few refund lines
            elif name.startswith("sqlite_autoindex") or "refund_of_line" in sql:
                stat = "300000 300000"  # one "value": NULL
            else:
                stat = "300000 1"
            cursor.execute(
                "INSERT INTO sqlite_stat1 VALUES ('till_billline', %s, %s)", [name, stat]
            )
        cursor.execute("INSERT INTO sqlite_stat1 VALUES ('till_billline', NULL, '300000')")
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again


@pytest.mark.req("POS-1")
def test_a_bills_page_reads_its_lines_and_their_refunds_through_indexes(
    client,
    login,
    front_desk,
    paid,  # noqa: F811
):
    store_statistics()
    login(client, front_desk)
    response, sql = captured(lambda: client.get(f"/till/bills/{paid.pk}/"))
    assert response.status_code == 200
    assert_no_full_scans(sql, ("till_billline",))
