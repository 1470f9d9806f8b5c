"""What every benchmark shares: a throw-away data directory and database, figures, tables.

Benchmarks are scripts, not tests: they print figures and a ratio against a baseline measured
in the same run, and never fail on timing. They fail (non-zero exit) only when something is
wrong, e.g. the codes they allocated are not distinct or the server does not answer.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
SETTINGS = "anxin.config.settings.local"


def parse_args(description: str, argv: list[str] | None = None, **extra) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="smaller counts and shorter runs (a smoke run)"
    )
    for flag, kwargs in extra.items():
        parser.add_argument(f"--{flag.replace('_', '-')}", **kwargs)
    return parser.parse_args(argv)


@contextlib.contextmanager
def throwaway_environment(name: str) -> Iterator[dict[str, str]]:
    """A temporary data directory and database; yields the environment that points at them.

    SQLite (in the data directory) by default. With DATABASE_URL set to PostgreSQL, a fresh
    database ``anxin_bench_<random>`` is created on that server and dropped afterwards, so the
    benchmark never writes into the database DATABASE_URL names. Other engines are used as given.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f"anxin-bench-{name}-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "ANXIN_DATA_DIR": str(tmp / "data"),
        "ANXIN_LOG_LEVEL": os.environ.get("ANXIN_LOG_LEVEL", "WARNING"),
    }
    dropper = None
    try:
        url = os.environ.get("DATABASE_URL", "").strip()
        if url:
            env["DATABASE_URL"], dropper = _throwaway_database(url)
        yield env
    finally:
        if dropper is not None:
            try:
                dropper()
            except Exception as exc:  # report, but do not hide the benchmark's own outcome
                print(f"warning: could not drop the benchmark database: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


def _throwaway_database(url: str):
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        print(
            f"note: DATABASE_URL is {parts.scheme}://…; the benchmark migrates and writes into it",
            file=sys.stderr,
        )
        return url, None
    import psycopg
    from psycopg import sql

    admin_db = parts.path.lstrip("/") or "postgres"
    conninfo = urlunsplit(parts._replace(path="/" + admin_db))
    db_name = f"anxin_bench_{secrets.token_hex(4)}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))

    def drop():
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name))
            )

    return urlunsplit(parts._replace(path="/" + db_name)), drop


def describe_database(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL", "")
    if not url:
        return "SQLite (WAL) in a temporary data directory"
    parts = urlsplit(url)
    return f"{parts.scheme} {parts.hostname}:{parts.port or ''}{parts.path} (throw-away)"


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A plain-text table; the first ``left`` columns are text (left-aligned), the rest figures."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            str(c).ljust(w) if i < left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def django_in(env: dict[str, str], title: str) -> float:
    """Point this process at the throw-away environment ``env``: Django set up, the database
    migrated, the keys made; prints ``title`` with the database. Returns the start time (for
    "data ready after ... s")."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    print(f"{title}: {describe_database(env)}")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    from anxin.crypto import keyring

    keyring.current().live()
    return started
