"""Backups at store scale: backup + verification vs. a plain online copy; restore drill; memory.

Builds a store-scale database in a throw-away data directory: ``anxin demo --scale store``
(accounts, 400 clients with encrypted fields, their audit entries) plus filler use-log entries
(default 200,000; a store reading client records for a few years), chained with valid MACs so
the drill's audit verification covers them. Then, in the same run:

- baseline: SQLite's online backup API (what ``sqlite3 .backup`` does) of the same database to
  one file; with PostgreSQL, ``pg_dump --format=custom`` to one file;
- ``anxin backup``'s work (``services.run_backup``): the consistent copy, row counts, SHA-256 of
  the parts, compression, encryption, reading the archive back to verify it, and writing it to
  TWO destinations with a read-back check each;
- ``anxin restore-drill``'s work: SHA-256 check, decryption, a new database, integrity check,
  row counts, audit chain verification, decryption of a sample of encrypted values;
- peak memory: the process's peak RSS (``resource.getrusage``) and, in a second backup under
  ``tracemalloc``, the peak of Python allocations (bounded by the chunk size, not the database).

Target (issue 6): backup plus verification within 3x of the plain online copy.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import describe_database, parse_args, table, throwaway_environment

TARGET = 3.0
BATCH = 5000


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        rows=dict(type=int, default=None, help="filler use-log entries (default 200000)"),
    )
    rows = args.rows or (20_000 if args.quick else 200_000)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with throwaway_environment("backup") as env:
        os.environ.update(env)
        dests = Path(env["ANXIN_DATA_DIR"]).parent / "dest"
        os.environ["ANXIN_BACKUP_DIRS"] = f"{dests / 'disk'},{dests / 'nas'}"
        (dests / "disk").mkdir(parents=True)
        (dests / "nas").mkdir(parents=True)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        try:
            return run(rows, env)
        finally:
            connections.close_all()


def fill_use_log(count: int) -> float:
    """``count`` use-log entries with a valid chain, bulk-inserted; seconds taken."""
    from django.db import transaction
    from django.db.models import QuerySet
    from django.utils import timezone

    from anxin.accounts.models import Store, User
    from anxin.audit import chain
    from anxin.audit.models import ChainHead, UseLog

    started = time.perf_counter()
    user = User.objects.get(username="frontdesk")
    store = Store.objects.first()
    key = chain._key()
    now = timezone.now()
    for start in range(0, count, BATCH):
        with transaction.atomic():
            head = chain._lock_heads("default")[chain.USE]
            seq, mac = head.seq, head.mac
            entries = []
            for i in range(start, min(count, start + BATCH)):
                seq += 1
                entry = UseLog(
                    seq=seq,
                    at=now,
                    user_id=user.pk,
                    store_id=store.pk,
                    record_type="clients.client",
                    record_id=str(i % 400 + 1),
                    record_code=f"KH2611{i % 400 + 1:04d}",
                    action="view",
                    purpose="service",
                    outcome="allowed",
                    count=1,
                    ip="192.168.1.20",
                    request_id=f"{i:032x}",
                )
                values = {name: getattr(entry, name) for name in chain.FIELDS[chain.USE]}
                entry.mac = mac = chain.compute_mac(chain.USE, mac, values, key)
                entries.append(entry)
            # Straight into the table (the append-only manager refuses bulk writes on purpose).
            QuerySet.bulk_create(UseLog.objects.all(), entries)
            ChainHead.objects.filter(log=chain.USE).update(seq=seq, mac=mac)
    return time.perf_counter() - started


def baseline_copy(target: Path) -> float:
    from django.db import connection

    from anxin.backups import engine

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        source.backup(copy)
        copy.close()
        source.close()
    else:
        db = connection.settings_dict
        subprocess.run(
            [engine.pg_program("pg_dump"), "--format=custom", f"--file={target}"],
            env=engine._pg_env(db),
            check=True,
        )
    return time.perf_counter() - started


def database_size() -> int:
    from django.db import connection

    if connection.vendor == "sqlite":
        return Path(connection.settings_dict["NAME"]).stat().st_size
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def run(rows: int, env: dict) -> int:
    from anxin.backups import services
    from anxin.backups.models import Result
    from anxin.core.management.commands.demo import load_demo

    print(f"Database: {describe_database(env)}")
    started = time.perf_counter()
    load_demo(scale="store", seed=1)
    print(f"demo --scale store: {time.perf_counter() - started:.1f} s")
    print(f"filler: {rows} use-log entries in {fill_use_log(rows):.1f} s")
    size = database_size()
    print(f"database size: {size / 1e6:.1f} MB")

    # Where the time goes: each phase's start, as the backup reports its progress.
    marks: list[tuple[str, float]] = []
    real_start = services.Progress.start

    def start(self, phase, total=1):
        marks.append((phase, time.perf_counter()))
        return real_start(self, phase, total)

    services.Progress.start = start
    phases: list[dict[str, float]] = []
    scratch = Path(tempfile.mkdtemp(prefix="anxin-bench-baseline-"))
    try:
        # Warm the page cache once, then alternate: baseline, backup, backup, baseline.
        baseline_copy(scratch / "warm")
        (scratch / "warm").unlink()
        base, ours = [], []
        for order in ("AB", "BA"):
            for step in order:
                if step == "A":
                    target = scratch / f"copy-{len(base)}"
                    base.append(baseline_copy(target))
                    target.unlink()
                else:
                    marks.clear()
                    t0 = time.perf_counter()
                    backup = services.run_backup()
                    ours.append(time.perf_counter() - t0)
                    ends = [t for _, t in marks[1:]] + [t0 + ours[-1]]
                    spent: dict[str, float] = {}
                    for (phase, begin), end in zip(marks, ends, strict=True):
                        spent[phase] = spent.get(phase, 0.0) + end - begin
                    phases.append(spent)
                    if backup.result != Result.OK:
                        print(f"FAILED: backup {backup.result}: {backup.reason}")
                        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    t0 = time.perf_counter()
    drill = services.run_recovery(kind="drill")
    drill_time = time.perf_counter() - t0
    if drill.result != Result.OK:
        print(f"FAILED: drill {drill.reason}")
        return 1
    rss_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    services.run_backup()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    services.Progress.start = real_start
    baseline, backup_time = min(base), min(ours)
    best = phases[ours.index(backup_time)]
    ratio = backup_time / baseline if baseline else float("inf")
    archive_size = backup.size or 0
    print()
    print(
        table(
            ["step", "seconds", "MB/s (database)"],
            [
                ["online copy (baseline)", f"{baseline:.2f}", f"{size / 1e6 / baseline:.0f}"],
                [
                    "backup + verify, 2 destinations",
                    f"{backup_time:.2f}",
                    f"{size / 1e6 / backup_time:.0f}",
                ],
                ["restore drill", f"{drill_time:.2f}", f"{size / 1e6 / drill_time:.0f}"],
            ],
        )
    )
    print()
    print("the best backup, by phase:")
    print(table(["phase", "seconds"], [[p, f"{t:.2f}"] for p, t in best.items()]))
    print()
    print(f"archive: {archive_size / 1e6:.1f} MB for a {size / 1e6:.1f} MB database")
    print(f"checks in the drill: {drill.checks}")
    print(f"peak RSS of the process: {rss_peak_mb:.0f} MB")
    print(f"peak Python allocations during a backup (tracemalloc): {traced_peak / 1e6:.1f} MB")
    verdict = "within" if ratio <= TARGET else "OVER"
    print(
        f"RESULT backup: backup+verify {backup_time:.2f} s = {ratio:.2f}x the online copy "
        f"({baseline:.2f} s) of a {size / 1e6:.0f} MB database, {verdict} the {TARGET:.0f}x "
        f"target; restore drill {drill_time:.2f} s; peak RSS {rss_peak_mb:.0f} MB, "
        f"traced peak {traced_peak / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
