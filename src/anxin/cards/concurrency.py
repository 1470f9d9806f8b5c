"""Many payments from one card at once (the issue's benchmark and the POS-2 test): each thread
has its own database connection, all start together, and each pays in its own transaction."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection


@dataclass
class RaceResult:
    succeeded: int
    refused: int
    errors: list[str]
    balance: Decimal
    lowest_balance_after: Decimal
    seconds: float


def race(*, card, client, store, user, payments: int = 20, amount=Decimal("100.00")) -> RaceResult:
    from .models import Card, CardMovement
    from .services import balance_of, charge_card

    ok, refused, errors = [], [], []
    lock = threading.Lock()
    start = threading.Barrier(payments)

    def pay(n):
        try:
            start.wait()
            fresh = Card.objects.get(pk=card.pk)
            charge_card(
                card=fresh, client=client, store=store, amount=amount, user=user,
                reference=f"RACE-{n}",
            )  # fmt: skip
            with lock:
                ok.append(n)
        except ValidationError:
            with lock:
                refused.append(n)
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=pay, args=(n,)) for n in range(payments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    lowest = min(
        CardMovement.objects.filter(card=card).values_list("balance_after", flat=True),
        default=Decimal("0"),
    )
    return RaceResult(
        succeeded=len(ok),
        refused=len(refused),
        errors=errors,
        balance=balance_of(card)[0],
        lowest_balance_after=lowest,
        seconds=seconds,
    )
