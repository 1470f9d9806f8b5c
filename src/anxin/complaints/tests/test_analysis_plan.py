"""Issue 11: the complaint analysis reads a year's low scores from the scores' index and then
their services by id; with a store's statistics SQLite walked the year's services (100,000 at
a store's scale) to probe each one's score (a Seq Scan on PostgreSQL)."""

import pytest
from django.db import connection

from anxin.core.testing import captured, query_plan

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite_only]

STATS = {
    # table: (rows, {index name part: stat})
    "clients_servicerecord": (300000, {"store_time": "300000 300000 3", "": "300000 50"}),
    "delivery_feedback": (90000, {"delivery_feedback_score": "90000 18000 1", "": "90000 1"}),
}


def store_statistics():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for table, (rows, stats) in STATS.items():
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table]
            )
            for (name,) in cursor.fetchall():
                stat = next((s for part, s in stats.items() if part and part in name), stats[""])
                cursor.execute("INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", [table, name, stat])
            cursor.execute("INSERT INTO sqlite_stat1 VALUES (%s, NULL, %s)", [table, str(rows)])
        cursor.execute("ANALYZE sqlite_schema")


@pytest.mark.req("ANA-4")
def test_the_analysis_reads_the_low_scores_first(client, login, auditor):
    store_statistics()
    login(client, auditor)
    response, sql = captured(lambda: client.get("/complaints/analysis/"))
    assert response.status_code == 200
    ratings = [q for q in sql if 'FROM "clients_servicerecord"' in q and "delivery_feedback" in q]
    assert len(ratings) == 1, "\n".join(sql)
    plan = query_plan(ratings[0])
    assert any("delivery_feedback_score" in line for line in plan), plan
    assert not any("clients_service_store_time" in line for line in plan), plan
    assert not any(line.startswith("SCAN") for line in plan), plan
