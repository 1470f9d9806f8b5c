"""Home page through the production server: GET / (logged in) against a minimal Django view.

Starts ``anxin serve --no-worker`` (gunicorn, the same worker and thread settings as ``make
run``) on a free loopback port with a throw-away data directory, demo data and ANXIN_BENCH=1
(which mounts /bench/minimal), logs in as a demo account through the login form, then loads
GET / and GET /bench/minimal with the same session cookie, and GET /bench/minimal without it,
each with 16 keep-alive connections for the same total time, in halves (A B C C B A) so drift on
a busy machine hits all alike. Prints requests/s, p50 and p95 latency.

Target: the home page >= 50% of the requests/s of the minimal view asked the same way.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from _common import (
    ROOT,
    VENV_BIN,
    describe_database,
    parse_args,
    percentile,
    table,
    throwaway_environment,
)

HOST = "127.0.0.1"  # loopback only
TARGET = 0.5
MAX_REQUESTS = 500_000  # per measured segment: a bound besides the time
HOME, MINIMAL = "/", "/bench/minimal"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        duration=dict(type=float, default=None, help="seconds per case (default 10, quick 3)"),
        connections=dict(type=int, default=16, help="concurrent keep-alive connections"),
        user=dict(
            default="frontdesk",
            help="demo account to log in as (default: frontdesk, which needs no second factor)",
        ),
    )
    duration = args.duration or (3.0 if args.quick else 10.0)
    warmup = 0.5 if args.quick else 1.5
    # run.py or a terminal may stop us with SIGTERM: unwind, so the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with throwaway_environment("home") as env:
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "1", "ANXIN_DEMO_SCALE": "small"})
        log_path = Path(env["ANXIN_DATA_DIR"]).parent / "serve.log"
        port = free_port()
        print(f"home page benchmark: {describe_database(env)}")
        print(
            f"server: anxin serve --no-worker on {HOST}:{port} (gunicorn gthread, "
            f"{env.get('ANXIN_WEB_WORKERS', '3')} workers x 4 threads, as make run)"
        )
        started = time.perf_counter()
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=240)
            print(f"server ready after {time.perf_counter() - started:.1f} s (migrate, demo data)")
            password = demo_password(log_path, args.user)
            cookie = login(port, args.user, password)
            print(
                f"logged in as demo account '{args.user}'; {args.connections} connections, "
                f"{duration:g} s per case in two halves, after {warmup:g} s warm-up each"
            )
            return measure_and_report(port, cookie, args.connections, duration, warmup)


def measure_and_report(port: int, cookie: str, connections: int, duration: float, warmup: float):
    logged_in = {"Cookie": cookie}
    # What is measured: the home page, and the minimal view asked exactly like it (same session
    # cookie, so the same middleware work: session, user, stores). The target compares these
    # two. The minimal view without a cookie shows what the logged-in middleware itself costs.
    cases = {
        "home": ("GET / (logged in)", HOME, logged_in),
        "minimal": ("GET /bench/minimal (logged in)", MINIMAL, logged_in),
        "anonymous": ("GET /bench/minimal (no cookie)", MINIMAL, {}),
    }
    for _label, path, headers in cases.values():
        load(port, path, headers, connections, warmup)
    runs = {key: [] for key in cases}
    order = list(cases)
    for key in order + order[::-1]:  # A B C C B A: drift on a busy machine hits all alike
        _label, path, headers = cases[key]
        runs[key].append(load(port, path, headers, connections, duration / 2))

    stats = {key: combine(parts) for key, parts in runs.items()}
    rows = [
        [
            cases[key][0],
            str(s["ok"]),
            f"{s['rate']:.0f}",
            f"{s['p50'] * 1000:.1f}",
            f"{s['p95'] * 1000:.1f}",
            str(s["bad"]),
            str(s["errors"]),
        ]
        for key, s in stats.items()
    ]
    print()
    print(table(["", "requests", "req/s", "p50 ms", "p95 ms", "non-200", "errors"], rows))
    print()
    home, minimal, anonymous = stats["home"], stats["minimal"], stats["anonymous"]
    ratio = home["rate"] / minimal["rate"] if minimal["rate"] else 0.0
    ratio_anonymous = home["rate"] / anonymous["rate"] if anonymous["rate"] else 0.0
    verdict = "met" if ratio >= TARGET else "NOT met"

    def figures(s):
        return f"{s['rate']:.0f}/s (p50 {s['p50'] * 1000:.1f} ms, p95 {s['p95'] * 1000:.1f} ms)"

    print(
        f"RESULT home: GET / {figures(home)}; GET /bench/minimal {figures(minimal)}, "
        f"without cookie {figures(anonymous)}; ratio {ratio:.2f} (target >= {TARGET}, "
        f"{verdict}); {ratio_anonymous:.2f} against the minimal view without cookie"
    )
    failed = [
        cases[key][0]
        for key, s in stats.items()
        if s["bad"] or s["errors"] > max(5, s["ok"] // 100) or not s["ok"]
    ]
    if failed:
        print(f"error: unexpected answers or connection errors on {', '.join(failed)}")
        return 1
    return 0


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(env: dict[str, str], port: int, log_path: Path):
    """``anxin serve`` in its own process group; stopped (then killed if need be) on exit."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "anxin"), "serve", "--no-worker", "--host", HOST, "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    except BaseException as exc:
        if not (isinstance(exc, SystemExit) and exc.code in (0, None)):
            print(f"-- the server's last messages:\n{tail(log_path)}", file=sys.stderr)
        raise
    finally:
        stop_server(proc)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # serve stops gunicorn gracefully (up to 10 s)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
    # Whatever is left of the group we started (serve's pgid is its pid): kill it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def tail(log_path: Path, lines: int = 30) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return ""
    # Never echo the demo passwords.
    text = re.sub(r"(?m)^(\s{2}\S+\s+)\S+(\s{3}.*)$", r"\1********\2", text)
    return "\n".join(text.splitlines()[-lines:])


def wait_ready(proc: subprocess.Popen, port: int, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"error: anxin serve exited ({proc.returncode}) before answering:\n"
                + tail(log_path)
            )
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"error: the server did not answer within {timeout:.0f} s:\n{tail(log_path)}")


def demo_password(log_path: Path, username: str) -> str:
    """``anxin demo`` prints each account's password once; serve's output holds it."""
    for line in log_path.read_text(errors="replace").splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) >= 2 and parts[0] == username:
            return parts[1]
    raise SystemExit(f"error: no password for demo account '{username}' in serve's output")


# -- HTTP -----------------------------------------------------------------------------------


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.msg.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def login(port: int, username: str, password: str) -> str:
    """Log in through the real form (CSRF token included); return the Cookie header to reuse."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        html = response.read().decode()
        jar = cookies_of(response)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if response.status != 200 or not match or "csrftoken" not in jar:
            raise SystemExit(f"error: the login page answered {response.status} without a form")
        body = urlencode(
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
        )
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={jar['csrftoken']}",
            },
        )
        response = conn.getresponse()
        response.read()
        jar.update(cookies_of(response))
        if response.status != 302 or "sessionid" not in jar:
            raise SystemExit(f"error: logging in as {username} failed ({response.status})")
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        conn.request("GET", HOME, headers={"Cookie": cookie})
        response = conn.getresponse()
        page = response.read().decode()
        if response.status != 200 or 'id="tasks-heading"' not in page:
            raise SystemExit(f"error: the home page answered {response.status}, not the home page")
        return cookie
    finally:
        conn.close()


def load(port: int, path: str, headers: dict, connections: int, seconds: float) -> dict:
    """``connections`` threads, each a keep-alive connection sending GET path until time is up."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    errors = [0] * connections
    barrier = threading.Barrier(connections + 1)
    clock = {}

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = latencies[i]
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            return
        deadline = clock["start"] + seconds
        while time.perf_counter() < deadline and len(mine) < MAX_REQUESTS // connections:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                time.sleep(0.01)
                continue
            if response.status == 200:
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
    elapsed = time.perf_counter() - clock["start"]
    return {
        "latencies": [x for lat in latencies for x in lat],
        "elapsed": elapsed,
        "bad": sum(bad),
        "errors": sum(errors),
    }


def combine(parts: list[dict]) -> dict:
    lat = sorted(x for p in parts for x in p["latencies"])
    elapsed = sum(p["elapsed"] for p in parts)
    return {
        "ok": len(lat),
        "rate": len(lat) / elapsed if elapsed else 0.0,
        "p50": percentile(lat, 50),
        "p95": percentile(lat, 95),
        "bad": sum(p["bad"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
    }


if __name__ == "__main__":
    sys.exit(main())
