"""Monthly performance for all practitioners: ``monthly_figures`` against one hand-written SQL.

In a throw-away data directory: migrate, small demo data, then a store-scale month: 60
practitioner accounts with staff files, working hours and a clock record for every worked day
of last month, six services a day each (about 10,800 service records, 30% with feedback), 70%
of them from an appointment (the rest walk-ins). Then, in the same run and alternating (A B B A
…), ``performance.figures.monthly_figures(store=, month=)`` and one hand-written SQL statement
that aggregates the same figures from the same tables (services, distinct clients, revenue,
satisfaction, ratings, booked and walk-in minutes, clocked minutes). The per-practitioner
service counts and revenue of both must agree. Prints the median and best times and the ratio.

Target: monthly_figures within 2x of the hand-written SQL.
"""

from __future__ import annotations

import datetime as dt
import signal
import statistics
import sys
import time
from decimal import Decimal

from _common import django_in, parse_args, table, throwaway_environment

PRACTITIONERS = 60
PER_DAY = 6
TARGET = 2.0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        repeats=dict(type=int, default=None, help="timed runs of each (default 10, quick 3)"),
    )
    repeats = args.repeats or (3 if args.quick else 10)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with throwaway_environment("performance") as env:
        started = django_in(env, "monthly performance benchmark")
        from anxin.core.management.commands.demo import load_demo

        load_demo(scale="small", seed=1)
        store, month, counts = make_month()
        print(
            f"data ready after {time.perf_counter() - started:.1f} s: {PRACTITIONERS} "
            f"practitioners, {counts['records']} service records in {month:%Y-%m} "
            f"({counts['appointments']} from appointments, {counts['feedback']} rated), "
            f"{counts['clocks']} clock records; {repeats} timed runs of each"
        )
        return measure(store, month, repeats)


def make_month():
    import random

    from django.utils import timezone

    from anxin.accounts.models import Store, User
    from anxin.accounts.services import role_assign, user_create
    from anxin.attendance.models import ClockRecord, WorkPattern
    from anxin.catalogue.models import ServiceItem
    from anxin.clients.models import Client, ClockType, ServiceRecord
    from anxin.core.codes import allocate_code
    from anxin.delivery.models import Feedback
    from anxin.scheduling.models import Appointment, Status
    from anxin.staff.models import StaffMember

    rnd = random.Random(7)
    store = Store.objects.order_by("pk").first()
    desk = User.objects.get(username="frontdesk")
    clients = list(Client.objects.filter(store=store).values_list("pk", flat=True))
    items = list(ServiceItem.objects.filter(store=store, active=True))
    zone = timezone.get_current_timezone()
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    days = [
        first + dt.timedelta(days=i)
        for i in range(31)
        if (first + dt.timedelta(days=i)).month == first.month
    ]
    week = {str(d): ["10:00", "22:00"] for d in range(7)}
    people, records, clocks = [], [], []
    for i in range(PRACTITIONERS):
        u = user_create(username=f"bench-p{i:03d}", password=None, full_name=f"Bench {i:03d}")
        role_assign(user=u, store=store, role_key="practitioner")
        m = StaffMember.objects.create(
            store=store, user=u, code=allocate_code("MS"), kind="practitioner",
            name=f"Bench {i:03d}", hire_date=first - dt.timedelta(days=400),
        )  # fmt: skip
        WorkPattern.objects.create(member=m, week=week)
        people.append(u)
        for day in days:
            if day.weekday() == i % 7:
                continue  # a day off a week
            opened = dt.datetime.combine(day, dt.time(10), tzinfo=zone)
            clocks.append(
                ClockRecord(
                    member=m,
                    store=store,
                    clock_in=opened,
                    clock_out=opened + dt.timedelta(hours=11),
                )
            )
            for n in range(PER_DAY):
                item = rnd.choice(items)
                start = opened + dt.timedelta(minutes=100 * n + rnd.randrange(0, 20, 5))
                served = start + dt.timedelta(minutes=item.duration)
                records.append(
                    ServiceRecord(
                        store=store, client_id=rnd.choice(clients), practitioner=u,
                        served_at=served, started_at=start, ended_at=served, item=item,
                        item_name=item.name, amount=item.price, clock_type=ClockType.NAMED,
                        created_by=u, updated_by=u,
                    )
                )  # fmt: skip
    ClockRecord.objects.bulk_create(clocks, batch_size=2000)
    ServiceRecord.objects.bulk_create(records, batch_size=2000)
    saved = list(
        ServiceRecord.objects.filter(practitioner__in=people).order_by("pk")
    )  # ids on every database
    feedback = [
        Feedback(service=r, score=rnd.choice([5, 5, 4, 4, 3, 2]), comments="", created_by=desk,
                 updated_by=desk)
        for r in saved
        if rnd.random() < 0.3
    ]  # fmt: skip
    Feedback.objects.bulk_create(feedback, batch_size=2000)
    month_code = first.strftime("%y%m")
    appointments = [
        Appointment(
            code=f"YY{month_code}{2000 + n:04d}", store=store, client_id=r.client_id,
            practitioner_id=r.practitioner_id, item=r.item, item_name=r.item_name,
            start=r.started_at, end=r.ended_at, busy_until=r.ended_at + dt.timedelta(minutes=10),
            clock_type=r.clock_type, status=Status.DONE, started_at=r.started_at,
            ended_at=r.ended_at, service_record=r, created_by=desk, updated_by=desk,
        )
        for n, r in enumerate(x for x in saved if rnd.random() < 0.7)
    ]  # fmt: skip
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    counts = {
        "records": len(saved),
        "appointments": len(appointments),
        "feedback": len(feedback),
        "clocks": len(clocks),
    }
    return store, first, counts


def minutes_sql(vendor: str, later: str, earlier: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 60"
    return f"(julianday({later}) - julianday({earlier})) * 1440"


def hand_written(store, month):
    """One statement: every figure per practitioner, straight from the tables."""
    from django.db import connection

    from anxin.performance.figures import month_bounds
    from anxin.scheduling.selectors import practitioners

    start, end = month_bounds(month)
    ids = list(practitioners(store).values_list("pk", flat=True))
    marks = ", ".join(["%s"] * len(ids))
    v = connection.vendor
    sql = f"""
    WITH s AS (
        SELECT sr.practitioner_id AS pid, COUNT(*) AS services,
               COUNT(DISTINCT sr.client_id) AS clients, SUM(sr.amount) AS revenue,
               AVG(f.score) AS satisfaction, COUNT(f.id) AS rated
        FROM clients_servicerecord sr LEFT JOIN delivery_feedback f ON f.service_id = sr.id
        WHERE sr.store_id = %s AND sr.served_at >= %s AND sr.served_at < %s
              AND sr.practitioner_id IN ({marks})
        GROUP BY sr.practitioner_id),
    b AS (
        SELECT practitioner_id AS pid, SUM({minutes_sql(v, '"end"', '"start"')}) AS booked
        FROM scheduling_appointment
        WHERE store_id = %s AND status IN ('booked', 'in_service', 'done')
              AND "start" >= %s AND "start" < %s AND practitioner_id IN ({marks})
        GROUP BY practitioner_id),
    w AS (
        SELECT sr.practitioner_id AS pid, SUM(i.duration) AS walk_in
        FROM clients_servicerecord sr JOIN catalogue_serviceitem i ON i.id = sr.item_id
        LEFT JOIN scheduling_appointment a ON a.service_record_id = sr.id
        WHERE sr.store_id = %s AND sr.served_at >= %s AND sr.served_at < %s AND a.id IS NULL
              AND sr.practitioner_id IN ({marks})
        GROUP BY sr.practitioner_id),
    c AS (
        SELECT m.user_id AS pid, SUM({minutes_sql(v, "cr.clock_out", "cr.clock_in")}) AS worked
        FROM attendance_clockrecord cr JOIN staff_staffmember m ON m.id = cr.member_id
        WHERE cr.store_id = %s AND cr.clock_in >= %s AND cr.clock_in < %s
              AND cr.clock_out IS NOT NULL AND m.user_id IN ({marks})
        GROUP BY m.user_id)
    SELECT u.id, s.services, s.clients, s.revenue, s.satisfaction, s.rated,
           b.booked, w.walk_in, c.worked
    FROM accounts_user u
    LEFT JOIN s ON s.pid = u.id LEFT JOIN b ON b.pid = u.id
    LEFT JOIN w ON w.pid = u.id LEFT JOIN c ON c.pid = u.id
    WHERE u.id IN ({marks})
    """  # noqa: S608 - only placeholders and constant SQL are interpolated
    start, end = (connection.ops.adapt_datetimefield_value(x) for x in (start, end))
    params = [store.pk, start, end, *ids] * 4 + ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def measure(store, month, repeats: int) -> int:
    from anxin.performance.figures import monthly_figures

    figures = monthly_figures(store=store, month=month)  # warm-up, and the check below
    rows = hand_written(store=store, month=month)
    by_id = {r[0]: r for r in rows}
    mismatched = [
        f["practitioner_id"]
        for f in figures
        if (by_id[f["practitioner_id"]][1] or 0) != f["services"]
        or Decimal(str(by_id[f["practitioner_id"]][3] or 0)).quantize(Decimal("0.01"))
        != Decimal(f["revenue"])
    ]
    from anxin.performance.figures import _worked_minutes, practitioners

    people = list(practitioners(store))
    times = {"figures": [], "sql": [], "attendance": []}
    for _n in range(repeats):
        for key in ("figures", "sql", "attendance", "attendance", "sql", "figures"):
            t0 = time.perf_counter()
            if key == "figures":
                monthly_figures(store=store, month=month)
            elif key == "sql":
                hand_written(store=store, month=month)
            else:  # the part of monthly_figures that is the attendance summary
                _worked_minutes(store=store, month=month, people=people)
            times[key].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    print()
    print(
        table(
            ["", "runs", "median ms", "best ms"],
            [
                ["monthly_figures (all practitioners)", str(len(times["figures"])),
                 f"{med['figures'] * 1000:.1f}", f"{best['figures'] * 1000:.1f}"],
                ["hand-written SQL (one statement)", str(len(times["sql"])),
                 f"{med['sql'] * 1000:.1f}", f"{best['sql'] * 1000:.1f}"],
                ["  of figures: attendance summary", str(len(times["attendance"])),
                 f"{med['attendance'] * 1000:.1f}", f"{best['attendance'] * 1000:.1f}"],
            ],
        )
    )  # fmt: skip
    print()
    ratio = med["figures"] / med["sql"] if med["sql"] else 0.0
    verdict = "met" if ratio <= TARGET else "NOT met"
    rest = max(med["figures"] - med["attendance"], 0.0)
    print(
        f"RESULT performance: monthly_figures for {len(figures)} practitioners "
        f"{med['figures'] * 1000:.1f} ms median; hand-written SQL {med['sql'] * 1000:.1f} ms; "
        f"ratio {ratio:.2f} (target <= {TARGET:g}, {verdict}); of which the attendance "
        f"summary {med['attendance'] * 1000:.1f} ms, the rest {rest * 1000:.1f} ms "
        f"(ratio {rest / med['sql'] if med['sql'] else 0:.2f})"
    )
    if mismatched or len(figures) < PRACTITIONERS:
        print(f"error: the figures and the SQL disagree for practitioners {mismatched[:10]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
