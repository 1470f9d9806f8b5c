"""Free-slot search through the production server: one item's length, one day, every practitioner.

Starts ``anxin serve --no-worker`` (gunicorn, as ``make run``) with small demo data and
ANXIN_BENCH=1, then adds store-scale practitioners in the same throw-away data directory: 60
practitioner accounts, each with a staff file and working hours (10:00-22:00 every day, so the
attendance filter runs for all of them), each with four bookings on the searched day (made
through ``appointment_book``). Logs in as the demo front desk and loads GET
/appointments/free/?day=…&minutes=60 against GET /bench/minimal with the same cookie, on keep-
alive connections for the same time, in halves (A B B A). Prints requests/s, p50 and p95 and
the p95 ratio. Every answer must list all 60 practitioners, or the benchmark fails.
"""

from __future__ import annotations

import datetime as dt
import http.client
import signal
import sys
import time
from pathlib import Path

from _common import describe_database, parse_args, throwaway_environment
from bench_booking import local_today, print_stats, run_setup
from bench_home import HOST, combine, demo_password, free_port, load, login, server, wait_ready

MINIMAL = "/bench/minimal"
PRACTITIONERS = 60

SETUP = """
import datetime as dt, os
from django.utils import timezone
from anxin.accounts.models import Store, User
from anxin.accounts.services import role_assign, user_create
from anxin.attendance.models import WorkPattern
from anxin.clients.models import Client
from anxin.core.codes import allocate_code
from anxin.scheduling.services import appointment_book
from anxin.staff.models import StaffMember
store = Store.objects.order_by("pk").first()
desk = User.objects.get(username="frontdesk")
clients = list(Client.objects.filter(store=store).order_by("pk"))
day = dt.date.fromisoformat(os.environ["BENCH_DAY"])
zone = timezone.get_current_timezone()
week = {str(d): ["10:00", "22:00"] for d in range(7)}
made = 0
for i in range(int(os.environ["BENCH_PRACTITIONERS"])):
    u = user_create(username=f"bench-p{i:03d}", password=None, full_name=f"Bench {i:03d}")
    role_assign(user=u, store=store, role_key="practitioner")
    m = StaffMember.objects.create(
        store=store, user=u, code=allocate_code("MS"), kind="practitioner",
        name=f"Bench {i:03d}", hire_date=day - dt.timedelta(days=400),
    )
    WorkPattern.objects.create(member=m, week=week)
    for n, (h, mi) in enumerate([(10, 0), (12, 15), (14, 30), (17, 0)]):
        start = dt.datetime.combine(day, dt.time(h, mi + (i % 4) * 5), tzinfo=zone)
        appointment_book(actor=desk, store=store, client=clients[(i + n) % len(clients)],
                         practitioner=u, start=start, minutes=60)
        made += 1
print("BOOKINGS", made)
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        duration=dict(type=float, default=None, help="seconds per case (default 10, quick 3)"),
        connections=dict(type=int, default=4, help="concurrent keep-alive connections"),
    )
    duration = args.duration or (3.0 if args.quick else 10.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    day = local_today() + dt.timedelta(days=7)
    with throwaway_environment("free-slots") as env:
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "1", "ANXIN_DEMO_SCALE": "small"})
        log_path = Path(env["ANXIN_DATA_DIR"]).parent / "serve.log"
        port = free_port()
        print(f"free-slot benchmark: {describe_database(env)}")
        started = time.perf_counter()
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=300)
            print(f"server ready after {time.perf_counter() - started:.1f} s (migrate, demo data)")
            out = run_setup(env, SETUP, bench_practitioners=PRACTITIONERS, bench_day=day)
            bookings = next(x for x in out.splitlines() if x.startswith("BOOKINGS")).split()[1]
            cookie = login(port, "frontdesk", demo_password(log_path, "frontdesk"))
            path = f"/appointments/free/?day={day.isoformat()}&minutes=60"
            check(port, cookie, path)
            print(
                f"{PRACTITIONERS} practitioners with staff files and working hours, {bookings} "
                f"bookings on {day}; {args.connections} connections, {duration:g} s per case"
            )
            return measure(port, cookie, path, args.connections, duration)


def check(port: int, cookie: str, path: str) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode(errors="replace")
    conn.close()
    listed = sum(
        f"bench-p{i:03d}" in page or f"Bench {i:03d}" in page for i in range(PRACTITIONERS)
    )
    if response.status != 200 or listed != PRACTITIONERS:
        raise SystemExit(
            f"error: {path} answered {response.status} listing {listed} of {PRACTITIONERS}"
        )


def measure(port, cookie, path, connections, duration) -> int:
    headers = {"Cookie": cookie}
    cases = {
        "free": (f"GET {path}", path),
        "minimal": ("GET /bench/minimal (logged in)", MINIMAL),
    }
    for _label, p in cases.values():
        load(port, p, headers, connections, 1.0)
    runs = {key: [] for key in cases}
    for key in ["free", "minimal", "minimal", "free"]:
        runs[key].append(load(port, cases[key][1], headers, connections, duration / 2))
    stats = {key: combine(parts) for key, parts in runs.items()}
    print_stats({k: cases[k][0] for k in cases}, stats, "non-200")
    free, minimal = stats["free"], stats["minimal"]
    ratio = free["p95"] / minimal["p95"] if minimal["p95"] else 0.0
    print(
        f"RESULT free_slots: {PRACTITIONERS} practitioners, one day: p95 {free['p95'] * 1000:.1f} "
        f"ms (p50 {free['p50'] * 1000:.1f} ms, {free['rate']:.1f}/s); minimal view p95 "
        f"{minimal['p95'] * 1000:.1f} ms ({minimal['rate']:.0f}/s); p95 ratio {ratio:.1f}x"
    )
    if any(s["bad"] or not s["ok"] for s in stats.values()):
        print("error: unexpected answers")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
