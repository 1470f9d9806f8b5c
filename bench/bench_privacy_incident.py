"""Incident response (PRV-7): the affected-client list "everything account X read in a 30-day
window" over a use log of 2,000,000 entries, against a hand-written SQL query in the same run.

Set-up (settings ``local``, a throw-away data directory and database): one store, 60 accounts,
20,000 clients (bare rows: codes and names), and ``--rows`` use-log entries (default 2,000,000,
quick 200,000) spread over a year: 90% reads of one client (``view``, ``view_health``,
``reveal``), 10% lists and searches naming no single client (``record_id = "*"``), 2% of all
denied. They are inserted in bulk (raw INSERTs: the HMAC chain is not what is measured here).

Then, for ``--queries`` (default 40, quick 10) random (account, 30-day window) pairs, alternating
the order of the two cases per pair:

- Anxin: ``services_incidents.read_client_ids`` (the ORM query the incident page runs, and the
  conversion of the ids);
- baseline: ``SELECT DISTINCT record_id FROM audit_uselog WHERE user_id = ? AND at >= ? AND at <
  ? AND record_type = 'clients.client' AND outcome = 'allowed' AND record_id <> '*'`` through
  a raw cursor, with the same conversion.

Both must return the same ids for every pair (else the benchmark fails). Target: the median
time of Anxin's query at most 2x the baseline's.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time

from _common import describe_database, parse_args, table, throwaway_environment

TARGET = 2.0
ACCOUNTS = 60
CLIENTS = 20_000
BATCH = 20_000
BASELINE_SQL = (
    "SELECT DISTINCT record_id FROM audit_uselog WHERE user_id = %s AND at >= %s AND at < %s "
    "AND record_type = 'clients.client' AND outcome = 'allowed' AND record_id <> '*'"
)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        rows=dict(type=int, default=None, help="use-log entries (default 2000000, quick 200000)"),
        queries=dict(type=int, default=None, help="(account, window) pairs (default 40, quick 10)"),
        seed=dict(type=int, default=13, help="random seed"),
    )
    rows = args.rows or (200_000 if args.quick else 2_000_000)
    queries = args.queries or (10 if args.quick else 40)
    with throwaway_environment("privacy-incident") as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        print(f"privacy incident benchmark: {describe_database(env)}")
        try:
            return run(rows, queries, random.Random(args.seed))
        finally:
            connections.close_all()


def create_data(rows: int, rnd: random.Random):
    """60 accounts, 20,000 clients and ``rows`` use-log entries over the last year."""
    from django.db import connection, transaction
    from django.utils import timezone

    from anxin.accounts.models import User
    from anxin.accounts.services import store_create
    from anxin.clients.models import Client

    store = store_create(name="基准门店", short_code="BI")
    users = User.objects.bulk_create(
        [User(username=f"bench{i:02d}", full_name=f"员工{i:02d}") for i in range(ACCOUNTS)]
    )
    with transaction.atomic():
        Client.objects.bulk_create(
            [
                Client(store=store, code=f"KH{i:08d}", name=f"客户{i:05d}")
                for i in range(1, CLIENTS + 1)
            ],
            batch_size=2000,
        )
    client_ids = list(Client.objects.values_list("pk", flat=True))
    user_ids = [u.pk for u in users]
    now = timezone.now()
    year = 365 * 24 * 3600
    actions = ["view", "view", "view", "view_health", "reveal"]
    sql = (
        "INSERT INTO audit_uselog (seq, at, store_id, record_type, record_id, record_code, "
        "action, ip, request_id, mac, user_id, purpose, outcome, count) "
        "VALUES (%s, %s, %s, %s, %s, '', %s, '', '', %s, %s, '', %s, %s)"
    )
    # One chronological stream, as the log grows: seq and at increase together.
    offsets = sorted(rnd.randrange(year) for _ in range(rows))
    started = time.perf_counter()
    seq = 0
    with connection.cursor() as cursor:
        for first in range(0, rows, BATCH):
            batch = []
            for offset in offsets[first : first + BATCH]:
                seq += 1
                at = now - dt.timedelta(seconds=year - offset)
                bulk = rnd.random() < 0.10
                batch.append(
                    (
                        seq,
                        at,
                        store.pk,
                        "clients.client",
                        "*" if bulk else str(rnd.choice(client_ids)),
                        "search" if bulk else rnd.choice(actions),
                        "0" * 64,
                        rnd.choice(user_ids),
                        "denied" if rnd.random() < 0.02 else "allowed",
                        20 if bulk else 1,
                    )
                )
            with transaction.atomic():
                cursor.executemany(sql, batch)
    print(f"  {rows:,} use-log entries inserted in {time.perf_counter() - started:.1f} s")
    from anxin.core.db import update_statistics

    update_statistics()
    return store, user_ids, now


def run(rows: int, queries: int, rnd: random.Random) -> int:
    from django.db import connection

    from anxin.privacy.services_affected import read_client_ids

    store, user_ids, now = create_data(rows, rnd)

    def ours(user_id, start, end):
        return read_client_ids(account_id=user_id, start=start, end=end, store=store)

    def baseline(user_id, start, end):
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [user_id, start, end])
            return sorted(int(r[0]) for r in cursor.fetchall() if r[0].isdigit())

    # The plan each one gets (SQLite: EXPLAIN QUERY PLAN): both should use (user, at).
    if connection.vendor == "sqlite":
        from anxin.audit.models import UseLog

        qs = (
            UseLog.objects.filter(
                user_id=user_ids[0], at__gte=now - dt.timedelta(days=30), at__lt=now,
                record_type="clients.client", outcome="allowed", store=store,
            )
            .exclude(record_id="*")
            .order_by()
            .values_list("record_id", flat=True)
            .distinct()
        )  # fmt: skip
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            print("  plan (Anxin):    " + " | ".join(str(r[-1]) for r in cursor.fetchall()))
            cursor.execute("EXPLAIN QUERY PLAN " + BASELINE_SQL, [user_ids[0], now, now])
            print("  plan (baseline): " + " | ".join(str(r[-1]) for r in cursor.fetchall()))

    ours_times, base_times, found = [], [], []
    for i in range(queries):
        user_id = rnd.choice(user_ids)
        end = now - dt.timedelta(days=rnd.randrange(0, 330))
        start = end - dt.timedelta(days=30)
        order = [("ours", ours), ("base", baseline)]
        if i % 2:
            order.reverse()
        results = {}
        for name, fn in order:
            began = time.perf_counter()
            results[name] = fn(user_id, start, end)
            elapsed = time.perf_counter() - began
            (ours_times if name == "ours" else base_times).append(elapsed)
        if results["ours"] != results["base"]:
            print(f"FAIL: the two lists differ for account {user_id} ({start} .. {end})")
            return 1
        found.append(len(results["ours"]))

    ours_ms = statistics.median(ours_times) * 1000
    base_ms = statistics.median(base_times) * 1000
    ratio = ours_ms / base_ms if base_ms else float("inf")
    print(
        table(
            ["case", "median ms", "max ms", "clients found (median)"],
            [
                [
                    "Anxin (ORM)",
                    f"{ours_ms:.2f}",
                    f"{max(ours_times) * 1000:.2f}",
                    f"{statistics.median(found):.0f}",
                ],
                [
                    "hand-written SQL",
                    f"{base_ms:.2f}",
                    f"{max(base_times) * 1000:.2f}",
                    f"{statistics.median(found):.0f}",
                ],
            ],
        )
    )
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(
        f"RESULT privacy_incident: {rows:,} use-log rows, {queries} 30-day windows; "
        f"affected clients {ours_ms:.2f} ms vs hand-written SQL {base_ms:.2f} ms; "
        f"ratio {ratio:.2f} (target <= {TARGET:.0f}x: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
