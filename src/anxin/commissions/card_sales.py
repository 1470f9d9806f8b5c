"""The card-sale commissions (售卡提成): earned by the seller on the money paid into a card, and
taken back in the share that goes back out of it — a refund of the unused balance, a transfer
of the balance to another client's card, a reversed top-up. Each is written in the card
movement's own transaction (``anxin.cards.services`` calls these): if the commission fails, so
does the movement, and the other way round. A take-back in a month closed for payroll lands in
the next open month, marked as an adjustment of an earlier month.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import operation_log

from .models import Basis, Commission
from .rules import ZERO, RuleBook, cents, commission_on
from .services import RECORD, _levels, open_month

ONE = Decimal("1")


def for_card_sale(*, store, seller, movement) -> Commission | None:
    """The seller's commission on a card sold or topped up (the money paid in, ``cash``)."""
    if seller is None or movement.cash <= 0:
        return None
    from anxin.delivery.services import practitioners_of

    if not practitioners_of(store).filter(pk=seller.pk).exists():
        raise ValidationError({"seller": _("Choose a practitioner working in this store.")})
    paid_at = timezone.localtime(movement.at)
    day = paid_at.date()
    rule = RuleBook.of(store).find(
        basis=Basis.CARD_SALE, day=day, level=_levels([seller.pk]).get(seller.pk, "")
    )
    if rule is None:
        return None
    amount = commission_on(rule, movement.cash)
    if not amount:
        return None
    return Commission.objects.create(
        store=store,
        practitioner=seller,
        month=open_month(store, day),
        at=movement.at,
        basis=Basis.CARD_SALE,
        description=str(movement.card.card_type.name)[:80],
        base=movement.cash,
        rule=rule,
        amount=amount,
        card_movement_id=movement.pk,
    )


def _earned(store, card_id) -> tuple[dict[int, list[Commission]], set[int]]:
    """Each seller's card-sale commission rows on the card (earned and taken back), oldest
    first; and the card's movements that were reversed."""
    from anxin.cards.models import CardMovement

    ledger = CardMovement.objects.filter(card_id=card_id)
    sellers: dict[int, list[Commission]] = {}
    for row in Commission.objects.filter(
        store=store, card_movement_id__in=ledger.values("pk"), basis=Basis.CARD_SALE
    ).order_by("at", "pk"):
        sellers.setdefault(row.practitioner_id, []).append(row)
    reversed_ids = set(ledger.filter(kind="reversal").values_list("reverses_id", flat=True))
    return sellers, reversed_ids


def _returned_share(card_id) -> Decimal:
    """The share of the card's money that has gone back out of it so far: the cash refunded over
    the cash paid in, plus the value transferred away over the value credited (a pro-rata
    refund of the same value would pay back the same share). Reversed top-ups count neither."""
    from anxin.cards.models import CardMovement

    top_up = Q(kind="top_up") | Q(kind="reversal", reverses__kind="top_up")
    credit = top_up | Q(kind__in=["bonus", "transfer_in"])
    credit |= Q(kind="reversal", reverses__kind__in=["bonus", "transfer_in"])
    sums = CardMovement.objects.filter(card_id=card_id).aggregate(
        paid_in=Sum("cash", filter=top_up),
        credited=Sum("amount", filter=credit),
        refunded=Sum("cash", filter=Q(kind="refund")),
        moved=Sum("amount", filter=Q(kind="transfer_out")),
    )
    share = ZERO
    if (sums["paid_in"] or ZERO) > 0:
        share += -(sums["refunded"] or ZERO) / sums["paid_in"]
    if (sums["credited"] or ZERO) > 0:
        share += -(sums["moved"] or ZERO) / sums["credited"]
    return min(share, ONE)


def _take_back(*, store, movement, actor, backs: dict[int, tuple[Decimal, list]]) -> list:
    """Write each seller's negative row (``backs``: seller → (amount, their rows)) for
    ``movement``, in its month or the next open one, and log them."""
    month = open_month(store, timezone.localtime(movement.at).date())
    rows = []
    for who, (back, own) in backs.items():
        if back <= 0:
            continue
        last = [c for c in own if c.amount > 0][-1]
        rows.append(
            Commission(
                store=store,
                practitioner_id=who,
                month=month,
                at=movement.at,
                basis=Basis.CARD_SALE,
                description=last.description,
                base=movement.cash or movement.amount,
                rule_id=last.rule_id,
                amount=-back,
                card_movement_id=movement.pk,
                adjustment=any(c.month != month for c in own if c.amount > 0),
            )
        )
    created = Commission.objects.bulk_create(rows)
    if created:
        operation_log(
            actor=actor,
            action="refund",
            record_type=RECORD,
            record_id=str(movement.pk),
            changes={
                "card": str(movement.card),
                f"card_{movement.kind}": movement.seq,
                "commissions": [f"{c.practitioner_id}:{c.amount}" for c in created],
                "month": f"{month:%Y-%m}",
            },
            store=store,
        )
    return created


def _backs(sellers, reversed_ids, share, *, only=None) -> dict[int, tuple[Decimal, list]]:
    """What each seller gives back now: what they hold on the card (every row summed) less what
    they should hold — the commissions on movements not reversed, less the share of them that
    has gone back out of the card. ``only``: just the sellers of this (reversed) movement."""
    backs = {}
    for who, own in sellers.items():
        if only is not None and not any(c.card_movement_id == only and c.amount > 0 for c in own):
            continue
        held = sum((c.amount for c in own), ZERO)
        kept = sum(
            (c.amount for c in own if c.amount > 0 and c.card_movement_id not in reversed_ids),
            ZERO,
        )
        backs[who] = (held - (kept - min(cents(kept * share), kept)), own)
    return backs


def for_card_return(*, store, movement, actor=None) -> list[Commission]:
    """The sellers' card-sale commissions taken back when value leaves the card unused:
    ``movement`` is a refund (``cash``: the money paid out, negative) or a transfer to another
    client's card. The share is counted over every refund and transfer of the card so far, so
    several part returns take back no more, and no less, than one return of the same value."""
    if movement.kind == "refund" and movement.cash >= 0:
        return []
    if movement.kind == "transfer_out" and movement.amount >= 0:
        return []
    sellers, reversed_ids = _earned(store, movement.card_id)
    if not sellers:
        return []
    share = _returned_share(movement.card_id)
    backs = _backs(sellers, reversed_ids, share)
    return _take_back(store=store, movement=movement, actor=actor, backs=backs)


def for_card_reversal(*, store, movement, actor=None) -> list[Commission]:
    """A reversed top-up (or card sale) takes back the commission it earned: its seller keeps
    only their commissions on the card's other money, less the share of it refunded or
    transferred away."""
    if movement.reverses_id is None or movement.cash >= 0:
        return []
    sellers, reversed_ids = _earned(store, movement.card_id)
    if not sellers:
        return []
    share = _returned_share(movement.card_id)
    backs = _backs(sellers, reversed_ids, share, only=movement.reverses_id)
    return _take_back(store=store, movement=movement, actor=actor, backs=backs)
