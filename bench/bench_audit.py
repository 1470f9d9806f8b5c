"""Audit logging overhead: the client detail page with operation and use logging on and off.

Set-up (settings ``local``, a throw-away data directory): one store, a front-desk user (may view
clients and their contact details; no second factor needed) and a few hundred clients, all
through the services (``store_create``, ``user_create``, ``role_assign``, ``client_create``).
Then GET /clients/<code>/ for random clients, logged in as the front desk:

- logging on: the page as it runs in production; each request writes one use-log entry
  (``use_log``: one INSERT plus the HMAC chain step, in its own transaction);
- logging off (the baseline): the same requests with every module-level reference to
  ``use_log`` and ``operation_log`` in ``anxin.*`` (on this path: ``anxin.clients.selectors``)
  replaced by a no-op — inside this benchmark only; the application has no switch for it.

1. In-process, through Django's full middleware stack (``django.test.Client``, ``force_login``),
   one request at a time: paired rounds, the order alternating (on/off, off/on, ...), the same
   clients in both halves of a round; medians of the per-round figures. Besides wall-clock
   requests/s, the process CPU time per request is shown: on a shared machine it moves less.
2. Through the production server (skip with ``--no-server``): two gunicorns started as
   ``anxin serve`` starts its one (gthread, ``ANXIN_WEB_WORKERS`` x 4 threads, access log), the
   first serving ``anxin.config.wsgi:application``, the second this module's
   ``without_logging()``, on the same database; 8 keep-alive connections with the same session
   cookie, the cases in halves in the order on off off on.

Every answer must be 200 and the detail page of the client asked for; after each measurement
the logs must have grown by exactly the requests made with logging on (and not at all with it
off), and ``anxin audit verify`` must pass at the end. Otherwise the benchmark exits non-zero.

Target (in-process): logging costs at most 15% (mean time per request on / off - 1 <= 0.15).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import (
    ROOT,
    describe_database,
    parse_args,
    percentile,
    table,
    throwaway_environment,
)
from _encrypted import id_number, phone

TARGET = 0.15
BLOCK = 20  # in-process requests per case asked back to back before switching
SLICE = 1.0  # seconds of load per case through the server before switching
LOGGERS = ("use_log", "operation_log")
HOST = "127.0.0.1"  # loopback only
BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        clients=dict(type=int, default=None, help="clients created (default 200, quick 50)"),
        requests=dict(
            type=int, default=None, help="in-process requests per case and round (default 200)"
        ),
        rounds=dict(type=int, default=None, help="in-process paired rounds (default 5, quick 2)"),
        duration=dict(
            type=float, default=None, help="server: seconds per case (default 8, quick 2)"
        ),
        connections=dict(type=int, default=8, help="server: concurrent keep-alive connections"),
        no_server=dict(action="store_true", help="skip the comparison through gunicorn"),
    )
    clients = args.clients or (50 if args.quick else 200)
    requests = args.requests or (60 if args.quick else 200)
    rounds = args.rounds or (2 if args.quick else 5)
    duration = args.duration or (2.0 if args.quick else 8.0)
    # run.py or a terminal may stop us with SIGTERM: unwind, so the servers are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with throwaway_environment("audit") as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        # The pages name their static files through the manifest, as in production.
        call_command("collectstatic", interactive=False, verbosity=0)
        try:
            return run(clients, requests, rounds, duration, args, env)
        finally:
            connections.close_all()


# -- set-up and the switch ------------------------------------------------------------------


def create_data(count: int):
    """A store, a front-desk user and ``count`` clients, through the services."""
    from anxin.accounts.services import role_assign, store_create, user_create
    from anxin.clients.services import client_create

    store = store_create(name="基准门店", short_code="BA")
    user = user_create(
        username="bench_front_desk", password=secrets.token_urlsafe(16), full_name="前台"
    )
    role_assign(user=user, store=store, role_key="front_desk")
    codes = []
    for i in range(count):
        client = client_create(
            actor=user,
            store=store,
            name=f"客户{i:04d}",
            gender="F" if i % 2 else "M",
            occupation="教师",
            phone=phone(i),
            id_number=id_number(i),
            address=f"北京市朝阳区建国路{i + 1}号",
        )
        codes.append(client.code)
    return user, codes


@contextlib.contextmanager
def logging_off():
    """Replace every module-level reference to the audit log writers in anxin.* by a no-op.

    Only modules imported so far are patched: import the URLconf (all views) first.
    """
    from anxin.audit import services

    originals = {getattr(services, name): name for name in LOGGERS}

    def no_log(**_kwargs):
        return None

    patched = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith("anxin"):
            continue
        for attr, value in list(vars(module).items()):
            if attr in LOGGERS and originals.get(value) == attr:
                setattr(module, attr, no_log)
                patched.append((module, attr, value))
    try:
        yield [f"{m.__name__}.{a}" for m, a, _v in patched]
    finally:
        for module, attr, value in patched:
            setattr(module, attr, value)


_KEEP_OFF = contextlib.ExitStack()


def without_logging():
    """gunicorn's application factory for the server with logging off (``--no-server`` skips)."""
    from django.core.wsgi import get_wsgi_application
    from django.urls import get_resolver

    application = get_wsgi_application()
    get_resolver().url_patterns  # noqa: B018 - imports every view, so every reference is seen
    _KEEP_OFF.enter_context(logging_off())  # for the worker's lifetime
    return application


# -- checks ---------------------------------------------------------------------------------


class Broken(Exception):
    """Something is wrong (not merely slow): the benchmark exits non-zero."""


def counts(user) -> dict[str, int]:
    from anxin.audit.models import OperationLog, UseLog

    return {
        "use": UseLog.objects.count(),
        "views": UseLog.objects.filter(
            user=user, action="view", record_type="clients.client", outcome="allowed"
        ).count(),
        "operation": OperationLog.objects.count(),
    }


def check_growth(before: dict, after: dict, low: int, high: int, what: str) -> None:
    grown = {k: after[k] - before[k] for k in after}
    if not (low <= grown["use"] == grown["views"] <= high) or grown["operation"]:
        want = f"{low}" if low == high else f"{low}..{high}"
        raise Broken(
            f"{what}: the logs grew by {grown}, expected {want} use-log views and no operations"
        )


def audit_verify() -> str:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except CommandError as exc:
        raise Broken(f"anxin audit verify failed: {exc}\n{err.getvalue()}") from exc
    return out.getvalue().strip()


# -- in-process -----------------------------------------------------------------------------


def ask(http, codes: list[str]) -> dict:
    """GET each client's detail page, one after the other."""
    latencies = []
    started, cpu = time.perf_counter(), time.process_time()
    for code in codes:
        t0 = time.perf_counter()
        response = http.get(f"/clients/{code}/")
        latencies.append(time.perf_counter() - t0)
        if response.status_code != 200 or code.encode() not in response.content:
            raise Broken(f"GET /clients/{code}/ answered {response.status_code}, not its page")
    return {
        "latencies": latencies,
        "elapsed": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
    }


def measure(http, user, codes: list[str], on: bool) -> dict:
    """One half-round; checks that the logs grew by exactly what was asked (or not at all)."""
    before = counts(user)
    if on:
        result = ask(http, codes)
    else:
        with logging_off():
            result = ask(http, codes)
    want = len(codes) if on else 0
    check_growth(before, counts(user), want, want, f"in-process, logging {'on' if on else 'off'}")
    return result


def in_process(user, codes: list[str], requests: int, rounds: int) -> dict:
    from django.test import Client as HttpClient
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - import every view before patching
    with logging_off() as patched:
        print(f"logging off replaces: {', '.join(patched)}")
    print(
        f"\n1. in-process (django.test.Client, full middleware), one request at a time: "
        f"{requests} requests per case and round, {rounds} round(s), in blocks of {BLOCK} "
        f"(on off, off on, ...)"
    )
    http = HttpClient(SERVER_NAME="localhost")  # in ALLOWED_HOSTS of the local settings
    http.force_login(user)
    rng = random.Random(20260301)
    warm = [rng.choice(codes) for _ in range(max(20, requests // 10))]
    measure(http, user, warm, on=True)
    measure(http, user, warm, on=False)
    on_requests = len(warm)

    runs: dict[str, list[dict]] = {"on": [], "off": []}
    overheads, cpu_overheads, extra_ms, rows = [], [], [], []
    for r in range(rounds):
        # Blocks of BLOCK requests, each asked with logging on and off back to back, the order
        # alternating (on off, off on, ...): drift on a busy machine hits both alike.
        result = {"on": [], "off": []}
        for b in range(0, requests, BLOCK):
            block = [rng.choice(codes) for _ in range(min(BLOCK, requests - b))]
            order = ["on", "off"] if (b // BLOCK + r) % 2 == 0 else ["off", "on"]
            for case in order:
                result[case].append(measure(http, user, block, on=case == "on"))
            on_requests += len(block)
        result = {case: merge(parts) for case, parts in result.items()}
        for case, res in result.items():
            runs[case].append(res)
        on, off = result["on"], result["off"]
        overheads.append(on["elapsed"] / off["elapsed"] - 1)
        cpu_overheads.append(on["cpu"] / off["cpu"] - 1)
        extra_ms.append((on["elapsed"] - off["elapsed"]) / requests * 1000)
        rows.append(
            [
                f"round {r + 1}",
                f"{requests / on['elapsed']:.0f}",
                f"{requests / off['elapsed']:.0f}",
                f"{extra_ms[-1]:+.2f}",
                f"{overheads[-1] * 100:+.1f}%",
                f"{on['cpu'] / requests * 1000:.2f}",
                f"{off['cpu'] / requests * 1000:.2f}",
                f"{cpu_overheads[-1] * 100:+.1f}%",
            ]
        )
    stats = {case: summarise(parts) for case, parts in runs.items()}
    figures = {
        "stats": stats,
        "overhead": statistics.median(overheads),
        "cpu_overhead": statistics.median(cpu_overheads),
        "extra_ms": statistics.median(extra_ms),
        "on_requests": on_requests,
    }
    rows.append(
        [
            "median",
            f"{stats['on']['rate']:.0f}",
            f"{stats['off']['rate']:.0f}",
            f"{figures['extra_ms']:+.2f}",
            f"{figures['overhead'] * 100:+.1f}%",
            f"{stats['on']['cpu_ms']:.2f}",
            f"{stats['off']['cpu_ms']:.2f}",
            f"{figures['cpu_overhead'] * 100:+.1f}%",
        ]
    )
    print()
    print(
        table(
            ["", "on req/s", "off req/s", "ms added", "overhead", "on CPU ms", "off CPU ms", "CPU"],
            rows,
        )
    )
    print()
    print(latency_table(stats))
    return figures


def merge(parts: list[dict]) -> dict:
    return {
        "latencies": [x for p in parts for x in p["latencies"]],
        "elapsed": sum(p["elapsed"] for p in parts),
        "cpu": sum(p["cpu"] for p in parts),
    }


def summarise(parts: list[dict]) -> dict:
    lat = sorted(x for p in parts for x in p["latencies"])
    return {
        "ok": len(lat),
        "rate": statistics.median(len(p["latencies"]) / p["elapsed"] for p in parts),
        "cpu_ms": statistics.median(p["cpu"] / len(p["latencies"]) * 1000 for p in parts),
        "p50": percentile(lat, 50),
        "p95": percentile(lat, 95),
    }


def latency_table(stats: dict) -> str:
    return table(
        ["", "requests", "req/s", "p50 ms", "p95 ms"],
        [
            [
                f"logging {case}",
                str(s["ok"]),
                f"{s['rate']:.0f}",
                f"{s['p50'] * 1000:.2f}",
                f"{s['p95'] * 1000:.2f}",
            ]
            for case, s in stats.items()
        ],
    )


# -- through gunicorn -----------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(env: dict[str, str], app: str, port: int, name: str):
    """gunicorn as ``anxin serve`` starts it, in its own process group; stopped on exit."""
    from bench_home import stop_server

    from anxin.core.management.commands.serve import ACCESS_LOG_FORMAT

    data = Path(env["ANXIN_DATA_DIR"])
    log_path = data.parent / f"gunicorn-{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--pythonpath", str(BENCH_DIR),
        "--bind", f"{HOST}:{port}",
        "--workers", env.get("ANXIN_WEB_WORKERS", "3"),
        "--threads", "4",
        "--worker-class", "gthread",
        "--access-logfile", "-",
        "--access-logformat", ACCESS_LOG_FORMAT,
        "--graceful-timeout", "10",
        "--control-socket", str(data / f"gunicorn-{name}.ctl"),
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc, log_path
    finally:
        stop_server(proc)


def load(
    port: int, cookie: str, codes: list[str], connections: int, seconds: float, seed: int
) -> dict:
    """``connections`` threads, each a keep-alive connection asking random detail pages."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    errors = [0] * connections
    barrier = threading.Barrier(connections + 1)
    clock = {}
    headers = {"Cookie": cookie}

    def client(i: int) -> None:
        rng = random.Random(seed * 1000 + i)  # the same clients for both cases of a pair
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = latencies[i]
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            return
        deadline = clock["start"] + seconds
        while time.perf_counter() < deadline and len(mine) < 100_000:
            code = rng.choice(codes)
            t0 = time.perf_counter()
            try:
                conn.request("GET", f"/clients/{code}/", headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                time.sleep(0.01)
                continue
            if response.status == 200 and code.encode() in body:
                mine.append(time.perf_counter() - t0)
            else:
                bad[i] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    clock["start"] = time.perf_counter()
    barrier.wait(timeout=30)
    for t in threads:
        t.join(timeout=seconds + 60)
    return {
        "latencies": [x for lat in latencies for x in lat],
        "elapsed": time.perf_counter() - clock["start"],
        "bad": sum(bad),
        "errors": sum(errors),
    }


def through_server(env, user, codes, connections: int, duration: float) -> dict:
    from bench_home import combine, free_port, tail, wait_ready
    from django.db import connections as db_connections
    from django.test import Client as HttpClient

    http = HttpClient(SERVER_NAME="localhost")
    http.force_login(user)  # the session is in the database both servers use
    cookie = f"sessionid={http.cookies['sessionid'].value}"
    db_connections.close_all()  # idle while the servers write
    workers = env.get("ANXIN_WEB_WORKERS", "3")
    slices = max(1, round(duration / SLICE))
    slice_s = duration / slices
    print(
        f"\n2. through the production server: two gunicorns ({workers} workers x 4 threads, "
        f"gthread, as anxin serve), logging on: anxin.config.wsgi:application, logging off: "
        f"bench_audit:without_logging(); {connections} connections, {duration:g} s per case "
        f"in slices of {slice_s:g} s (on off, off on, ...)"
    )
    ports = {"on": free_port(), "off": free_port()}
    apps = {"on": "anxin.config.wsgi:application", "off": "bench_audit:without_logging()"}
    with contextlib.ExitStack() as stack:
        # One after the other: workers booting at the same moment can trip over each other in
        # the data directory's write check (a shared probe file name).
        procs = {}
        started = time.perf_counter()
        for case in ("on", "off"):
            proc, log_path = stack.enter_context(gunicorn(env, apps[case], ports[case], case))
            procs[case] = (proc, log_path)
            try:
                wait_ready(proc, ports[case], log_path, timeout=120)
            except SystemExit as exc:
                raise Broken(f"the logging-{case} server did not start: {exc}") from exc
        print(f"both servers ready after {time.perf_counter() - started:.1f} s")
        for case in procs:
            load(ports[case], cookie, codes, connections, 1.0, seed=-1)  # warm-up
        runs: dict[str, list[dict]] = {"on": [], "off": []}
        sequence = []
        for i in range(slices):
            sequence += ["on", "off"] if i % 2 == 0 else ["off", "on"]
        for seed, case in enumerate(sequence):
            before = counts(user)
            result = load(ports[case], cookie, codes, connections, slice_s, seed=seed // 2)
            after = counts(user)
            db_connections.close_all()
            ok, failed = len(result["latencies"]), result["bad"] + result["errors"]
            if case == "on":
                check_growth(before, after, ok, ok + failed, "server, logging on")
            else:
                check_growth(before, after, 0, 0, "server, logging off")
            runs[case].append(result)
        for case, (_proc, log_path) in procs.items():
            every = combine(runs[case])
            if every["bad"] or every["errors"] > max(5, every["ok"] // 100) or not every["ok"]:
                raise Broken(
                    f"server, logging {case}: non-200 answers or connection errors "
                    f"{[(r['bad'], r['errors']) for r in runs[case]]}\n{tail(log_path)}"
                )
    stats = {case: combine(parts) for case, parts in runs.items()}
    print()
    print(latency_table(stats))
    on, off = stats["on"]["rate"], stats["off"]["rate"]
    return {"stats": stats, "overhead": off / on - 1 if on else float("inf")}


# -- the run --------------------------------------------------------------------------------


def run(client_count, requests, rounds, duration, args, env) -> int:
    print(f"audit logging overhead benchmark: {describe_database(env)}")
    started = time.perf_counter()
    user, codes = create_data(client_count)
    print(
        f"set-up: 1 store, 1 front-desk user, {client_count} clients via client_create "
        f"in {time.perf_counter() - started:.1f} s"
    )
    try:
        start, started = counts(user), time.perf_counter()
        local = in_process(user, codes, requests, rounds)
        if counts(user)["use"] - start["use"] != local["on_requests"]:
            raise Broken("the use log does not hold one entry per request made with logging on")
        verified = audit_verify()
        print(
            f"\nuse log: {local['on_requests']} entries written with logging on (one per "
            f"request), none with it off; anxin audit verify: {verified} "
            f"(part 1 took {time.perf_counter() - started:.0f} s)"
        )
        served = None
        if not args.no_server:
            started = time.perf_counter()
            served = through_server(env, user, codes, args.connections, duration)
            verified = audit_verify()
            print(
                f"\nafter the server runs, anxin audit verify: {verified} "
                f"(part 2 took {time.perf_counter() - started:.0f} s)"
            )
    except Broken as exc:
        print(f"error: {exc}")
        return 1

    def figures(s):
        return f"{s['rate']:.0f}/s (p50 {s['p50'] * 1000:.1f} ms, p95 {s['p95'] * 1000:.1f} ms)"

    stats = local["stats"]
    verdict = "met" if local["overhead"] <= TARGET else "NOT met"
    server = ""
    if served is not None:
        s = served["stats"]
        server = (
            f"; through gunicorn on {figures(s['on'])}, off {figures(s['off'])}, "
            f"overhead {served['overhead'] * 100:+.1f}%"
        )
    print(
        f"RESULT audit: GET /clients/<code>/ in-process with logging {figures(stats['on'])}, "
        f"without {figures(stats['off'])}; overhead {local['overhead'] * 100:+.1f}% "
        f"({local['extra_ms']:+.2f} ms/request; CPU {local['cpu_overhead'] * 100:+.1f}%) "
        f"(target <= {TARGET * 100:.0f}%, {verdict}){server}; use log complete, verify OK"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
