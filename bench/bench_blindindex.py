"""Blind-index lookup: exact match among encrypted records against a plaintext indexed lookup.

Writes N encrypted records (default 100,000; ID number and phone encrypted, each with a blind
index) and the same ID numbers and phones into a plaintext table with ordinary indexes. Then
looks up random existing ID numbers one at a time through the ORM, as a search box would:

- encrypted: ``Secret.objects.get(id_number_index__matches=raw)`` (normalise, HMAC under each
  live key generation, indexed query, decrypt the row's encrypted fields);
- baseline: ``Plain.objects.get(id_number=raw)`` on the plaintext table.

Both run in the same process, alternating over several rounds; the median of the per-round
ratios is reported. Every lookup must find exactly the record it asked for.

Target: the blind-index lookup takes at most 2x the time of the plaintext lookup.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import sys
import time

from _common import describe_database, parse_args, table, throwaway_environment
from _encrypted import create_tables, fill_secrets, id_number, phone

TARGET = 2.0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        argv,
        records=dict(type=int, default=None, help="records (default 100000, quick 10000)"),
        lookups=dict(type=int, default=None, help="lookups per measurement (default 2000)"),
        rounds=dict(type=int, default=None, help="rounds (default 5, quick 2)"),
    )
    records = args.records or (10_000 if args.quick else 100_000)
    lookups = args.lookups or (500 if args.quick else 2000)
    rounds = args.rounds or (2 if args.quick else 5)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with throwaway_environment("blindindex") as env:
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", interactive=False, verbosity=0)
        try:
            return run(records, lookups, rounds, env)
        finally:
            connections.close_all()


def plain_model():
    """A plaintext table like the encrypted one, with ordinary indexes (the baseline)."""
    from django.db import models

    class Plain(models.Model):
        id_number = models.CharField(max_length=18, db_index=True)
        phone = models.CharField(max_length=20, db_index=True)
        note = models.TextField(blank=True)

        class Meta:
            app_label = "crypto"
            db_table = "bench_plain_person"

        def __str__(self):
            return self.id_number

    return Plain


def run(records: int, lookups: int, rounds: int, env: dict[str, str]) -> int:
    from django.db import transaction

    from anxin.crypto.tests.models import Secret

    Plain = plain_model()
    create_tables(Secret, Plain)
    print(f"blind-index lookup benchmark: {describe_database(env)}")
    print(f"{records} records; {lookups} lookups per measurement, {rounds} round(s)")

    took = fill_secrets(records)
    print(f"  encrypted insert: {records / took:.0f} records/s")
    for start in range(0, records, 5000):
        with transaction.atomic():
            Plain.objects.bulk_create(
                Plain(id_number=id_number(i), phone=phone(i), note="")
                for i in range(start, min(records, start + 5000))
            )

    rng = random.Random(20260301)
    ok = True

    def encrypted(wanted: list[int]) -> float:
        nonlocal ok
        start = time.perf_counter()
        for i in wanted:
            row = Secret.objects.get(id_number_index__matches=id_number(i))
            ok = ok and row.id_number == id_number(i) and row.phone == phone(i)
        return (time.perf_counter() - start) / len(wanted)

    def plain(wanted: list[int]) -> float:
        nonlocal ok
        start = time.perf_counter()
        for i in wanted:
            row = Plain.objects.get(id_number=id_number(i))
            ok = ok and row.phone == phone(i)
        return (time.perf_counter() - start) / len(wanted)

    warm = [rng.randrange(records) for _ in range(200)]
    encrypted(warm)
    plain(warm)

    rows, ratios, enc_times, plain_times = [], [], [], []
    for r in range(rounds):
        wanted = [rng.randrange(records) for _ in range(lookups)]
        order = [encrypted, plain] if r % 2 == 0 else [plain, encrypted]
        seconds = {fn.__name__: fn(wanted) for fn in order}
        ratio = seconds["encrypted"] / seconds["plain"]
        ratios.append(ratio)
        enc_times.append(seconds["encrypted"])
        plain_times.append(seconds["plain"])
        rows.append(
            [
                f"round {r + 1}",
                f"{seconds['encrypted'] * 1e6:.0f}",
                f"{seconds['plain'] * 1e6:.0f}",
                f"{ratio:.2f}",
            ]
        )
    enc, base, ratio = (
        statistics.median(enc_times),
        statistics.median(plain_times),
        statistics.median(ratios),
    )
    rows.append(["median", f"{enc * 1e6:.0f}", f"{base * 1e6:.0f}", f"{ratio:.2f}"])
    print()
    print(table(["", "blind index µs/lookup", "plaintext µs/lookup", "ratio"], rows))
    print()
    print(f"lookups check: {'every lookup found its record' if ok else 'FAILED'}")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(
        f"RESULT blindindex: {records} records; blind-index lookup {enc * 1e6:.0f} µs "
        f"({1 / enc:.0f}/s), plaintext indexed lookup {base * 1e6:.0f} µs ({1 / base:.0f}/s); "
        f"ratio {ratio:.2f} (target <= {TARGET}, {verdict}); lookups correct: "
        f"{'yes' if ok else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
