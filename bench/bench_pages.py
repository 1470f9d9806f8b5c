"""Every page as every role, at store and small scale, against /bench/minimal in the same run.

For each scale (``store``: ``anxin demo --scale store``, 20,000 clients and three years of
services and appointments, plus 200,000 use-log entries; ``small``: the small demo plus 2,000),
a data directory is built once and cached in ``bench/.cache/`` (gitignored; ``--rebuild``
builds it again); each run works on a copy. Then, through the production server (``anxin serve
--no-worker``, gunicorn as ``make run``, ``ANXIN_BENCH=1``), it logs in as every demo account
(one per default role; the second factor by TOTP where the role needs it) and crawls what the
role can reach from the home page by links (list pages, the next and the oldest page of keyset
lists, detail pages), plus the busy records and dates (the client with the most services, a
busy day, the busiest promotion's effect, a busy month's reports). Pages are grouped by their
path with numbers and codes taken out (``/clients/<code>/``), and one page per group is
measured: ``--reps`` sequential requests after one warm-up, median and p95, and the SQL each
took (statement count and milliseconds, from the ``X-Anxin-SQL`` header that ``ANXIN_BENCH``
adds). The minimal view is measured the same way with the same cookie; the ratio is the page's
median over the minimal view's. Home throughput: 16 keep-alive connections on ``/`` and on
``/bench/minimal`` for ``--seconds`` each (A B B A), per role.

Targets (issue 11): median <= 10x the minimal view and <= 300 ms (whole-year reports <= 1 s);
growth from small to store scale <= 2x; home >= 0.5 of the minimal view's throughput.
``--markdown docs/performance.md`` writes the table between the markers in that file.

With ``DATABASE_URL`` (PostgreSQL) each scale's database is cached as a ``pg_dump`` file beside
the data directory and restored into a throw-away database on each run.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from _common import ROOT, SETTINGS, parse_args, percentile, table
from _common import _throwaway_database as throwaway_database
from bench_home import HOST, combine, cookies_of, free_port, load, server, wait_ready

CACHE = ROOT / "bench" / ".cache"
USE_LOG = {"store": 200_000, "small": 2_000}
RATIO_TARGET, MS_TARGET, REPORT_MS_TARGET, GROWTH_TARGET, HOME_TARGET = 10, 300, 1000, 2.0, 0.5
ROLES = [
    "frontdesk",
    "practitioner",
    "manager",
    "hr",
    "attendance",
    "finance",
    "marketing",
    "equipment",
    "purchasing",
    "infosec",
    "auditor",
    "admin",
]
# Links the crawl never follows: writes behind a GET would be a bug, but a crawl must not risk
# them; downloads and pages that reveal (and log) personal data on purpose.
SKIP = re.compile(
    r"^/(static|i18n|accounts/(logout|login|2fa|password|store)|bench|healthz)"
    r"|/(reveal|address|clock|read|read-all|revoke|advance|run|drill|publish|restore|serve"
    r"|progress|feedback)/"
    r"|\.xlsx$|/export/$|template"
)
# Reports whose output covers whole years may take up to 1 s: a promotion's effect, data
# quality, summaries, the monthly performance, the complaint analysis (the same month a year ago
# to today) and the card liability (a year's months).
REPORTS = re.compile(r"/(effect|quality|summary|performance|analysis|liability)/")
MAX_GROUPS, MAX_PER_GROUP, MAX_FETCHES = 80, 3, 250


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        reps=dict(type=int, default=None, help="measured requests per page (default 7, quick 3)"),
        seconds=dict(type=float, default=None, help="home throughput seconds per case"),
        scales=dict(default="small,store", help="comma-separated: small,store"),
        roles=dict(default=",".join(ROLES), help="comma-separated demo accounts"),
        only=dict(
            default="", help="measure only page groups containing one of these (comma-separated)"
        ),
        rebuild=dict(action="store_true", help="build the cached data again"),
        markdown=dict(default="", help="write the table into this Markdown file"),
    )
    reps = args.reps or (3 if args.quick else 7)
    seconds = args.seconds or (1.0 if args.quick else 3.0)
    roles = [r for r in args.roles.split(",") if r]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict[str, dict] = {}
    for scale in [s for s in args.scales.split(",") if s]:
        results[scale] = run_scale(scale, roles, reps, seconds, args)
    rows, misses = report(results)
    if args.markdown:
        write_markdown(Path(args.markdown), rows, results, reps, seconds)
    print(f"RESULT pages: {len(rows)} pages measured; {misses} miss a target")
    return 0


# -- data -----------------------------------------------------------------------------------


def database_kind() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    return "sqlite" if not url else urlsplit(url).scheme.replace("postgresql", "postgres")


def base_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "ANXIN_DATA_DIR": str(data_dir),
        "ANXIN_LOG_LEVEL": os.environ.get("ANXIN_LOG_LEVEL", "WARNING"),
        "PYTHONPATH": str(ROOT / "bench"),
    }


def helper(env: dict, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "_pagedata.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(f"error: _pagedata.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def cached_data(scale: str, rebuild: bool) -> Path:
    """The cached data directory of this scale (built now if missing): data/ and, for
    PostgreSQL, db.dump."""
    kind = database_kind()
    cache = CACHE / f"{scale}-{kind}"
    if rebuild and cache.exists():
        shutil.rmtree(cache)
    if cache.exists():
        return cache
    building = cache.with_name(cache.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    env = base_env(building / "data")
    print(f"building the {scale}-scale data in {cache} (once; minutes at store scale)", flush=True)
    started = time.perf_counter()
    dropper = None
    try:
        if kind != "sqlite":
            env["DATABASE_URL"], dropper = throwaway_database(env["DATABASE_URL"])
        print(helper(env, "build", "--scale", scale, "--use-log", str(USE_LOG[scale])), end="")
        if kind != "sqlite":
            pg_program(env, "pg_dump", "--format=custom", f"--file={building / 'db.dump'}")
    finally:
        if dropper:
            dropper()
    building.rename(cache)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return cache


def pg_program(env: dict, program: str, *args: str) -> None:
    parts = urlsplit(env["DATABASE_URL"])
    pg_env = {
        **env,
        "PGHOST": parts.hostname or "",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "",
        "PGPASSWORD": parts.password or "",
        "PGDATABASE": parts.path.lstrip("/"),
    }
    subprocess.run([program, *args], env=pg_env, check=True, capture_output=True)


@contextlib.contextmanager
def working_copy(cache: Path):
    """A copy of the cached data directory (and database) that this run may change."""
    tmp = Path(tempfile.mkdtemp(prefix="anxin-bench-pages-"))
    dropper = None
    try:
        shutil.copytree(cache / "data", tmp / "data")
        env = base_env(tmp / "data")
        if database_kind() != "sqlite":
            env["DATABASE_URL"], dropper = throwaway_database(env["DATABASE_URL"])
            pg_program(
                env,
                "pg_restore",
                "--no-owner",
                f"--dbname={env['DATABASE_URL']}",
                str(cache / "db.dump"),
            )
        yield env, tmp
    finally:
        if dropper:
            with contextlib.suppress(Exception):
                dropper()
        shutil.rmtree(tmp, ignore_errors=True)


# -- HTTP -----------------------------------------------------------------------------------


def totp(hex_key: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as django-otp's TOTPDevice checks it."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class Browser:
    """One keep-alive connection with a cookie jar."""

    def __init__(self, port: int):
        self.port = port
        self.jar: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=300)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def request(self, method: str, path: str, body: dict | None = None):
        headers = {"Cookie": self.cookie} if self.jar else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                took = time.perf_counter() - started
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
                if attempt == 2:
                    raise
        self.jar.update(cookies_of(response))
        if response.will_close:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
        return response, content, took

    def form_post(self, path: str, fields: dict) -> http.client.HTTPResponse:
        response, content, _ = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if not match:
            raise SystemExit(f"error: no form at {path} ({response.status})")
        response, _content, _ = self.request(
            "POST", path, {"csrfmiddlewaretoken": match.group(1).decode(), **fields}
        )
        return response


def log_in(port: int, username: str, account: dict) -> Browser:
    browser = Browser(port)
    response = browser.form_post(
        "/accounts/login/", {"username": username, "password": account["password"]}
    )
    if response.status != 302 or "sessionid" not in browser.jar:
        raise SystemExit(f"error: logging in as {username} failed ({response.status})")
    response, _content, _ = browser.request("GET", "/")
    if response.status == 302 and "/accounts/2fa/" in response.getheader("Location", ""):
        response = browser.form_post("/accounts/2fa/", {"token": totp(account["totp_key"])})
        if response.status != 302:
            raise SystemExit(f"error: the second factor for {username} failed ({response.status})")
    response, _content, _ = browser.request("GET", "/")
    if response.status != 200:
        raise SystemExit(f"error: the home page as {username} answered {response.status}")
    return browser


# -- the crawl ------------------------------------------------------------------------------

_HREF = re.compile(rb'<a\b[^>]*?\bhref="([^"#]+)"')
_NUMBERED = re.compile(r"^[A-Za-z]{0,4}\d[\w.-]*$")
# Query parameters that only choose a page of a list; grouped by which way they page.
_KINDS = {"view", "by"}
_PAGING = {"after", "before", "cursor", "page", "oldest", "newest", "last", "first"}


def group_of(url: str) -> str:
    """``/clients/KH26110001/?tab=x`` -> ``/clients/<code>/?tab``: one group per kind of page."""
    parts = urlsplit(url)
    path = "/".join("<code>" if _NUMBERED.match(seg) else seg for seg in parts.path.split("/"))
    # Parameters that choose another kind of page (the calendar's view and columns) keep their
    # value; others (days, codes, cursors) are one kind of page whatever their value.
    keys = sorted(
        {
            f"{k}={v}" if k in _KINDS else k
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        }
    )
    return path + (f"?{'&'.join(keys)}" if keys else "")


def crawl(browser: Browser, extras: dict[str, str]) -> dict[str, str]:
    """Group -> the first URL of it the role reached (following links from the home page)."""
    found: dict[str, str] = {}
    seen_per_group: dict[str, int] = {}
    queue = deque(["/", *extras.values()])
    visited: set[str] = set()
    fetches = 0
    while queue and fetches < MAX_FETCHES:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        group = group_of(url)
        if seen_per_group.get(group, 0) >= MAX_PER_GROUP:
            continue
        if group not in found and len(found) >= MAX_GROUPS:
            continue
        response, content, _ = browser.request("GET", url)
        fetches += 1
        if response.status != 200:
            continue
        seen_per_group[group] = seen_per_group.get(group, 0) + 1
        found.setdefault(group, url)
        if "html" not in (response.getheader("Content-Type") or ""):
            continue
        for raw in _HREF.findall(content):
            link = urljoin(url, html.unescape(raw.decode(errors="replace")))
            parts = urlsplit(link)
            if parts.netloc not in ("", f"{HOST}:{browser.port}"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP.search(parts.path) or target in visited:
                continue
            queue.append(target)
    return found


def measure(browser: Browser, url: str, reps: int) -> dict:
    browser.request("GET", url)  # warm-up
    times, queries, sql_ms, status = [], [], [], 0
    for _ in range(reps):
        response, _content, took = browser.request("GET", url)
        status = response.status
        times.append(took)
        count, _sep, ms = (response.getheader("X-Anxin-SQL") or "0;0").partition(";")
        queries.append(int(count))
        sql_ms.append(float(ms or 0))
    times.sort()
    return {
        "url": url,
        "status": status,
        "median": percentile(times, 50),
        "p95": percentile(times, 95),
        "queries": sorted(queries)[len(queries) // 2],
        "sql_ms": sorted(sql_ms)[len(sql_ms) // 2],
    }


def run_scale(scale: str, roles: list[str], reps: int, seconds: float, args) -> dict:
    cache = cached_data(scale, args.rebuild)
    out: dict = {"pages": {}, "home": {}, "minimal": {}}
    with working_copy(cache) as (env, tmp):
        env.update({"ANXIN_BENCH": "1", "ANXIN_DEMO": "0"})
        accounts = json.loads(helper(env, "accounts"))
        extras = json.loads(helper(env, "targets"))
        port = free_port()
        log_path = tmp / "serve.log"
        print(f"\n== {scale} scale ({database_kind()}): anxin serve on {HOST}:{port}", flush=True)
        with server(env, port, log_path) as proc:
            wait_ready(proc, port, log_path, timeout=600)
            for role in roles:
                browser = log_in(port, role, accounts[role])
                mine = dict(extras)
                started = time.perf_counter()
                pages = crawl(browser, mine)
                names = {group_of(v): k for k, v in mine.items()}
                print(
                    f"{role}: {len(pages)} kinds of page reached in "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
                minimal = [measure(browser, "/bench/minimal", reps)]
                for group, url in pages.items():
                    if args.only and not any(o in group for o in args.only.split(",") if o):
                        continue
                    result = measure(browser, url, reps)
                    result["name"] = names.get(group, "")
                    out["pages"][(role, group)] = result
                    print(
                        f"  {group}: {result['median'] * 1000:.0f} ms, {result['queries']} queries",
                        flush=True,
                    )
                    # The minimal view between pages, so drift hits both alike.
                    minimal.append(measure(browser, "/bench/minimal", max(1, reps // 3)))
                out["minimal"][role] = sorted(m["median"] for m in minimal)[len(minimal) // 2]
                home = throughput(port, browser.cookie, seconds)
                out["home"][role] = home
                print(
                    f"  home throughput {home['ratio']:.2f} of the minimal view "
                    f"({home['home']:.0f}/s vs {home['minimal']:.0f}/s)",
                    flush=True,
                )
    return out


def throughput(port: int, cookie: str, seconds: float, connections: int = 16) -> dict:
    headers = {"Cookie": cookie}
    runs: dict[str, list] = {"/": [], "/bench/minimal": []}
    for path in ("/", "/bench/minimal", "/bench/minimal", "/"):
        runs[path].append(load(port, path, headers, connections, seconds / 2))
    home, minimal = combine(runs["/"]), combine(runs["/bench/minimal"])
    ratio = home["rate"] / minimal["rate"] if minimal["rate"] else 0.0
    return {"home": home["rate"], "minimal": minimal["rate"], "ratio": ratio}


# -- the report -----------------------------------------------------------------------------


def verdict(page: dict, minimal: float, growth: float | None) -> list[str]:
    misses = []
    ms = page["median"] * 1000
    limit = REPORT_MS_TARGET if REPORTS.search(page["url"]) else MS_TARGET
    if ms > limit:
        misses.append(f"> {limit} ms")
    if limit == MS_TARGET and minimal and page["median"] / minimal > RATIO_TARGET:
        misses.append(f"> {RATIO_TARGET}x")
    if growth is not None and growth > GROWTH_TARGET and limit == MS_TARGET and ms > 50:
        misses.append("grows")
    if page["status"] != 200:
        misses.append(f"status {page['status']}")
    return misses


def report(results: dict) -> tuple[list[list[str]], int]:
    main_scale = "store" if "store" in results else next(iter(results))
    small = results.get("small") if main_scale != "small" else None
    data = results[main_scale]
    rows, misses = [], 0
    for (role, group), page in data["pages"].items():
        minimal = data["minimal"][role]
        base = small["pages"].get((role, group)) if small else None
        growth = page["median"] / base["median"] if base and base["median"] else None
        missed = verdict(page, minimal, growth)
        misses += bool(missed)
        rows.append(
            [
                role,
                group + (f" ({page['name']})" if page["name"] else ""),
                f"{page['median'] * 1000:.0f}",
                f"{page['p95'] * 1000:.0f}",
                str(page["queries"]),
                f"{page['sql_ms']:.0f}",
                f"{page['median'] / minimal:.1f}" if minimal else "-",
                f"{base['median'] * 1000:.0f}" if base else "-",
                f"{growth:.1f}" if growth else "-",
                ", ".join(missed) or "ok",
            ]
        )
    for role, home in data["home"].items():
        ok = home["ratio"] >= HOME_TARGET
        misses += not ok
        rows.append(
            [
                role,
                "home throughput (ratio to minimal)",
                f"{home['home']:.0f}/s",
                "",
                "",
                "",
                f"{home['ratio']:.2f}",
                f"{results['small']['home'][role]['ratio']:.2f}" if small else "-",
                "",
                "ok" if ok else f"< {HOME_TARGET}",
            ]
        )
    print()
    print(
        f"{main_scale} scale; minimal view median per role: "
        + ", ".join(f"{r} {m * 1000:.1f} ms" for r, m in data["minimal"].items())
    )
    print(table(HEADER, rows, left=2))
    print()
    return rows, misses


HEADER = [
    "as",
    "page",
    "median ms",
    "p95 ms",
    "queries",
    "SQL ms",
    "x minimal",
    "small ms",
    "growth",
    "target",
]
START, END = "<!-- bench_pages:start -->", "<!-- bench_pages:end -->"


def _cell(i: int, text: str) -> str:
    """A Markdown cell; the page's path in backticks (``<code>`` is not an HTML tag)."""
    text = text.replace("|", "\\|")
    if i == 1 and text.startswith("/"):
        path, sep, name = text.partition(" (")
        return f"`{path}`" + (f" ({name}" if sep else "")
    return text


def write_markdown(path: Path, rows, results, reps: int, seconds: float) -> None:
    lines = [
        START,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {database_kind()}, "
        f"{reps} requests per page after a warm-up, home throughput {seconds:g} s per case.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(_cell(i, c) for i, c in enumerate(row)) + " |" for row in rows),
        "",
        END,
    ]
    text = path.read_text() if path.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + "\n".join(lines) + rest.split(END, 1)[1]
    else:
        text += "\n" + "\n".join(lines) + "\n"
    path.write_text(text)
    print(f"wrote the table into {path}")


if __name__ == "__main__":
    sys.exit(main())
