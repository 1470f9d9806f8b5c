"""Demo membership cards (``anxin demo``): four card types, and cards sold to registered clients
with their top-ups, bonus, consumption, the odd refund and transfer, and expiry — 2,000 cards
over three years at store scale, a handful at small scale.

Written in bulk (no per-row audit entries: demo history, not work done through the
application); each card's ledger is built in order with its running balance, so the monthly
liability report reconciles over the whole demo.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F
from django.utils import timezone

from anxin.clients.models import Client
from anxin.core.models import CodeSequence

from .models import Card, CardKind, CardMovement, CardState, CardType, MovementKind

CARD_COUNTS = {"small": 8, "store": 2_000, "chain": 8}
CENT = Decimal("0.01")
TOP_UPS = [Decimal(v) for v in ("500", "1000", "1000", "2000", "3000")]
PRICES = [Decimal(v) for v in ("98", "128", "168", "198", "238", "298")]


def _types(store, manager, items) -> list[CardType]:
    covered = [i for i in items if i.price <= Decimal("200")][:3] or items[:1]
    specs = [
        dict(
            name="储值卡（充1000送200）",
            kind=CardKind.STORED_VALUE,
            bonus_rules=[
                {"pay": "500.00", "bonus": "50.00"},
                {"pay": "1000.00", "bonus": "200.00"},
                {"pay": "3000.00", "bonus": "800.00"},
            ],
            valid_days=730,
        ),
        dict(
            name="理疗10次卡",
            kind=CardKind.SESSIONS,
            price=Decimal("1080.00"),
            sessions=10,
            valid_days=365,
        ),
        dict(name="月卡（不限次）", kind=CardKind.TERM, price=Decimal("899.00"), valid_days=30),
        dict(
            name="VIP 九折卡",
            kind=CardKind.DISCOUNT,
            price=Decimal("99.00"),
            discount_percent=Decimal("10"),
            valid_days=365,
        ),
    ]
    types = CardType.objects.bulk_create(
        [CardType(store=store, created_by=manager, updated_by=manager, **s) for s in specs]
    )
    types[1].items.set(covered)
    return types


def _at(rnd, day: dt.date) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(rnd.randrange(10, 21), rnd.randrange(0, 60)))
    )


class _Ledger:
    """One card's rows, in order, with the running balance."""

    def __init__(self, card):
        self.card, self.rows, self.balance, self.sessions = card, [], Decimal("0.00"), 0

    def add(self, kind, at, *, amount=Decimal("0.00"), sessions=0, cash=Decimal("0.00"), by=None):
        self.balance += amount
        self.sessions += sessions
        self.rows.append(
            CardMovement(
                card=self.card,
                store_id=self.card.store_id,
                seq=len(self.rows) + 1,
                kind=kind,
                at=at,
                amount=amount,
                sessions=sessions,
                cash=cash,
                balance_after=self.balance,
                sessions_after=self.sessions,
                reference="demo",
                created_by=by,
            )
        )


def _history(rnd, ledger: _Ledger, card_type: CardType, today: dt.date, by) -> None:
    card = ledger.card
    day = card.issued_on
    last = min(today, card.expires_on)
    kind = card_type.kind
    if kind == CardKind.STORED_VALUE:
        paid = rnd.choice(TOP_UPS)
        ledger.add(MovementKind.TOP_UP, _at(rnd, day), amount=paid, cash=paid, by=by)
        if bonus := card_type.bonus_for(paid):
            ledger.add(MovementKind.BONUS, _at(rnd, day), amount=bonus, by=by)
    elif kind == CardKind.DISCOUNT:
        ledger.add(MovementKind.TOP_UP, _at(rnd, day), cash=card_type.price, by=by)
        return
    else:
        ledger.add(
            MovementKind.TOP_UP,
            _at(rnd, day),
            amount=card_type.price,
            cash=card_type.price,
            sessions=(card_type.sessions or 0) if kind == CardKind.SESSIONS else 0,
            by=by,
        )
    while True:
        day += dt.timedelta(days=rnd.randrange(5, 30))
        if day > last:
            break
        at = _at(rnd, day)
        if kind == CardKind.STORED_VALUE:
            price = rnd.choice(PRICES)
            if price > ledger.balance:
                if rnd.random() < 0.5:
                    paid = rnd.choice(TOP_UPS)
                    ledger.add(MovementKind.TOP_UP, at, amount=paid, cash=paid, by=by)
                    if bonus := card_type.bonus_for(paid):
                        ledger.add(MovementKind.BONUS, at, amount=bonus, by=by)
                    continue
                if rnd.random() < 0.05 and ledger.balance > 0:  # refunds what is left
                    cash = (ledger.balance * Decimal("0.8")).quantize(CENT, ROUND_HALF_UP)
                    ledger.add(MovementKind.REFUND, at, amount=-ledger.balance, cash=-cash, by=by)
                    card.state = CardState.CLOSED
                    return
                continue
            ledger.add(MovementKind.CONSUMPTION, at, amount=-price, by=by)
        elif kind == CardKind.SESSIONS:
            if ledger.sessions <= 0:
                return
            value = (ledger.balance / ledger.sessions).quantize(CENT, ROUND_HALF_UP)
            ledger.add(MovementKind.CONSUMPTION, at, amount=-value, sessions=-1, by=by)
        else:
            ledger.add(MovementKind.CONSUMPTION, at, by=by)
    if card.expires_on < today:
        if ledger.balance or ledger.sessions:
            ledger.add(
                MovementKind.EXPIRY,
                _at(rnd, card.expires_on + dt.timedelta(days=1)).replace(hour=1, minute=17),
                amount=-ledger.balance,
                sessions=-ledger.sessions,
            )
        card.state = CardState.CLOSED


def _registered(code: str) -> dt.date:
    return dt.date(2000 + int(code[2:4]), int(code[4:6]), 1)


def demo_cards(*, rnd, store, items, scale: str) -> int:
    from anxin.catalogue.demo import holder

    manager = holder(store, "store_manager")
    cashier = holder(store, "front_desk")
    types = _types(store, manager, items)
    weights = [0.55, 0.2, 0.1, 0.15]
    # Clients by registration month: a card is sold on a day to someone registered by then.
    clients = sorted(
        (_registered(code), pk)
        for pk, code in Client.objects.filter(store=store, general_consent=True).values_list(
            "pk", "code"
        )
    )
    if not clients:
        return 0
    registered = [r for r, _pk in clients]
    today = timezone.localdate()
    first = today - dt.timedelta(days=3 * 365)
    cards, ledgers = [], []
    count = CARD_COUNTS.get(scale, 8)
    serial = (
        CodeSequence.objects.filter(family="HY", scope="card")
        .values_list("last_serial", flat=True)
        .first()
        or 0
    )
    for n in range(count):
        issued = first + dt.timedelta(days=rnd.randrange(0, (today - first).days))
        known = bisect.bisect_right(registered, issued)
        if known == 0:
            since, client_id = clients[0]
            issued = max(since, issued)
        else:
            client_id = clients[rnd.randrange(0, known)][1]
        card_type = rnd.choices(types, weights)[0]
        card = Card(
            number=f"HY{serial + n + 1:08d}",
            store=store,
            client_id=client_id,
            card_type=card_type,
            issued_on=issued,
            expires_on=issued + dt.timedelta(days=card_type.valid_days),
            created_by=cashier,
            updated_by=cashier,
        )
        ledger = _Ledger(card)
        _history(rnd, ledger, card_type, today, cashier)
        cards.append(card)
        ledgers.append(ledger)
    Card.objects.bulk_create(cards, batch_size=1000)
    rows = []
    for ledger in ledgers:
        for row in ledger.rows:
            row.card_id = ledger.card.pk
        rows += ledger.rows
    CardMovement.objects.bulk_create(rows, batch_size=2000)
    CodeSequence.objects.bulk_create(
        [CodeSequence(family="HY", scope="card", last_serial=0)], ignore_conflicts=True
    )
    CodeSequence.objects.filter(family="HY", scope="card").update(
        last_serial=F("last_serial") + count
    )
    return len(rows)
