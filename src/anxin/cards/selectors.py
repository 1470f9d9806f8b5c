"""Every read of membership cards, with the acting person (SEC-3): out of scope is "not found"
(404) and logged as a denied use. Includes the till's ``cards_for_checkout`` (contract) and the
monthly card-liability report with its reconciliation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.names import staff_secrets
from anxin.accounts.policy import scope_for
from anxin.audit.services import use_log
from anxin.clients.models import Client
from anxin.core.money import CENT
from anxin.core.prepared import Prepared

from .models import Card, CardKind, CardMovement, CardState, CardType, MovementKind

RECORD = "cards.card"
ZERO = Decimal("0.00")


def can(actor, store, action: str) -> bool:
    return scope_for(actor, store, RECORD, action) is not None


def _denied(*, actor, store, action: str, record_id: str, request=None):
    use_log(
        actor=actor,
        action=action,
        record_type=RECORD,
        record_id=record_id or "*",
        outcome="denied",
        request=request,
        store=store,
    )
    raise Http404


def scoped_cards(*, actor, store, action: str = "view") -> QuerySet[Card]:
    if not can(actor, store, action):
        return Card.objects.none()
    return Card.objects.filter(store=store)


def with_balance(qs: QuerySet[Card]) -> QuerySet[Card]:
    """Each card with its balance and sessions left: the sums of its ledger (one query)."""
    amount = (
        CardMovement.objects.filter(card=OuterRef("pk"))
        .order_by()
        .values("card")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    sessions = (
        CardMovement.objects.filter(card=OuterRef("pk"))
        .order_by()
        .values("card")
        .annotate(s=Sum("sessions"))
        .values("s")
    )
    return qs.annotate(
        balance=Coalesce(Subquery(amount), ZERO, output_field=DecimalField()),
        sessions_left=Coalesce(Subquery(sessions), 0),
    )


def card_get(*, actor, store, number: str, action: str = "view", request=None) -> Card:
    """One card by its number, if in scope; else 404 and a denied use entry."""
    card = (
        with_balance(scoped_cards(actor=actor, store=store, action=action))
        .select_related("client", "card_type")
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if card is None:
        _denied(actor=actor, store=store, action=action, record_id=number, request=request)
    use_log(actor=actor, action=action, instance=card, request=request, store=store)
    return card


CLIENT_SECRETS = (
    "client__phone",
    "client__id_number",
    "client__address",
    "client__signature_image",
)


def card_list(*, actor, store, query: str = "") -> QuerySet[Card]:
    qs = (
        with_balance(scoped_cards(actor=actor, store=store))
        .select_related("client", "card_type")
        # The list shows the client's name and code: their encrypted fields (each decrypted
        # when loaded) stay unread.
        .defer(*CLIENT_SECRETS)
    )
    q = (query or "").strip()
    if q:
        # Through indexes (issue 11): the card's number and the client's code (both capitals
        # and digits), the client's name by its first characters (``clients_store_name``).
        # ``iexact`` and ``startswith`` were LIKE, which read every card of the store.
        # A Latin name is found as typed, in lower case, capitalised, title case or in capitals ("anna"
        # finds "Anna"): one index range each.
        by_name = Q()
        for form in dict.fromkeys((q, q.lower(), q.capitalize(), q.title(), q.upper())):
            by_name |= Q(name__gte=form, name__lt=form + "\U0010ffff")
        clients = Client.objects.filter(store=store).filter(Q(code=q.upper()) | by_name)
        qs = qs.filter(Q(number=q.upper()) | Q(client__in=clients.values("pk")))
    return qs.order_by("-issued_on", "-pk")


def client_cards(*, actor, store, client) -> list[Card] | None:
    """A client's cards for their file: under the view-spending permission, as spending is."""
    from anxin.clients.selectors import scope as client_scope

    if client_scope(actor, store, "view_spending") is None:
        return None
    return list(
        with_balance(Card.objects.filter(store=store, client=client)).select_related("card_type")
    )


def card_ledger(card: Card) -> QuerySet[CardMovement]:
    """The card's lines with who recorded them (the name reads the staff file: joined, without
    its encrypted fields) and the line each reverses: one query however many lines (issue 11)."""
    return (
        card.movements.select_related("created_by__staff_file", "reverses")
        .defer(*staff_secrets("created_by__staff_file"))
        .order_by("seq")
    )


def card_types(*, store, active_only: bool = False) -> QuerySet[CardType]:
    qs = CardType.objects.filter(store=store).prefetch_related("items")
    return qs.filter(active=True) if active_only else qs


def describe(card: Card, today: dt.date | None = None) -> str:
    """What the cashier hears for a card: its type and what is left (amounts as amounts)."""
    today = today or timezone.localdate()
    kind = card.card_type.kind
    parts = [card.number, card.card_type.name]
    if kind == CardKind.STORED_VALUE:
        parts.append(_("balance %(amount)s yuan") % {"amount": card.balance.quantize(CENT)})
    elif kind == CardKind.SESSIONS:
        parts.append(_("%(n)s sessions left") % {"n": card.sessions_left})
    elif kind == CardKind.TERM:
        parts.append(_("unlimited until %(date)s") % {"date": card.expires_on.isoformat()})
    else:
        parts.append(
            _("%(pct)s%% off the items") % {"pct": card.card_type.discount_percent.normalize()}
        )
    parts.append(_("expires %(date)s") % {"date": card.expires_on.isoformat()})
    return "，".join(str(p) for p in parts)


def _usable(store, client, today):
    return Card.objects.filter(
        store=store,
        client_id=client,
        state=CardState.ACTIVE,
        issued_on__lte=today,
        expires_on__gte=today,
    ).order_by("expires_on", "pk")


_USABLE = Prepared(_usable)

_PREFERENCE = {CardKind.SESSIONS: 0, CardKind.TERM: 1, CardKind.STORED_VALUE: 2}


def cards_for_checkout(user, client, store, *, balances=True) -> list[tuple[Card, str, bool]]:
    """The client's usable cards in this store for the till: (card, description, suggested).

    One card is suggested (the cashier confirms): a session card with sessions left, else a term
    card in its dates, else the stored-value card with value left that expires first — what the
    client would lose first. A discount card is listed (its discount applies) but never suggested
    as the way to pay.

    ``balances=False``: the same cards without their ledgers' sums, described by their number
    only and none suggested (a checkout POST checks which card pays; the charge reads its
    balance under the card's lock)."""
    if not can(user, store, "change"):
        return []
    today = timezone.localdate()
    if not balances:
        found = _USABLE(store=store.pk, client=client.pk, today=today)
        return [(c, c.number, False) for c in found]
    usable = _usable(store, client.pk, today)
    cards = list(with_balance(usable).select_related("card_type"))

    def payable(card):
        kind = card.card_type.kind
        if kind == CardKind.STORED_VALUE:
            return card.balance > 0
        if kind == CardKind.SESSIONS:
            return card.sessions_left > 0
        return kind == CardKind.TERM

    candidates = [c for c in cards if payable(c)]
    best = min(
        candidates,
        key=lambda c: (_PREFERENCE[c.card_type.kind], c.expires_on, c.pk),
        default=None,
    )
    return [(c, describe(c, today), best is not None and c.pk == best.pk) for c in cards]


# -- the monthly card-liability report ------------------------------------------------------

FLOW_COLUMNS = [
    # (key, movement kinds, sign as shown: +1 adds to the liability, -1 is taken off)
    ("top_ups", [MovementKind.TOP_UP], 1),
    ("bonus", [MovementKind.BONUS], 1),
    ("consumption", [MovementKind.CONSUMPTION], -1),
    ("refunds", [MovementKind.REFUND], -1),
    ("expiry", [MovementKind.EXPIRY], -1),
    ("transfers", [MovementKind.TRANSFER_IN, MovementKind.TRANSFER_OUT], 1),
    ("reversals", [MovementKind.REVERSAL], 1),
]


@dataclass
class LiabilityMonth:
    month: dt.date
    opening: Decimal
    flows: dict[str, Decimal] = field(default_factory=dict)
    closing: Decimal = ZERO  # opening + the flows
    ledger_closing: Decimal = ZERO  # the cards' running balances at the month's end
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO

    @property
    def reconciled(self) -> bool:
        return self.closing == self.ledger_closing

    @property
    def difference(self) -> Decimal:
        return self.ledger_closing - self.closing


def _month_start(year: int, month: int) -> dt.datetime:
    return dt.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def ledger_closings(
    *, store, start: dt.datetime, end: dt.datetime, totals: dict | None = None
) -> dict[dt.date, Decimal]:
    """The liability at each month's end as the cards' running balances say it (independent of
    the monthly sums): the kept month-end totals of ended months (``month_ends``), the
    current month from its own ledger rows."""
    from .month_ends import ledger_closings as closings

    return closings(store=store, start=start, end=end, totals=totals)


def month_starts(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The local month starts from ``start`` (a month's start) up to ``end`` (excluded)."""
    out, day = [], start.date()
    while (at := _month_start(day.year, day.month)) < end:
        out.append(at)
        day = _next_month(day)
    return out


def month_index(start: dt.datetime, end: dt.datetime) -> Case:
    """The row's month as an index into ``month_starts``: plain comparisons of the timestamp
    with the months' bounds, which every engine answers without a per-row time-zone function."""
    bounds = [*month_starts(start, end)[1:], end]
    return Case(
        *[When(at__lt=bound, then=Value(n)) for n, bound in enumerate(bounds)],
        output_field=IntegerField(),
    )


def liability_report(
    *, actor, store, year: int, months: int = 12, request=None, now=None
) -> list[LiabilityMonth]:
    """Each month of ``year`` (up to this month): opening + top-ups + bonus − consumption −
    refunds − expiry ± transfers ± reversals = closing, checked against the ledger's running
    balances. Two aggregate queries for the flows, one per month for the reconciliation."""
    from anxin.accounts.permissions import VIEW_CARD_LIABILITY

    if VIEW_CARD_LIABILITY not in actor.permissions_in(store):
        _denied(actor=actor, store=store, action="view_liability", record_id="*", request=request)
    return liability_lines(store=store, year=year, months=months, now=now)


def liability_lines(
    *, store, year: int, months: int = 12, now=None, reconcile: bool = True
) -> list[LiabilityMonth]:
    """The report's months, for the report page and the monthly check (no person involved).
    ``reconcile=False`` (benchmarks only) leaves out the check against the running balances."""
    now = now or timezone.now()
    start = _month_start(year, 1)
    last_month = min(12, months)
    if year == timezone.localdate(now).year:
        last_month = min(last_month, timezone.localdate(now).month)
    elif year > timezone.localdate(now).year:
        return []
    end_day = _next_month(dt.date(year, last_month, 1))
    end = _month_start(end_day.year, end_day.month)
    opening = CardMovement.objects.filter(store=store, at__lt=start).aggregate(t=Sum("amount"))[
        "t"
    ] or Decimal("0")
    flows = (
        CardMovement.objects.filter(store=store, at__gte=start, at__lt=end)
        .annotate(m=month_index(start, end))
        .order_by()
        .values("m", "kind")
        .annotate(total=Sum("amount"), cash=Sum("cash"))
    )
    months = month_starts(start, end)
    by_month: dict[dt.date, dict[str, tuple[Decimal, Decimal]]] = {}
    for row in flows:
        month = months[row["m"]].date()
        by_month.setdefault(month, {})[row["kind"]] = (row["total"] or ZERO, row["cash"] or ZERO)
    ledger = {}
    if reconcile:
        from .month_ends import kept_totals

        # The ended months not kept yet are written first (once); one query when none is missing.
        totals = kept_totals(store=store, now=now)
        ledger = ledger_closings(store=store, start=start, end=end, totals=totals)
    out = []
    current = opening.quantize(CENT)
    for m in range(1, last_month + 1):
        month = dt.date(year, m, 1)
        kinds = by_month.get(month, {})
        line = LiabilityMonth(month=month, opening=current)
        for key, names, sign in FLOW_COLUMNS:
            total = sum((kinds.get(k, (ZERO, ZERO))[0] for k in names), ZERO)
            line.flows[key] = (total * sign).quantize(CENT) + ZERO  # no "-0.00"
        line.closing = (current + sum((v[0] for v in kinds.values()), ZERO)).quantize(CENT)
        line.cash_in = sum((v[1] for v in kinds.values() if v[1] > 0), ZERO).quantize(CENT)
        line.cash_out = (-sum((v[1] for v in kinds.values() if v[1] < 0), ZERO)).quantize(CENT)
        line.ledger_closing = ledger.get(month, ZERO)
        out.append(line)
        current = line.closing
    return out


def client_file_section(*, actor, store, client):
    """The cards part of a client's file: the cards with their balances to whoever may see the
    client's spending; links to the card pages to whoever works with cards."""
    cards = client_cards(actor=actor, store=store, client=client)
    can_list, can_issue = can(actor, store, "view"), can(actor, store, "create")
    if cards is None and not (can_list or can_issue):
        return None
    context = {"cards": cards, "client": client, "can_list": can_list, "can_issue": can_issue}
    return "cards/_client_cards.html", context
