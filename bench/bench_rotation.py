"""Key rotation: records/s and peak memory re-encrypting N encrypted records under a new key.

Writes N encrypted records (default 100,000: ID number and phone in every record, a note in
every fourth, blind indexes on the ID number and phone), then runs ``rotation.rotate()`` — the
code behind ``anxin keys rotate`` — with its default batch of 500 rows per transaction and no
settle wait (nothing else is running). Figures: records/s over the whole rotation (rewrite
pass, final pass that checks every blind index, scan for unused keys); resident memory
sampled after every batch (``/proc/self/statm``) and the process's peak RSS
(``resource.getrusage``). Then a second rotation runs under ``tracemalloc`` (which slows it
several times over) for its first TRACED_ROWS rows and is interrupted there: its peak of
Python allocations shows memory is bounded by the batch, not by N. (Resuming an interrupted
rotation is proved by the tests; here it would only double the run time.)

Baseline, same run: the same batch walk (keyset pages of 500, one transaction each) rewriting
a plaintext column of every row with its own value: what moving the rows costs without any
cryptography. Checks after the first rotation: every value names the new key, the old key is
retired, and sampled records decrypt and are found through their blind indexes.

Target: none in the SPEC; the figures to watch are records/s and memory independent of N.
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import signal
import sys
import time
import tracemalloc

from _common import describe_database, parse_args, table, throwaway_environment
from _encrypted import create_tables, fill_secrets, id_number, phone

TRACED_ROWS = 10_000


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        records=dict(type=int, default=None, help="records (default 100000, quick 10000)"),
    )
    records = args.records or (10_000 if args.quick else 100_000)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with throwaway_environment("rotation") as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        try:
            return run(records, env)
        finally:
            connections.close_all()


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_walk(batch: int = 500) -> float:
    """Seconds to rewrite a plaintext column of every row, in the rotation's batch walk."""
    from django.db import connection, transaction

    started = time.perf_counter()
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, plain FROM crypto_test_secret WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            cursor.executemany(
                "UPDATE crypto_test_secret SET plain = %s WHERE id = %s",
                [[plain, pk] for pk, plain in rows],
            )
        last = rows[-1][0]
    return time.perf_counter() - started


class Interrupted(Exception):
    pass


def current_rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def check(records: int, report, old_keys: list[int]) -> list[str]:
    from anxin.crypto import rotation
    from anxin.crypto.models import DataKey, KeyState
    from anxin.crypto.tests.models import Secret

    problems = []
    usage = rotation.key_usage()
    if set(usage) != {report.key_id}:
        problems.append(f"values under other keys: {usage}")
    if set(DataKey.objects.filter(pk__in=old_keys).values_list("state", flat=True)) != {
        KeyState.RETIRED
    }:
        problems.append("an old key was not retired")
    rng = random.Random(5)
    for i in rng.sample(range(records), min(200, records)):
        row = Secret.objects.get(id_number_index__matches=id_number(i))
        if row.phone != phone(i) or Secret.objects.get(phone_index__matches=phone(i)) != row:
            problems.append(f"record {i} not found or not readable")
            break
    return problems


def run(records: int, env: dict[str, str]) -> int:
    from anxin.crypto import rotation
    from anxin.crypto.models import DataKey, KeyState
    from anxin.crypto.tests.models import Secret

    create_tables(Secret)
    print(f"key rotation benchmark: {describe_database(env)}")
    print(f"{records} encrypted records, {rotation.BATCH_SIZE} rows per transaction")
    took = fill_secrets(records)
    print(f"  encrypted insert: {records / took:.0f} records/s")
    first_key = DataKey.objects.get(state=KeyState.ACTIVE).pk

    base = baseline_walk()
    rss = [current_rss_mib()]

    def sample(_phase, _label, _done, _total):
        rss.append(current_rss_mib())

    started = time.perf_counter()
    report = rotation.rotate(settle=False, progress=sample)
    seconds = time.perf_counter() - started
    problems = check(records, report, [first_key])
    if report.rewritten.get("crypto.Secret") != records:
        problems.append(f"rewrote {report.rewritten} rows, expected {records}")

    # Second rotation: traced, and interrupted after TRACED_ROWS rows.
    traced_rows = min(TRACED_ROWS, records // 2)

    def stop_after(phase, _label, done, _total):
        if phase == "rewrite" and done >= traced_rows:
            raise Interrupted

    tracemalloc.start()
    traced_started = time.perf_counter()
    with contextlib.suppress(Interrupted):
        rotation.rotate(settle=False, progress=stop_after)
    traced_seconds = time.perf_counter() - traced_started
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rate, base_rate = records / seconds, records / base
    print()
    print(
        table(
            ["", "seconds", "records/s"],
            [
                ["rotation (rewrite + check + retire)", f"{seconds:.1f}", f"{rate:.0f}"],
                ["baseline: plaintext batch rewrite", f"{base:.1f}", f"{base_rate:.0f}"],
                [
                    f"rotation under tracemalloc, first {traced_rows} rows",
                    f"{traced_seconds:.1f}",
                    f"{traced_rows / traced_seconds:.0f}",
                ],
            ],
        )
    )
    print()
    print(
        f"resident memory during the rotation: {min(rss):.0f} to {max(rss):.0f} MiB "
        f"(sampled after each batch); process peak RSS {peak_rss_mib():.0f} MiB; "
        f"peak Python allocations over {traced_rows} rows: {traced_peak / 2**20:.1f} MiB"
    )
    print(
        "rotation check: "
        + (
            "FAILED: " + "; ".join(problems)
            if problems
            else "all values under the new key, old key retired, samples readable and findable"
        )
    )
    print(
        f"RESULT rotation: {records} records in {seconds:.1f} s, {rate:.0f} records/s "
        f"(baseline plaintext batch rewrite {base_rate:.0f} records/s, ratio "
        f"{rate / base_rate:.2f}); resident memory {min(rss):.0f}-{max(rss):.0f} MiB during "
        f"rotation, traced Python peak {traced_peak / 2**20:.1f} MiB over {traced_rows} rows; "
        f"correct: {'no' if problems else 'yes'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
