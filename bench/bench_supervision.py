"""Supervision at a store's scale (issue 14): audit evidence over 2,000,000 use-log entries, and
the monthly KPIs of 60 practitioners over three years of service records against one
hand-written SQL aggregate.

Set-up (a throw-away data directory and database): one store, 60 accounts with staff files (6
of them departed, 2 of those still active), 20,000 bare clients, ``--services`` service records
(default 60 a day per store over three years, about 65,000; 10% entered more than 24 hours after
the service) and ``--rows`` use-log entries (default 2,000,000, quick 200,000) over a year: 90%
reads of a client, 3% reveals (one in ten of them without a purpose), the rest lists. Raw
INSERTs for the log (the HMAC chain is not what is measured).

1. Audit evidence: for ``--queries`` random quarters, each of the three log checks
   (``checks.reveals_without_purpose``, ``departed_staff_with_access``, ``use_log_gaps``), as
   the audit page runs them. Target: each under 2 s (the maximum).
2. KPIs: ``kpis.figures(store=, month=)`` for every month of the three years against one
   hand-written SQL aggregate of the same counts (entries, late entries, clients with gaps,
   alerts per person), month by month, alternating, ``--rounds`` times. Both must agree per
   person. Target: the 36 months within 2x of the SQL's time.

``--kpi-data DIR``: part 2 only, on a copy of a store-scale demo data directory (SQLite), e.g.
``bench/.cache/store-sqlite`` as ``bench_pages.py`` builds it: 60 practitioners, about 300,000
service records over 36 months, the demo's clients, alerts and complaints.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

from _common import describe_database, parse_args, table, throwaway_environment

ACCOUNTS = 60
CLIENTS = 20_000
BATCH = 20_000
TARGET_SECONDS = 2.0
TARGET_RATIO = 2.0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        rows=dict(type=int, default=None, help="use-log entries (default 2000000, quick 200000)"),
        services=dict(type=int, default=None, help="service records (default 65000, quick 20000)"),
        queries=dict(type=int, default=None, help="random quarters (default 10, quick 3)"),
        rounds=dict(type=int, default=None, help="rounds over the 36 months (default 3, quick 1)"),
        kpi_data=dict(
            default=None,
            help="a store-scale data directory (SQLite; e.g. bench/.cache/store-sqlite, built by "
            "bench_pages.py): measure the KPIs on a copy of it instead (its first store); the "
            "audit evidence is then not measured",
        ),
        seed=dict(type=int, default=14, help="random seed"),
    )
    rows = args.rows or (200_000 if args.quick else 2_000_000)
    services = args.services or (20_000 if args.quick else 65_000)
    queries = args.queries or (3 if args.quick else 10)
    rounds = args.rounds or (1 if args.quick else 3)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with throwaway_environment("supervision") as env:
        if args.kpi_data:
            if env.get("DATABASE_URL"):
                raise SystemExit("--kpi-data takes a SQLite data directory: unset DATABASE_URL")
            source = Path(args.kpi_data)
            source = source / "data" if (source / "data").is_dir() else source
            shutil.copytree(source, env["ANXIN_DATA_DIR"])  # the cache itself is never written
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        from anxin.crypto import keyring

        keyring.current().live()
        print(f"supervision benchmark: {describe_database(env)}")
        try:
            rnd = random.Random(args.seed)
            if args.kpi_data:
                from django.utils import timezone

                from anxin.accounts.models import Store

                store = Store.objects.order_by("pk").first()
                print(f"  KPIs on a copy of {args.kpi_data} (store {store.short_code})")
                return 1 if kpi_figures(store, timezone.now(), rounds) else 0
            store, _users, now = create_data(rows, services, rnd)
            failed = audit_evidence(store, now, queries, rnd)
            failed |= kpi_figures(store, now, rounds)
            return 1 if failed else 0
        finally:
            connections.close_all()


def create_data(rows: int, services: int, rnd: random.Random):
    from django.db import connection, transaction
    from django.utils import timezone

    from anxin.accounts.models import RoleAssignment, User
    from anxin.accounts.services import roles_ensure_defaults, store_create
    from anxin.clients.models import Client, ServiceRecord
    from anxin.staff.models import StaffMember

    started = time.perf_counter()
    store = store_create(name="基准门店", short_code="BS")
    role = {r.key: r for r in roles_ensure_defaults()}["practitioner"]
    users = User.objects.bulk_create(
        [User(username=f"bench{i:02d}", full_name=f"员工{i:02d}") for i in range(ACCOUNTS)]
    )
    today = timezone.localdate()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, store=store, role=role) for u in users]
    )
    members = []
    for i, u in enumerate(users):
        left = today - dt.timedelta(days=200 + 10 * i) if i < 6 else None
        members.append(
            StaffMember(store=store, user=u, kind="staff", name=f"员工{i:02d}",
                        hire_date=today - dt.timedelta(days=4 * 365), left_on=left)
        )  # fmt: skip
    StaffMember.objects.bulk_create(members)
    # Four of the six who left were switched off properly; two keep an active account.
    User.objects.filter(pk__in=[u.pk for u in users[:4]]).update(is_active=False)
    RoleAssignment.objects.filter(user__in=users[:4]).update(active=False)
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
    span = 3 * 365 * 24 * 3600
    records = []
    for _n in range(services):
        served = now - dt.timedelta(seconds=rnd.randrange(60, span))
        who = rnd.choice(user_ids[6:])
        records.append(
            ServiceRecord(store=store, client_id=rnd.choice(client_ids), practitioner_id=who,
                          served_at=served, item_name="全身按摩", amount="128.00",
                          created_by_id=who)
        )  # fmt: skip
    with transaction.atomic():
        ServiceRecord.objects.bulk_create(records, batch_size=2000)
    # When each was entered: mostly within the hour, one in ten a day or two later.
    with connection.cursor() as cursor, transaction.atomic():
        changes = []
        for pk, served in ServiceRecord.objects.values_list("pk", "served_at"):
            late = rnd.random() < 0.10
            delay = dt.timedelta(
                hours=rnd.randrange(25, 60) if late else 0, minutes=rnd.randrange(1, 50)
            )
            changes.append((connection.ops.adapt_datetimefield_value(served + delay), pk))
        cursor.executemany(
            "UPDATE clients_servicerecord SET created_at = %s WHERE id = %s", changes
        )
    year = 365 * 24 * 3600
    sql = (
        "INSERT INTO audit_uselog (seq, at, store_id, record_type, record_id, record_code, "
        "action, ip, request_id, mac, user_id, purpose, outcome, count) "
        "VALUES (%s, %s, %s, %s, %s, '', %s, '', '', %s, %s, %s, 'allowed', %s)"
    )
    offsets = sorted(rnd.randrange(year) for _ in range(rows))
    seq = 0
    with connection.cursor() as cursor:
        for first in range(0, rows, BATCH):
            batch = []
            for offset in offsets[first : first + BATCH]:
                seq += 1
                at = now - dt.timedelta(seconds=year - offset)
                r = rnd.random()
                action = "search" if r < 0.07 else "reveal" if r < 0.10 else "view"
                purpose = ""
                if action == "reveal" and rnd.random() < 0.9:
                    purpose = "核对电话"
                batch.append(
                    (seq, connection.ops.adapt_datetimefield_value(at), store.pk, "clients.client",
                     "*" if action == "search" else str(rnd.choice(client_ids)), action,
                     "0" * 64, rnd.choice(user_ids), purpose, 20 if action == "search" else 1)
                )  # fmt: skip
            with transaction.atomic():
                cursor.executemany(sql, batch)
    from anxin.core.db import update_statistics

    update_statistics()
    print(
        f"  data ready in {time.perf_counter() - started:.1f} s: {ACCOUNTS} accounts, "
        f"{CLIENTS:,} clients, {services:,} service records over three years, "
        f"{rows:,} use-log entries over a year"
    )
    return store, users, now


def _plan(store, start, end):
    from anxin.supervision.models import AuditPlan

    return AuditPlan(store=store, title="bench", scope="bench", period_start=start, period_end=end)


def audit_evidence(store, now, queries: int, rnd: random.Random) -> bool:
    from django.db import connection

    from anxin.audit.models import UseLog
    from anxin.core.dates import day_range
    from anxin.supervision import checks

    today = now.date()
    if connection.vendor == "sqlite":
        start, end = day_range(today - dt.timedelta(days=90), today)
        qs = UseLog.objects.filter(store=store, action="reveal", at__gte=start, at__lt=end,
                                   purpose="")  # fmt: skip
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            print("  plan (reveals without a purpose): "
                  + " | ".join(str(r[-1]) for r in cursor.fetchall()))  # fmt: skip
    cases = {
        "reveals without a purpose": checks.reveals_without_purpose,
        "departed staff with access": checks.departed_staff_with_access,
        "use-log gaps (a day each)": checks.use_log_gaps,
    }
    times = {name: [] for name in cases}
    counts = {name: [] for name in cases}
    for _i in range(queries):
        end = today - dt.timedelta(days=rnd.randrange(0, 270))
        plan = _plan(store, end - dt.timedelta(days=90), end)
        for name, run in cases.items():
            began = time.perf_counter()
            count, _rows = run(plan)
            times[name].append(time.perf_counter() - began)
            counts[name].append(count)
    failed = False
    out = []
    for name in cases:
        worst = max(times[name])
        failed |= worst >= TARGET_SECONDS
        out.append([name, f"{statistics.median(times[name]) * 1000:.1f}", f"{worst * 1000:.1f}",
                    str(int(statistics.median(counts[name]))),
                    "ok" if worst < TARGET_SECONDS else "SLOW"])  # fmt: skip
    print(f"audit evidence over a quarter ({queries} random quarters; target under "
          f"{TARGET_SECONDS:.0f} s each):")  # fmt: skip
    print(table(["check", "median ms", "max ms", "rows found (median)", "target"], out))
    return failed


def baseline_sql(vendor: str) -> str:
    # The same arithmetic as the KPIs' (kpis.EnteredLate): on SQLite Julian days, the fastest
    # of datetime(), strftime() and julianday() by hand (measured 2026-12-03).
    late = (
        "s.created_at > s.served_at + interval '24 hours'"
        if vendor == "postgresql"
        else "julianday(s.created_at) - julianday(s.served_at) > 1.0"
    )
    consent = "c.general_consent = false" if vendor == "postgresql" else "c.general_consent = 0"
    # Constant SQL: only the vendor's date arithmetic is chosen; values go as parameters.
    return (
        "SELECT who, SUM(n), SUM(late), SUM(q), SUM(a) FROM ("  # noqa: S608
        f" SELECT COALESCE(s.created_by_id, s.practitioner_id) AS who, 1 AS n,"
        f"  CASE WHEN {late} THEN 1 ELSE 0 END AS late, 0 AS q, 0 AS a"
        "  FROM clients_servicerecord s WHERE s.store_id = %s AND s.served_at >= %s"
        "  AND s.served_at < %s"
        " UNION ALL SELECT c.created_by_id, 0, 0, 1, 0 FROM clients_client c"
        "  WHERE c.store_id = %s AND c.created_at >= %s AND c.created_at < %s"
        "  AND c.status <> 'withdrawn' AND"
        f"  (c.phone_index IS NULL OR c.birth_date IS NULL OR c.gender = 'U' OR {consent})"
        " UNION ALL SELECT l.user_id, 0, 0, 0, 1 FROM audit_alert l WHERE l.store_id = %s"
        "  AND l.occurred_at >= %s AND l.occurred_at < %s"
        ") t GROUP BY who"
    )


def kpi_figures(store, now, rounds: int) -> bool:
    """Every month of the three years: ``kpis.figures`` and the hand-written aggregate, each
    month one after the other (order alternating), ``rounds`` times over the 36 months."""
    from django.db import connection

    from anxin.supervision import kpis

    first = (now.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = [first]
    while len(months) < 36:
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    sql = baseline_sql(connection.vendor)

    def ours(month):
        return {
            uid: (f["entries"], f["late_entries"], f["quality_issues"], f["alerts"])
            for uid, f in kpis.figures(store=store, month=month).items()
        }

    def baseline(month):
        start, end = kpis.month_range(month)
        # Times as the database stores them (UTC), as the ORM passes them.
        bounds = [connection.ops.adapt_datetimefield_value(t) for t in (start, end)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [store.pk, *bounds] * 3)
            return {r[0]: tuple(int(v) for v in r[1:]) for r in cursor.fetchall() if r[0]}

    ours(first), baseline(first)  # warm the caches
    ours_t = {m: [] for m in months}
    base_t = {m: [] for m in months}
    people, entries = set(), 0
    for r in range(rounds):
        for i, month in enumerate(months):
            order = [("ours", ours), ("base", baseline)]
            if (i + r) % 2:
                order.reverse()
            results = {}
            for name, fn in order:
                began = time.perf_counter()
                results[name] = fn(month)
                (ours_t if name == "ours" else base_t)[month].append(time.perf_counter() - began)
            zero = (0, 0, 0, 0)
            diff = [
                (k, v, results["base"].get(k, zero))
                for k, v in results["ours"].items()
                if results["base"].get(k, zero) != v
            ]
            if diff:
                print(f"FAIL: {month:%Y-%m}: the KPIs and the SQL aggregate differ "
                      f"(id, ours, SQL): {diff[:5]}")  # fmt: skip
                return True
            if not r:
                people |= set(results["ours"])
                entries += sum(v[0] for v in results["ours"].values())
    # Per month the median of the rounds; the three years are the sum of the months.
    ours_m = {m: statistics.median(v) * 1000 for m, v in ours_t.items()}
    base_m = {m: statistics.median(v) * 1000 for m, v in base_t.items()}
    ours_total, base_total = sum(ours_m.values()), sum(base_m.values())
    ratio = ours_total / base_total if base_total else float("inf")
    per_month = statistics.median(ours_m[m] / base_m[m] for m in months if base_m[m])
    print(f"monthly KPIs, every month of three years ({months[-1]:%Y-%m} to {first:%Y-%m}): "
          f"{len(people)} people in post at some time, {entries:,} service records; "
          f"{rounds} rounds, alternating):")  # fmt: skip
    print(table(["case", "36 months ms", "a month: median ms", "slowest month ms"], [
        ["kpis.figures (ORM, all KPIs)", f"{ours_total:.0f}",
         f"{statistics.median(ours_m.values()):.1f}", f"{max(ours_m.values()):.1f}"],
        ["hand-written SQL aggregate", f"{base_total:.0f}",
         f"{statistics.median(base_m.values()):.1f}", f"{max(base_m.values()):.1f}"],
    ]))  # fmt: skip
    print(f"ratio {ratio:.2f}x over the 36 months (median month {per_month:.2f}x; target within "
          f"{TARGET_RATIO:.0f}x): {'ok' if ratio <= TARGET_RATIO else 'SLOW'}")  # fmt: skip
    print(f"RESULT supervision KPIs: {ratio:.2f}x the hand-written SQL over 36 months "
          f"({ours_total:.0f} ms vs {base_total:.0f} ms)")  # fmt: skip
    return ratio > TARGET_RATIO


if __name__ == "__main__":
    sys.exit(main())
