"""Booking creation through the production server: POST /appointments/new/ as the front desk.

Starts ``anxin serve --no-worker`` (gunicorn, as ``make run``) with small demo data and
ANXIN_BENCH=1, adds practitioner accounts (no staff file, so no working-hours limit) in the
same throw-away data directory, logs in as the demo front desk through the login form, reads
the booking form once (CSRF token, practitioners, items), then POSTs bookings at distinct slots
(practitioner × day × 70-minute step from 10:00, 30 days ahead onwards) on keep-alive
connections for a fixed time. Baseline: POST /bench/minimal with the same cookies, body and
CSRF check, in the same run, in halves (A B B A). Prints bookings/s, p50 and p95, and the
ratio. Every created booking must be distinct (the redirect names its code).

Then the concurrency result: N (default 24) connections POST the same slot at once (one
barrier): attempts, successes (302), conflicts (400 naming the booking that holds the slot),
errors (anything else). Expected: 1 success, N-1 conflicts, 0 errors.
"""

from __future__ import annotations

import datetime as dt
import http.client
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from _common import ROOT, VENV_BIN, describe_database, parse_args, table, throwaway_environment
from bench_home import HOST, combine, demo_password, free_port, login, server, wait_ready
from bench_service_records import post_load

NEW, MINIMAL = "/appointments/new/", "/bench/minimal"
STEP = 70  # minutes: a 60-minute booking plus the rest gap
SLOTS_PER_DAY = 9  # 10:00 ... 19:20

SETUP = """
import os
from anxin.accounts.models import Store, User
from anxin.accounts.services import role_assign, user_create
from anxin.clients.models import Client
store = Store.objects.order_by("pk").first()
n = int(os.environ["BENCH_PRACTITIONERS"])
for i in range(n):
    u = user_create(username=f"bench-p{i:03d}", password=None, full_name=f"Bench {i:03d}")
    role_assign(user=u, store=store, role_key="practitioner")
codes = list(Client.objects.filter(store=store).order_by("pk").values_list("code", flat=True))
print("CLIENTS", " ".join(codes))
"""


def run_setup(env: dict[str, str], script: str, **params) -> str:
    """Run Django code in the benchmark's data directory (``anxin shell -c``)."""
    done = subprocess.run(
        [str(VENV_BIN / "anxin"), "shell", "-c", script],
        env={**env, **{k.upper(): str(v) for k, v in params.items()}},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise SystemExit(f"error: setup failed:\n{done.stderr[-3000:]}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        duration=dict(type=float, default=None, help="seconds per case (default 10, quick 3)"),
        connections=dict(type=int, default=4, help="concurrent keep-alive connections"),
        attempts=dict(type=int, default=24, help="concurrent attempts at one slot (>= 20)"),
    )
    duration = args.duration or (3.0 if args.quick else 10.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with throwaway_environment("booking") as env:
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "1", "ANXIN_DEMO_SCALE": "small"})
        log_path = Path(env["ANXIN_DATA_DIR"]).parent / "serve.log"
        port = free_port()
        print(f"booking benchmark: {describe_database(env)}")
        started = time.perf_counter()
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=300)
            print(f"server ready after {time.perf_counter() - started:.1f} s (migrate, demo data)")
            out = run_setup(env, SETUP, bench_practitioners=20)
            clients = next(line for line in out.splitlines() if line.startswith("CLIENTS"))
            clients = clients.split()[1:]
            cookie = login(port, "frontdesk", demo_password(log_path, "frontdesk"))
            token, people, items = read_form(port, cookie)
            print(
                f"logged in as the demo front desk: {len(people)} bench practitioners, "
                f"{len(items)} items, {len(clients)} clients; {args.connections} connections, "
                f"{duration:g} s per case"
            )
            code = measure(port, cookie, token, clients, people, items, args.connections, duration)
            return concurrency(port, cookie, token, clients, people, items, args.attempts) or code


def read_form(port: int, cookie: str):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", NEW, headers={"Cookie": cookie})
    response = conn.getresponse()
    html = response.read().decode()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"error: {NEW} answered {response.status}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def options(name, pattern=r'<option value="(\d+)"[^>]*>\s*([^<]*)'):
        block = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
        return re.findall(pattern, block.group(0)) if block else []

    people = [
        pk for pk, label in options("practitioner") if label.startswith(("Bench ", "bench-p"))
    ]
    items = [pk for pk, _label in options("item")]
    if not people or not items:
        raise SystemExit("error: the booking form offers no bench practitioners or no items")
    return token, people, items


def local_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()  # Asia/Shanghai


def slot(index: int, people: list[str], first_day: dt.date) -> tuple[str, str]:
    """The index-th distinct slot: practitioner, then 70-minute steps, then days."""
    who = people[index % len(people)]
    k = index // len(people)
    day = first_day + dt.timedelta(days=k // SLOTS_PER_DAY)
    start = dt.datetime.combine(day, dt.time(10)) + dt.timedelta(minutes=STEP * (k % SLOTS_PER_DAY))
    return who, start.strftime("%Y-%m-%dT%H:%M")


def measure(port, cookie, token, clients, people, items, connections, duration) -> int:
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    first_day = local_today() + dt.timedelta(days=30)
    lock, counter = threading.Lock(), [0]

    def bodies(i, n):
        with lock:  # every POST (bookings and baseline alike) takes the next distinct slot
            index = counter[0]
            counter[0] += 1
        who, start = slot(index, people, first_day)
        return urlencode(
            {
                "csrfmiddlewaretoken": token,
                "client": clients[index % len(clients)],
                "practitioner": who,
                "item": items[0],
                "minutes": "60",
                "start": start,
                "room": "",
            }
        )

    cases = {
        "book": ("POST /appointments/new/ (a new booking)", NEW, 302),
        "minimal": ("POST /bench/minimal (same body)", MINIMAL, 200),
    }
    for _label, path, expect in cases.values():  # warm-up
        post_load(port, path, bodies, headers, connections, 1.0, expect)
    runs = {key: [] for key in cases}
    for key in ["book", "minimal", "minimal", "book"]:
        _label, path, expect = cases[key]
        runs[key].append(post_load(port, path, bodies, headers, connections, duration / 2, expect))
    stats = {key: combine(parts) for key, parts in runs.items()}
    created = [loc for part in runs["book"] for loc in part["locations"]]
    print_stats({k: cases[k][0] for k in cases}, stats, "unexpected")
    book, minimal = stats["book"], stats["minimal"]
    ratio = book["rate"] / minimal["rate"] if minimal["rate"] else 0.0
    print(
        f"RESULT booking: {book['rate']:.1f} bookings/s (p50 {book['p50'] * 1000:.1f} ms, "
        f"p95 {book['p95'] * 1000:.1f} ms); minimal POST {minimal['rate']:.0f}/s (p95 "
        f"{minimal['p95'] * 1000:.1f} ms); ratio {ratio:.2f}"
    )
    if len(set(created)) != len(created) or not all(
        re.fullmatch(r"/appointments/YY\d+/", loc) for loc in created
    ):
        print("error: the created bookings are not all distinct bookings")
        return 1
    if any(s["bad"] or not s["ok"] for s in stats.values()):
        print("error: unexpected answers")
        return 1
    return 0


def print_stats(labels: dict[str, str], stats: dict[str, dict], bad: str) -> None:
    """The figures of each case as a table (``bad``: what the wrong answers are called)."""
    rows = [
        [
            labels[k],
            str(s["ok"]),
            f"{s['rate']:.1f}",
            f"{s['p50'] * 1000:.1f}",
            f"{s['p95'] * 1000:.1f}",
            str(s["bad"]),
            str(s["errors"]),
        ]
        for k, s in stats.items()
    ]
    print()
    print(table(["", "requests", "per s", "p50 ms", "p95 ms", bad, "errors"], rows))
    print()


def concurrency(port, cookie, token, clients, people, items, attempts) -> int:
    """``attempts`` connections POST one slot at the same moment."""
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    start = dt.datetime.combine(local_today() + dt.timedelta(days=400), dt.time(15))
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = [""] * attempts

    def attempt(i):
        body = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "client": clients[i % len(clients)],
                "practitioner": people[0],
                "item": items[0],
                "minutes": "60",
                "start": start.strftime("%Y-%m-%dT%H:%M"),
                "room": "",
            }
        )
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            conn.connect()
            barrier.wait(timeout=60)
            conn.request("POST", NEW, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            outcomes[i] = f"error {type(exc).__name__}"
            return
        finally:
            conn.close()
        if response.status == 302:
            outcomes[i] = "success"
        elif response.status == 400 and re.search(r"YY\d{8,}", page):
            outcomes[i] = "conflict"  # the form names the booking that holds the slot
        else:
            outcomes[i] = f"error {response.status}"

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - t0
    successes = outcomes.count("success")
    conflicts = outcomes.count("conflict")
    errors = attempts - successes - conflicts
    print(
        f"RESULT booking_concurrency: {attempts} concurrent attempts at one slot -> "
        f"{successes} success, {conflicts} conflicts, {errors} errors in {elapsed:.2f} s "
        f"(expected 1, {attempts - 1}, 0)"
    )
    if errors:
        print("errors:", sorted({o for o in outcomes if o.startswith("error")}))
    return 0 if (successes, conflicts, errors) == (1, attempts - 1, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
