"""Demo membership cards (``anxin demo``): four card types, and cards sold to registered clients
with their top-ups, bonus, consumption, the odd refund, and expiry — 2,000 cards over three
years at store scale, a handful at small scale.

Every consumption is the holder paying one of their own services at the till: the till's demo
hands over the visits it will bill in bulk (``visits``), the cards choose which of them a card
pays, and the till writes those bills with a card payment pointing at the consumption row
(whose reference names the bill, as checkout writes it) — ``CardPlan.write``. Without visits
(the small scale) the cards are only bought, and spent through the real checkout afterwards.

Written in bulk (no per-row audit entries: demo history, not work done through the
application); each card's ledger is built in order with its running balance, so the monthly
liability report reconciles over the whole demo.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F
from django.utils import timezone

from anxin.clients.models import Client
from anxin.core.models import CodeSequence

from .models import Card, CardKind, CardMovement, CardState, CardType, MovementKind

CARD_COUNTS = {"small": 8, "store": 2_000, "chain": 8}
CENT = Decimal("0.01")
TOP_UPS = [Decimal(v) for v in ("500", "1000", "1000", "2000", "3000")]
PRICES = [Decimal(v) for v in ("98", "128", "168", "198", "238", "298")]  # without a till
# How often a holder pays a service by their card when the card can pay it.
CARD_PAYS = 0.85
# Card buyers are regulars: of this many clients, the card goes to the one who comes most.
PICKS = 8
MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Visit:
    """A service the till will bill: paid at ``at``, ``amount`` yuan."""

    at: dt.datetime
    record_id: int
    item_id: int | None
    amount: Decimal


@dataclass
class CardPlan:
    """The demo cards' ledgers, waiting for the bills of the visits their cards pay
    (``by_record``: service record id → its consumption row)."""

    rows: list = field(default_factory=list)
    by_record: dict = field(default_factory=dict)
    written: bool = False

    def write(self, bill_of: dict[int, int]) -> dict[int, CardMovement]:
        """Write the ledgers, each consumption naming its bill (``bill_of``: service record id →
        bill id) the way checkout does; returns record id → consumption row (with its id)."""
        for record_id, row in self.by_record.items():
            row.reference = f"bill:{bill_of[record_id]}"
        if not self.written:
            CardMovement.objects.bulk_create(self.rows, batch_size=2000)
            self.written = True
        return self.by_record


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
        if self.rows and at <= self.rows[-1].at:
            at = self.rows[-1].at + MINUTE  # the ledger stays in time order
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
        return self.rows[-1]


def _top_up(rnd, ledger: _Ledger, card_type: CardType, at, by) -> None:
    paid = rnd.choice(TOP_UPS)
    ledger.add(MovementKind.TOP_UP, at, amount=paid, cash=paid, by=by)
    if bonus := card_type.bonus_for(paid):
        ledger.add(MovementKind.BONUS, at, amount=bonus, by=by)


def _history(rnd, ledger: _Ledger, card_type: CardType, today, by, visits, plan, covered) -> None:
    """The card's ledger: bought, then spent on the holder's visits (those not paid already),
    topped up when it runs low, now and then refunded, and expired."""
    card = ledger.card
    last = min(today, card.expires_on)
    kind = card_type.kind
    bought = _at(rnd, card.issued_on)
    if kind == CardKind.STORED_VALUE:
        _top_up(rnd, ledger, card_type, bought, by)
    elif kind == CardKind.DISCOUNT:
        ledger.add(MovementKind.TOP_UP, bought, cash=card_type.price, by=by)
        return
    else:
        ledger.add(
            MovementKind.TOP_UP,
            bought,
            amount=card_type.price,
            cash=card_type.price,
            sessions=(card_type.sessions or 0) if kind == CardKind.SESSIONS else 0,
            by=by,
        )
    if visits is None:  # no till to pay through (the cards benchmark): visits of our own
        visits, day = [], card.issued_on
        while (day := day + dt.timedelta(days=rnd.randrange(5, 30))) <= last:
            visits.append(Visit(at=_at(rnd, day), record_id=None, item_id=None,
                                amount=rnd.choice(PRICES)))  # fmt: skip
    for visit in visits:
        day = timezone.localtime(visit.at).date()
        if visit.at <= ledger.rows[-1].at + 3 * MINUTE or day > last:
            continue
        if visit.record_id in plan.by_record or rnd.random() >= CARD_PAYS:
            continue  # paid already, or paid another way
        if kind == CardKind.SESSIONS and visit.record_id and visit.item_id not in covered:
            continue
        if kind == CardKind.STORED_VALUE:
            if visit.amount > ledger.balance:
                if rnd.random() < 0.5:  # tops up at the till, then pays
                    _top_up(rnd, ledger, card_type, visit.at - 2 * MINUTE, by)
                elif rnd.random() < 0.05 and ledger.balance > 0:  # refunds what is left
                    cash = (ledger.balance * Decimal("0.8")).quantize(CENT, ROUND_HALF_UP)
                    ledger.add(
                        MovementKind.REFUND, visit.at, amount=-ledger.balance, cash=-cash, by=by
                    )
                    card.state = CardState.CLOSED
                    return
                else:
                    continue
            row = ledger.add(MovementKind.CONSUMPTION, visit.at, amount=-visit.amount, by=by)
        elif kind == CardKind.SESSIONS:
            if ledger.sessions <= 0:
                return
            value = (ledger.balance / ledger.sessions).quantize(CENT, ROUND_HALF_UP)
            row = ledger.add(MovementKind.CONSUMPTION, visit.at, amount=-value, sessions=-1, by=by)
        else:
            row = ledger.add(MovementKind.CONSUMPTION, visit.at, by=by)
        if visit.record_id is not None:
            plan.by_record[visit.record_id] = row
    if card.expires_on < today:
        if ledger.balance or ledger.sessions:
            ledger.add(
                MovementKind.EXPIRY,
                _at(rnd, card.expires_on + dt.timedelta(days=1)).replace(hour=1, minute=17),
                amount=-ledger.balance,
                sessions=-ledger.sessions,
            )
        card.state = CardState.CLOSED


def _visits_after(visits, client_id: int, day: dt.date) -> int:
    own = (visits or {}).get(client_id)
    if not own:
        return 0
    after = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return len(own) - bisect.bisect_left(own, after, key=lambda v: v.at)


def _registered(code: str) -> dt.date:
    return dt.date(2000 + int(code[2:4]), int(code[4:6]), 1)


def demo_cards(*, rnd, store, items, scale: str, visits=None) -> CardPlan:
    """The cards and their ledgers. ``visits`` (client id → their ``Visit`` list, in time
    order): the services the till will bill in bulk, which the cards may pay; the ledgers are
    then written by ``CardPlan.write`` once those bills exist, else here. ``None`` (the cards
    benchmark, no till): each card is spent on visits of its own, linked to no bill."""
    from anxin.catalogue.demo import holder

    plan = CardPlan()

    manager = holder(store, "store_manager")
    cashier = holder(store, "front_desk")
    types = _types(store, manager, items)
    covered = {t.pk: {i.pk for i in t.items.all()} for t in types}
    weights = [0.55, 0.2, 0.1, 0.15]
    # Clients by registration month: a card is sold on a day to someone registered by then.
    clients = sorted(
        (_registered(code), pk)
        for pk, code in Client.objects.filter(store=store, general_consent=True).values_list(
            "pk", "code"
        )
    )
    if not clients:
        plan.written = True
        return plan
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
        else:  # of a few clients, the one who comes back most after buying it (regulars buy)
            picks = [clients[rnd.randrange(0, known)][1] for _try in range(PICKS if visits else 1)]
            client_id = max(picks, key=lambda pk: _visits_after(visits, pk, issued))
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
        _history(
            rnd,
            ledger,
            card_type,
            today,
            cashier,
            None if visits is None else visits.get(client_id, ()),
            plan,
            covered[card_type.pk],
        )
        cards.append(card)
        ledgers.append(ledger)
    Card.objects.bulk_create(cards, batch_size=1000)
    for ledger in ledgers:
        for row in ledger.rows:
            row.card_id = ledger.card.pk
        plan.rows += ledger.rows
    if not plan.by_record:  # nothing waits for a bill
        plan.write({})
    CodeSequence.objects.bulk_create(
        [CodeSequence(family="HY", scope="card", last_serial=0)], ignore_conflicts=True
    )
    CodeSequence.objects.filter(family="HY", scope="card").update(
        last_serial=F("last_serial") + count
    )
    return plan
