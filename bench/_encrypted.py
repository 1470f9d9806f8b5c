"""What the encryption benchmarks share: tables with encrypted fields, filled quickly.

No app has encrypted fields yet, so the benchmarks use the crypto tests' stand-in model
``anxin.crypto.tests.models.Secret`` (an encrypted note, ID number and phone; blind indexes on
the ID number and the phone) and create its table themselves. Call after ``django.setup()``.
"""

from __future__ import annotations

import time

BATCH = 2000


def id_number(i: int) -> str:
    """A distinct 18-character ID number for record i."""
    return f"110101{19500101 + i:08d}{i % 1000:03d}X"


def phone(i: int) -> str:
    return f"138{i:08d}"


def create_tables(*models) -> None:
    from django.db import connection

    with connection.schema_editor() as editor:
        for model in models:
            editor.create_model(model)


def fill_secrets(count: int, progress_every: int = 20_000) -> float:
    """Insert ``count`` encrypted records (bulk_create, BATCH per transaction); seconds taken."""
    from django.db import transaction

    from anxin.crypto import keyring
    from anxin.crypto.tests.models import Secret

    # The first data key, created and committed outside the timing (it happens once ever).
    keyring.current().live()
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        rows = [
            Secret(
                note=f"备注 {i}: 左肩旧伤，忌重压" if i % 4 == 0 else None,
                id_number=id_number(i),
                phone=phone(i),
            )
            for i in range(start, min(count, start + BATCH))
        ]
        with transaction.atomic():
            Secret.objects.bulk_create(rows)
        done = start + len(rows)
        if done % progress_every == 0 or done == count:
            print(f"  {done}/{count} encrypted records written", flush=True)
    return time.perf_counter() - started
