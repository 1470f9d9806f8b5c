"""Service-record creation through the production server: POST /services/new/ as a practitioner.

Starts ``anxin serve --no-worker`` (gunicorn, as ``make run``) with demo data (small scale: the
catalogue, promotions and service history) and ANXIN_BENCH=1, logs in as the demo practitioner
through the login form, reads the record form once (CSRF token, the practitioner's recent
clients, the items), then POSTs new records (client, item; amount and time by default, as the
keyboard flow does) on keep-alive connections for a fixed time. The baseline is POST
/bench/minimal with the same cookies, body and CSRF check, in the same run, in halves
(A B B A). Prints records/s, p50 and p95, and the ratio against the baseline. Every created
record must be distinct (the redirect names it), or the benchmark fails.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from _common import describe_database, parse_args, table, throwaway_environment
from bench_home import HOST, combine, demo_password, free_port, login, server, wait_ready

NEW, MINIMAL = "/services/new/", "/bench/minimal"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        duration=dict(type=float, default=None, help="seconds per case (default 10, quick 3)"),
        connections=dict(type=int, default=4, help="concurrent keep-alive connections"),
    )
    duration = args.duration or (3.0 if args.quick else 10.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with throwaway_environment("service-records") as env:
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "1", "ANXIN_DEMO_SCALE": "small"})
        log_path = Path(env["ANXIN_DATA_DIR"]).parent / "serve.log"
        port = free_port()
        print(f"service-record benchmark: {describe_database(env)}")
        started = time.perf_counter()
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=300)
            print(f"server ready after {time.perf_counter() - started:.1f} s (migrate, demo data)")
            cookie = login(port, "practitioner", demo_password(log_path, "practitioner"))
            token, clients, items = read_form(port, cookie)
            print(
                f"logged in as the demo practitioner: {len(clients)} recent clients, "
                f"{len(items)} items; {args.connections} connections, {duration:g} s per case"
            )
            return measure(port, cookie, token, clients, items, args.connections, duration)


def read_form(port: int, cookie: str) -> tuple[str, list[str], list[str]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", NEW, headers={"Cookie": cookie})
    response = conn.getresponse()
    html = response.read().decode()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"error: {NEW} answered {response.status}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def options(name):
        block = re.search(rf'<select name="{name}".*?</select>', html, re.S)
        return re.findall(r'<option value="(\d+)"', block.group(0)) if block else []

    # The client combobox's first suggestions: the practitioner's recent clients ("name code").
    offered = re.search(
        r'<script id="id_client_suggestions" type="application/json">(.*?)</script>', html, re.S
    )
    clients = [o["value"] for o in json.loads(offered.group(1))] if offered else []
    items = options("item")
    if not clients or not items:
        raise SystemExit("error: the practitioner has no recent clients or the store no items")
    return token, clients, items


def post_load(port, path, bodies, headers, connections, seconds, expect) -> dict:
    latencies = [[] for _ in range(connections)]
    bad, errors = [0] * connections, [0] * connections
    locations: list[list[str]] = [[] for _ in range(connections)]
    barrier = threading.Barrier(connections + 1)
    clock = {}

    def client(i):
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        barrier.wait(timeout=30)
        n = 0
        while time.perf_counter() < clock["start"] + seconds:
            body = bodies(i, n)
            n += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            if response.status == expect:
                latencies[i].append(time.perf_counter() - t0)
                if expect == 302:
                    locations[i].append(response.getheader("Location", ""))
            else:
                bad[i] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    clock["start"] = time.perf_counter()
    barrier.wait(timeout=30)
    for t in threads:
        t.join(timeout=seconds + 120)
    return {
        "latencies": [x for lat in latencies for x in lat],
        "elapsed": time.perf_counter() - clock["start"],
        "bad": sum(bad),
        "errors": sum(errors),
        "locations": [x for loc in locations for x in loc],
    }


def measure(port, cookie, token, clients, items, connections, duration) -> int:
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}

    def bodies(i, n):
        return urlencode(
            {
                "csrfmiddlewaretoken": token,
                "client": clients[(i + n) % len(clients)],
                "item": items[(i * 7 + n) % len(items)],
                "notes": "bench",
            }
        )

    cases = {
        "create": ("POST /services/new/ (a new record)", NEW, 302),
        "minimal": ("POST /bench/minimal (same body)", MINIMAL, 200),
    }
    for _label, path, expect in cases.values():  # warm-up
        post_load(port, path, bodies, headers, connections, 1.0, expect)
    runs = {key: [] for key in cases}
    for key in ["create", "minimal", "minimal", "create"]:
        _label, path, expect = cases[key]
        runs[key].append(post_load(port, path, bodies, headers, connections, duration / 2, expect))
    stats = {key: combine(parts) for key, parts in runs.items()}
    created = [loc for part in runs["create"] for loc in part["locations"]]
    rows = [
        [
            cases[k][0],
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
    print(table(["", "requests", "per s", "p50 ms", "p95 ms", "unexpected", "errors"], rows))
    print()
    create, minimal = stats["create"], stats["minimal"]
    ratio = create["rate"] / minimal["rate"] if minimal["rate"] else 0.0
    print(
        f"RESULT service_records: {create['rate']:.1f} records/s (p50 {create['p50'] * 1000:.1f}"
        f" ms, p95 {create['p95'] * 1000:.1f} ms); minimal POST {minimal['rate']:.0f}/s (p95 "
        f"{minimal['p95'] * 1000:.1f} ms); ratio {ratio:.2f}"
    )
    if len(set(created)) != len(created) or not all(
        re.fullmatch(r"/services/\d+/", loc) for loc in created
    ):
        print("error: the created records are not all distinct records")
        return 1
    if any(s["bad"] or not s["ok"] for s in stats.values()):
        print("error: unexpected answers")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
