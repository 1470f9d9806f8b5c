"""Code allocation: codes/s from ``allocate_code`` against plain auto-increment inserts.

Each allocation runs in its own ``transaction.atomic()``, as a record creation would; the
baseline inserts one row into a small table with an auto-increment key (created here), each
insert in its own transaction too. Both run sequentially and with 8 concurrent workers (threads,
each with its own database connection), with the same counts, in the same run, in alternating
order over a few rounds; the medians are compared. Afterwards every allocated code is checked:
all distinct, and each scope's serials exactly 1..n (gap-free), matching its counter.

Target: allocation >= 25% of the baseline's throughput on SQLite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable

from _common import describe_database, parse_args, table, throwaway_environment

WORKERS = 8
TARGET = 0.25
FAMILY = "KH"  # client codes: KH + YYMM + 4-digit serial, one counter per month


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        count=dict(type=int, default=None, help="allocations per measurement (default 2000)"),
        rounds=dict(type=int, default=None, help="rounds, each measuring every case (default 5)"),
    )
    count = args.count or (300 if args.quick else 2000)
    rounds = args.rounds or (1 if args.quick else 5)
    # run.py stops an overlong run with SIGTERM: unwind, so the temporary data is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not 0 < count <= 9999:
        print("--count must be 1..9999 (one month's KH serials)", file=sys.stderr)
        return 2

    with throwaway_environment("codes") as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        try:
            return run(count, rounds, env)
        finally:
            connections.close_all()  # before a PostgreSQL database is dropped


def run(count: int, rounds: int, env: dict[str, str]) -> int:
    from django.db import connection, transaction

    from anxin.core.codes import allocate_code
    from anxin.core.models import CodeSequence

    create_baseline_table(connection)
    insert_sql = "INSERT INTO bench_autoinc (note) VALUES (%s) RETURNING id"

    def baseline_op(_scope_date: dt.date) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert_sql, ["bench"])
            return cursor.fetchone()[0]

    def codes_op(scope_date: dt.date) -> str:
        with transaction.atomic():
            return allocate_code(FAMILY, on=scope_date)

    print(f"code allocation benchmark: {describe_database(env)}")
    print(
        f"{count} operations per measurement, {rounds} round(s), "
        f"sequential and {WORKERS} worker threads; each operation in its own transaction"
    )

    # Warm-up (not measured): connections, the counter row, caches, the SQLite file.
    warm = dt.date(2030, 12, 1)
    for workers in (1, WORKERS):
        measure(baseline_op, warm, 200, workers)
        measure(codes_op, warm, 200, workers)

    allocated: dict[str, list[str]] = {}  # scope date -> codes
    rows = []
    results = {"sequential": ([], [], []), f"{WORKERS} workers": ([], [], [])}
    for r in range(rounds):
        for m, (mode, workers) in enumerate([("sequential", 1), (f"{WORKERS} workers", WORKERS)]):
            scope_date = dt.date(2031 + r, 1 + m, 1)
            order = ["baseline", "codes"] if r % 2 == 0 else ["codes", "baseline"]
            rate = {}
            for which in order:
                if which == "codes":
                    rate[which], codes = measure(codes_op, scope_date, count, workers)
                    allocated[scope_date.isoformat()] = codes
                else:
                    rate[which], _ids = measure(baseline_op, scope_date, count, workers)
            results[mode][0].append(rate["codes"])
            results[mode][1].append(rate["baseline"])
            results[mode][2].append(rate["codes"] / rate["baseline"])
            rows.append(
                [
                    f"round {r + 1}",
                    mode,
                    f"{rate['codes']:.0f}",
                    f"{rate['baseline']:.0f}",
                    f"{rate['codes'] / rate['baseline']:.2f}",
                ]
            )
    # The ratio is the median of the per-round ratios: each pairs two measurements taken
    # back to back, which cancels most of the drift of a busy machine.
    medians = {mode: tuple(statistics.median(v) for v in vs) for mode, vs in results.items()}
    for mode, (c, b, ratio) in medians.items():
        rows.append(["median", mode, f"{c:.0f}", f"{b:.0f}", f"{ratio:.2f}"])
    print()
    print(table(["", "mode", "codes/s", "autoincrement/s", "ratio"], rows, left=2))
    print()

    ok, message = verify(allocated, CodeSequence)
    print(f"codes check: {message}")
    (seq_c, seq_b, seq_ratio), (par_c, par_b, par_ratio) = medians.values()
    verdict = "met" if min(seq_ratio, par_ratio) >= TARGET else "NOT met"
    print(
        f"RESULT codes: sequential {seq_c:.0f}/s, {WORKERS} workers {par_c:.0f}/s; "
        f"baseline autoincrement {seq_b:.0f}/s sequential, {par_b:.0f}/s {WORKERS} workers; "
        f"ratio {seq_ratio:.2f} / {par_ratio:.2f} (target >= {TARGET}, {verdict}); "
        f"codes distinct and gap-free: {'yes' if ok else 'NO'}"
    )
    return 0 if ok else 1


def create_baseline_table(connection) -> None:
    if connection.vendor == "sqlite":
        ddl = "CREATE TABLE bench_autoinc (id INTEGER PRIMARY KEY AUTOINCREMENT, note VARCHAR(20) NOT NULL)"
    elif connection.vendor == "postgresql":
        ddl = (
            "CREATE TABLE bench_autoinc "
            "(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note VARCHAR(20) NOT NULL)"
        )
    else:
        raise SystemExit(f"no baseline table for the {connection.vendor} database")
    with connection.cursor() as cursor:
        cursor.execute(ddl)


def measure(op: Callable, scope_date: dt.date, count: int, workers: int) -> tuple[float, list]:
    """Run ``op`` count times split over ``workers`` threads; return (operations/s, results)."""
    from django.db import connection

    if workers == 1:
        connection.ensure_connection()
        start = time.perf_counter()
        out = [op(scope_date) for _ in range(count)]
        return count / (time.perf_counter() - start), out

    shares = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
    barrier = threading.Barrier(workers + 1)
    outputs: list[list] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            connection.ensure_connection()  # this thread's own connection, opened before timing
            barrier.wait()
            outputs[i] = [op(scope_date) for _ in range(shares[i])]
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=60)
    start = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    if any(t.is_alive() for t in threads):
        raise RuntimeError("a worker did not finish within 10 minutes")
    return count / elapsed, [x for out in outputs for x in out]


def verify(allocated: dict[str, list[str]], CodeSequence) -> tuple[bool, str]:
    everything = [c for codes in allocated.values() for c in codes]
    problems = []
    if len(set(everything)) != len(everything):
        problems.append(f"{len(everything) - len(set(everything))} duplicate codes")
    for day, codes in allocated.items():
        scope = dt.date.fromisoformat(day).strftime("%y%m")
        serials = sorted(int(c[len(FAMILY) + len(scope) :]) for c in codes)
        if not all(c.startswith(FAMILY + scope) for c in codes):
            problems.append(f"scope {scope}: codes outside the scope")
        if serials != list(range(1, len(codes) + 1)):
            missing = sorted(set(range(1, len(codes) + 1)) - set(serials))
            problems.append(f"scope {scope}: serials not 1..{len(codes)} (missing {missing[:5]})")
        last = CodeSequence.objects.get(family=FAMILY, scope=scope).last_serial
        if last != len(codes):
            problems.append(f"scope {scope}: counter at {last}, {len(codes)} codes given")
    if problems:
        return False, "FAILED: " + "; ".join(problems)
    return True, (
        f"{len(everything)} codes in {len(allocated)} scopes, all distinct, "
        "each scope's serials exactly 1..n and matching its counter (gap-free)"
    )


if __name__ == "__main__":
    sys.exit(main())
