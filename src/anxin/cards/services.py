"""Every write of the membership cards (POS-2): each movement is one ledger row, written with
its operation-log entry in the same transaction.

The contract the till pays through: ``charge_card`` and ``reverse_charge`` (and the selector
``cards_for_checkout``). Concurrent payments from one card queue on the card: PostgreSQL locks
its row (``select_for_update``); SQLite runs every transaction IMMEDIATE (one writer at a time,
see ``config.settings.base.sqlite_config``). Under both, the ledger's ``(card, seq)`` uniqueness
and its non-negative running balance are checked by the database as a last line.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.policy import scope_for
from anxin.audit.services import operation_log
from anxin.core.codes import _next_serial
from anxin.core.money import CENT
from anxin.core.prepared import Prepared, insert

from .models import (
    MAX_AMOUNT,
    Card,
    CardKind,
    CardMovement,
    CardState,
    CardTransfer,
    CardType,
    MovementKind,
    RefundRule,
)

RECORD = "cards.card"
NUMBER_FAMILY = "HY"  # 会员卡: HY + 8 digits, unique across stores
NUMBER_WIDTH = 8
MAX_SESSIONS = 1000


# -- checks shared by the writes ---------------------------------------------------------


def require(*, actor, store, action: str) -> None:
    if scope_for(actor, store, RECORD, action) is None:
        raise PermissionDenied


def clean_amount(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A yuan amount typed or passed in: a number, at most two decimals, positive, sane."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter the amount in yuan, e.g. 128.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter the amount in yuan, e.g. 128.00.")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("An amount has at most two decimals (fen).")})
    if amount < 0:
        raise ValidationError({field: _("An amount cannot be negative.")})
    if amount == 0 and not allow_zero:
        raise ValidationError({field: _("Enter an amount greater than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError(
            {
                field: _("%(amount)s yuan is more than one card movement can be (%(max)s yuan).")
                % {"amount": amount, "max": MAX_AMOUNT}
            }
        )
    return amount.quantize(CENT)


def _yuan(value: Decimal) -> str:
    return f"{value.quantize(CENT)}"


def _number() -> str:
    serial = _next_serial(NUMBER_FAMILY, "card", 10**NUMBER_WIDTH - 1)
    if serial is None:
        raise ValidationError(_("No card number is left; ask the administrator."))
    return f"{NUMBER_FAMILY}{serial:0{NUMBER_WIDTH}d}"


def balance_of(card: Card) -> tuple[Decimal, int]:
    """(yuan, sessions) left on the card: the sums of its ledger."""
    sums = card.movements.aggregate(amount=Sum("amount"), sessions=Sum("sessions"))
    return (sums["amount"] or Decimal("0")).quantize(CENT), int(sums["sessions"] or 0)


_LEDGER = Prepared(
    lambda card: (
        CardMovement.objects.filter(card_id=card)
        .values_list("card_id")
        .annotate(amount=Sum("amount"), sessions=Sum("sessions"), seq=Max("seq"))
        .values_list("amount", "sessions", "seq")
    )
)


def _ledger(card: Card) -> dict:
    """The sums of a locked card's ledger and its last line: what ``_append`` continues from."""
    rows = _LEDGER(card=card.pk)
    amount, sessions, seq = rows[0] if rows else (None, None, None)
    return {"amount": amount, "sessions": sessions, "seq": seq}


def _locking(*related):
    return Prepared(
        lambda pk: (
            Card.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=pk)
        )
    )


_LOCKED = {True: _locking("card_type", "client"), False: _locking("card_type")}


def _locked(card: Card, *, with_client: bool = True) -> Card:
    """The card read afresh under a lock on its row (PostgreSQL; its row only, not its type's
    nor its client's, which other cards and bills share); on SQLite the IMMEDIATE transaction
    already holds the database's write lock. ``with_client=False``: the caller has the client."""
    found = _LOCKED[with_client](pk=card.pk)
    if not found:
        raise Card.DoesNotExist
    return found[0]


def _append(
    card: Card,
    *,
    kind: str,
    amount: Decimal = Decimal("0.00"),
    sessions: int = 0,
    cash: Decimal = Decimal("0.00"),
    user=None,
    reference: str = "",
    reason: str = "",
    reverses: CardMovement | None = None,
    transfer: CardTransfer | None = None,
    at: dt.datetime | None = None,
    sums: dict | None = None,
) -> CardMovement:
    """Add one row to a locked card's ledger: the balance after it is the ledger's sum plus
    this change, and must not go below zero. ``sums``: ``_ledger(card)`` read already under
    the same lock."""
    sums = _ledger(card) if sums is None else sums
    balance = (sums["amount"] or Decimal("0")) + amount
    left = int(sums["sessions"] or 0) + sessions
    if balance < 0 or left < 0:
        raise ValidationError(_("The card's balance cannot go below zero."))
    movement = CardMovement(
        card=card,
        store_id=card.store_id,
        seq=(sums["seq"] or 0) + 1,
        kind=kind,
        at=at or timezone.now(),
        amount=amount,
        sessions=sessions,
        cash=cash,
        balance_after=balance.quantize(CENT),
        sessions_after=left,
        reference=reference[:60],
        reason=reason[:200],
        reverses=reverses,
        transfer=transfer,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    insert([movement])
    return movement


def _log(movement: CardMovement, *, actor, request=None, reason: str = "") -> None:
    operation_log(
        actor=actor,
        action=f"cards.{movement.kind}",
        instance=movement.card,
        changes={
            "line": movement.seq,
            "amount": _yuan(movement.amount),
            "sessions": movement.sessions,
            "cash": _yuan(movement.cash),
            "balance_after": _yuan(movement.balance_after),
            "sessions_after": movement.sessions_after,
            "reference": movement.reference,
        },
        reason=reason or movement.reason,
        request=request,
        store=movement.store_id,
    )


def _usable(card: Card, *, client, store, today: dt.date) -> None:
    if card.store_id != store.pk:
        raise ValidationError(_("Card %(number)s belongs to another store.") % {"number": card})
    if card.client_id != client.pk:
        raise ValidationError(
            _("Card %(number)s belongs to another client, not to %(name)s.")
            % {"number": card, "name": client.name}
        )
    if card.state != CardState.ACTIVE:
        raise ValidationError(_("Card %(number)s is closed.") % {"number": card})
    if today > card.expires_on:
        raise ValidationError(
            _("Card %(number)s expired on %(date)s.")
            % {"number": card, "date": card.expires_on.isoformat()}
        )


# -- card types --------------------------------------------------------------------------


def clean_bonus_rules(rules) -> list[dict]:
    """[{"pay": "1000.00", "bonus": "200.00"}, ...]: positive amounts, thresholds distinct."""
    out, seen = [], set()
    for rule in rules or []:
        pay = clean_amount(rule.get("pay"), field="bonus_rules")
        bonus = clean_amount(rule.get("bonus"), field="bonus_rules")
        if bonus > pay * 2:
            raise ValidationError(
                {
                    "bonus_rules": _(
                        "A bonus of %(bonus)s yuan on %(pay)s yuan paid is more than double: "
                        "check the rule."
                    )
                    % {"bonus": bonus, "pay": pay}
                }
            )
        if pay in seen:
            raise ValidationError(
                {"bonus_rules": _("Two rules start at %(pay)s yuan.") % {"pay": pay}}
            )
        seen.add(pay)
        out.append({"pay": _yuan(pay), "bonus": _yuan(bonus)})
    return sorted(out, key=lambda r: Decimal(r["pay"]))


def _check_type(card_type: CardType) -> None:
    kind = card_type.kind
    if kind == CardKind.SESSIONS and not (card_type.sessions and card_type.sessions > 0):
        raise ValidationError({"sessions": _("A session card needs a number of sessions.")})
    if card_type.sessions and card_type.sessions > MAX_SESSIONS:
        raise ValidationError(
            {"sessions": _("At most %(n)s sessions on one card.") % {"n": MAX_SESSIONS}}
        )
    if kind == CardKind.DISCOUNT:
        pct = card_type.discount_percent
        if pct is None or not Decimal("0") < pct < Decimal("100"):
            raise ValidationError(
                {"discount_percent": _("A discount card takes off between 0 and 100 percent.")}
            )
    if kind in (CardKind.SESSIONS, CardKind.TERM) and card_type.price <= 0:
        raise ValidationError({"price": _("A session or term card needs its price.")})
    if card_type.price > MAX_AMOUNT:
        raise ValidationError({"price": _("That price is too high for a card.")})
    if not 1 <= card_type.valid_days <= 3660:
        raise ValidationError({"valid_days": _("A card is valid from 1 day to 10 years.")})


def card_type_save(
    *, actor, store, card_type: CardType | None = None, items=(), request=None, **data
) -> CardType:
    """Create a card type, or change one (``card_type``); its cards keep their ledgers."""
    from anxin.accounts.permissions import MANAGE_CARD_TYPES

    if MANAGE_CARD_TYPES not in actor.permissions_in(store):
        raise PermissionDenied
    data["bonus_rules"] = clean_bonus_rules(data.get("bonus_rules") or [])
    creating = card_type is None
    if creating:
        card_type = CardType(store=store, created_by=actor)
    elif card_type.store_id != store.pk:
        raise PermissionDenied
    for name, value in data.items():
        setattr(card_type, name, value)
    card_type.updated_by = actor
    _check_type(card_type)
    card_type.full_clean(exclude=["items", "store", "created_by", "updated_by"])
    items = list(items)
    if any(i.store_id != store.pk for i in items):
        raise ValidationError({"items": _("Choose items of this store.")})
    with transaction.atomic():
        card_type.save()
        card_type.items.set(items)
        operation_log(
            actor=actor,
            action="cards.type_create" if creating else "cards.type_change",
            instance=card_type,
            changes={
                "name": card_type.name,
                "kind": card_type.kind,
                "price": _yuan(card_type.price),
                "bonus_rules": card_type.bonus_rules,
                "sessions": card_type.sessions,
                "discount_percent": str(card_type.discount_percent or ""),
                "refund_rule": card_type.refund_rule,
                "items": [i.code for i in items],
            },
            request=request,
            store=store,
        )
    return card_type


# -- issuing and topping up --------------------------------------------------------------


def _card_sale_commission(card: Card, movement: CardMovement, seller) -> None:
    """The seller's commission on the money paid in (anxin.commissions, when installed), in
    this same transaction."""
    if seller is None:
        return
    from django.apps import apps

    if apps.is_installed("anxin.commissions"):
        from anxin.commissions.card_sales import for_card_sale

        for_card_sale(store=card.store, seller=seller, movement=movement)


def _card_return_commissions(card: Card, movement: CardMovement, actor) -> None:
    """The sellers' card-sale commissions taken back in the share that leaves the card unused
    (a refund, a transfer out) or in full for a reversed top-up (anxin.commissions, when
    installed), in this same transaction."""
    from django.apps import apps

    if not apps.is_installed("anxin.commissions"):
        return
    from anxin.commissions import card_sales

    if movement.kind == MovementKind.REVERSAL:
        card_sales.for_card_reversal(store=card.store, movement=movement, actor=actor)
    else:
        card_sales.for_card_return(store=card.store, movement=movement, actor=actor)


def card_issue(
    *,
    actor,
    store,
    client,
    card_type: CardType,
    paid=None,
    seller=None,
    request=None,
    today=None,
) -> Card:
    """Sell a card to a client: a stored-value card with its first top-up (and bonus), a session
    or term card at its price, a discount card at its price (money received, nothing owed)."""
    require(actor=actor, store=store, action="create")
    if client.store_id != store.pk:
        raise ValidationError(_("This client is registered in another store."))
    if card_type.store_id != store.pk or not card_type.active:
        raise ValidationError({"card_type": _("This card type is not on sale in this store.")})
    today = today or timezone.localdate()
    if card_type.kind == CardKind.STORED_VALUE:
        paid = clean_amount(paid, field="paid")
    with transaction.atomic():
        card = Card.objects.create(
            number=_number(),
            store=store,
            client=client,
            card_type=card_type,
            issued_on=today,
            expires_on=today + dt.timedelta(days=card_type.valid_days),
            created_by=actor,
        )
        operation_log(
            actor=actor,
            action="cards.issue",
            instance=card,
            changes={"client": client.code, "card_type": card_type.name},
            request=request,
            store=store,
        )
        card = _locked(card)
        if card_type.kind == CardKind.STORED_VALUE:
            _top_up(card, paid=paid, actor=actor, request=request, reference="issue", seller=seller)
        elif card_type.kind == CardKind.DISCOUNT:
            moved = _append(card, kind=MovementKind.TOP_UP, cash=card_type.price, user=actor)
            _log(moved, actor=actor, request=request)
            _card_sale_commission(card, moved, seller)
        else:
            moved = _append(
                card,
                kind=MovementKind.TOP_UP,
                amount=card_type.price,
                cash=card_type.price,
                sessions=(card_type.sessions or 0) if card_type.kind == CardKind.SESSIONS else 0,
                user=actor,
            )
            _log(moved, actor=actor, request=request)
            _card_sale_commission(card, moved, seller)
    return card


def _top_up(card: Card, *, paid: Decimal, actor, request=None, reference: str = "", seller=None):
    moved = _append(
        card, kind=MovementKind.TOP_UP, amount=paid, cash=paid, user=actor, reference=reference
    )
    _log(moved, actor=actor, request=request)
    _card_sale_commission(card, moved, seller)
    bonus = card.card_type.bonus_for(paid)
    if bonus:
        extra = _append(
            card, kind=MovementKind.BONUS, amount=bonus, user=actor, reference=reference
        )
        _log(extra, actor=actor, request=request)
        return moved, extra
    return moved, None


def card_top_up(*, actor, store, card: Card, paid, seller=None, request=None, today=None):
    """Add money to a stored-value card; the type's best bonus rule adds its bonus row."""
    require(actor=actor, store=store, action="change")
    paid = clean_amount(paid, field="paid")
    today = today or timezone.localdate()
    with transaction.atomic():
        card = _locked(card)
        if card.store_id != store.pk:
            raise ValidationError(_("Card %(number)s belongs to another store.") % {"number": card})
        if card.card_type.kind != CardKind.STORED_VALUE:
            raise ValidationError(_("Only a stored-value card can be topped up."))
        if card.state != CardState.ACTIVE or today > card.expires_on:
            raise ValidationError(
                _("Card %(number)s has expired or is closed: it cannot be topped up.")
                % {"number": card}
            )
        return _top_up(card, paid=paid, actor=actor, request=request, seller=seller)


# -- paying at the till (the contract) ------------------------------------------------------


def charge_card(
    *,
    card: Card,
    client,
    store,
    amount: Decimal,
    user,
    reference: str,
    item_ids: list[int] | None = None,
    request=None,
    at: dt.datetime | None = None,
    savepoint: bool = True,
) -> CardMovement:
    """Pay ``amount`` yuan of a bill with ``card``: one consumption row, or a ValidationError
    saying why not. A session card spends one session per item in ``item_ids`` (its deferred
    value goes down by the same share); a term card records the use within its dates; a
    discount card does not pay (its discount is applied to the bill). ``at``: when the bill
    was paid, if not now (the demo's past days). ``savepoint=False``: the caller's transaction
    fails whole when the charge is refused (the till's bill; no savepoint to write)."""
    require(actor=user, store=store, action="change")
    amount = clean_amount(amount)
    today = timezone.localdate(at) if at else timezone.localdate()
    with transaction.atomic(savepoint=savepoint):
        card = _locked(card, with_client=False)  # the bill's client: the card must be theirs
        _usable(card, client=client, store=store, today=today)
        card_type = card.card_type
        kind = card_type.kind
        items = list(item_ids or [])
        if kind in (CardKind.SESSIONS, CardKind.TERM):
            covered = set(card_type.items.values_list("pk", flat=True))
            if covered and ([i for i in items if i not in covered] or not items):
                raise ValidationError(
                    _("Card %(number)s (%(type)s) does not cover this service item.")
                    % {"number": card, "type": card_type.name}
                )
        if kind == CardKind.DISCOUNT:
            raise ValidationError(
                _("A discount card does not pay: its discount is applied to the bill.")
            )
        sums = _ledger(card)  # read once: the check below and the new line continue from it
        balance = (sums["amount"] or Decimal("0")).quantize(CENT)
        left = int(sums["sessions"] or 0)
        if kind == CardKind.STORED_VALUE:
            if amount > balance:
                raise ValidationError(
                    _(
                        "Not enough on card %(number)s: it holds %(balance)s yuan, the payment "
                        "needs %(amount)s yuan."
                    )
                    % {"number": card, "balance": _yuan(balance), "amount": _yuan(amount)}
                )
            moved = _append(
                card,
                kind=MovementKind.CONSUMPTION,
                amount=-amount,
                user=user,
                reference=reference,
                at=at,
                sums=sums,
            )
        elif kind == CardKind.SESSIONS:
            used = max(len(items), 1)
            if used > left:
                raise ValidationError(
                    _("Card %(number)s has %(left)s sessions left; this bill needs %(used)s.")
                    % {"number": card, "left": left, "used": used}
                )
            value = (balance * used / left).quantize(CENT, rounding=ROUND_HALF_UP)
            moved = _append(
                card,
                kind=MovementKind.CONSUMPTION,
                amount=-min(value, balance),
                sessions=-used,
                user=user,
                reference=reference,
                at=at,
                sums=sums,
            )
        else:  # term: unlimited within its dates
            if today < card.issued_on:
                raise ValidationError(
                    _("Card %(number)s is valid from %(date)s.")
                    % {"number": card, "date": card.issued_on.isoformat()}
                )
            moved = _append(
                card,
                kind=MovementKind.CONSUMPTION,
                user=user,
                reference=reference,
                at=at,
                sums=sums,
            )
        _log(
            moved,
            actor=user,
            request=request,
            reason=_("paid %(amount)s yuan") % {"amount": amount},
        )
    return moved


def reverse_charge(*, movement: CardMovement, user, reason: str, request=None) -> CardMovement:
    """Undo a payment (or a top-up) with a new compensating row; the original stays."""
    card = movement.card
    require(actor=user, store=card.store, action="change")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    if movement.kind not in (MovementKind.CONSUMPTION, MovementKind.TOP_UP, MovementKind.BONUS):
        raise ValidationError(_("Only a payment or a top-up can be reversed."))
    with transaction.atomic():
        card = _locked(card)
        if CardMovement.objects.filter(reverses=movement).exists():
            raise ValidationError(_("This movement has been reversed already."))
        moved = _append(
            card,
            kind=MovementKind.REVERSAL,
            amount=-movement.amount,
            sessions=-movement.sessions,
            cash=-movement.cash,
            user=user,
            reference=movement.reference,
            reason=reason,
            reverses=movement,
        )
        _log(moved, actor=user, request=request, reason=reason)
        if movement.kind == MovementKind.TOP_UP:
            _card_return_commissions(card, moved, user)
    return moved


# -- transfers and refunds ------------------------------------------------------------------


def card_transfer(
    *,
    actor,
    store,
    from_card: Card,
    to_card: Card,
    amount=None,
    sessions: int | None = None,
    from_consent: bool,
    to_consent: bool,
    from_channel: str,
    to_channel: str,
    request=None,
) -> CardTransfer:
    """Move balance (or sessions) from one client's card to another client's card of the same
    type. Both clients' consent is recorded (how it was given, who witnessed it); a client who
    has not consented to the processing of their data cannot take part."""
    require(actor=actor, store=store, action="change")
    if not (from_consent and to_consent):
        raise ValidationError(
            _("A transfer needs the consent of both clients: the giver's and the receiver's.")
        )
    today = timezone.localdate()
    with transaction.atomic():
        first, second = sorted([from_card.pk, to_card.pk])
        cards = {c.pk: c for c in Card.objects.select_for_update().filter(pk__in=[first, second])}
        source, target = cards.get(from_card.pk), cards.get(to_card.pk)
        if source is None or target is None or source.pk == target.pk:
            raise ValidationError({"to_card": _("Choose another client's card to receive it.")})
        for card in (source, target):
            _usable(card, client=card.client, store=store, today=today)
        if source.client_id == target.client_id:
            raise ValidationError({"to_card": _("Both cards belong to the same client.")})
        if source.card_type_id != target.card_type_id:
            raise ValidationError(
                {"to_card": _("A balance moves only to a card of the same type.")}
            )
        for client in (source.client, target.client):
            if not client.general_consent:
                raise ValidationError(
                    _("%(name)s has no consent on file to the processing of their data.")
                    % {"name": client.name}
                )
        kind = source.card_type.kind
        balance, left = balance_of(source)
        if kind == CardKind.SESSIONS:
            try:
                sessions = int(sessions or 0)
            except (TypeError, ValueError):
                sessions = 0
            if not 1 <= sessions <= left:
                raise ValidationError(
                    {"sessions": _("Choose between 1 and %(left)s sessions.") % {"left": left}}
                )
            amount = (balance * sessions / left).quantize(CENT, rounding=ROUND_HALF_UP)
        elif kind == CardKind.STORED_VALUE:
            amount = clean_amount(amount)
            sessions = 0
            if amount > balance:
                raise ValidationError(
                    {
                        "amount": _("The card holds only %(balance)s yuan.")
                        % {"balance": _yuan(balance)}
                    }
                )
        else:
            raise ValidationError(_("Only stored-value and session cards can be transferred."))
        transfer = CardTransfer.objects.create(
            from_card=source,
            to_card=target,
            amount=amount,
            sessions=sessions,
            from_consent_channel=from_channel,
            to_consent_channel=to_channel,
            witness=actor,
            at=timezone.now(),
        )
        out = _append(
            source,
            kind=MovementKind.TRANSFER_OUT,
            amount=-amount,
            sessions=-sessions,
            user=actor,
            transfer=transfer,
            reference=target.number,
        )
        into = _append(
            target,
            kind=MovementKind.TRANSFER_IN,
            amount=amount,
            sessions=sessions,
            user=actor,
            transfer=transfer,
            reference=source.number,
        )
        _log(out, actor=actor, request=request)
        _log(into, actor=actor, request=request)
        _card_return_commissions(source, out, actor)
    return transfer


def refund_quote(card: Card, amount: Decimal) -> Decimal:
    """The cash paid back for taking ``amount`` yuan off the card, by the type's rule: pro rata
    pays the share the client paid (money in ÷ value credited), so a bonus is not paid out."""
    rule = card.card_type.refund_rule
    if rule == RefundRule.NONE:
        return Decimal("0.00")
    if rule == RefundRule.FULL:
        return amount
    sums = card.movements.filter(
        kind__in=[MovementKind.TOP_UP, MovementKind.BONUS, MovementKind.TRANSFER_IN]
    ).aggregate(cash=Sum("cash"), credited=Sum("amount"))
    credited = sums["credited"] or Decimal("0")
    if credited <= 0:
        return Decimal("0.00")
    share = min((sums["cash"] or Decimal("0")) / credited, Decimal("1"))
    return (amount * share).quantize(CENT, rounding=ROUND_HALF_UP)


def card_refund(*, actor, store, card: Card, amount=None, reason: str, request=None):
    """Pay back (part of) the unused balance; the whole remaining value of a session or term
    card. A refund larger than the balance, or on a type without refunds, is refused."""
    require(actor=actor, store=store, action="change")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the refund.")})
    with transaction.atomic():
        card = _locked(card)
        if card.store_id != store.pk:
            raise ValidationError(_("Card %(number)s belongs to another store.") % {"number": card})
        if card.state != CardState.ACTIVE:
            raise ValidationError(_("Card %(number)s is closed.") % {"number": card})
        if card.card_type.refund_rule == RefundRule.NONE:
            raise ValidationError(_("This card type has no refunds."))
        balance, left = balance_of(card)
        if card.card_type.kind == CardKind.STORED_VALUE:
            amount = clean_amount(amount)
            if amount > balance:
                raise ValidationError(
                    {
                        "amount": _(
                            "A refund of %(amount)s yuan is more than the card's balance of "
                            "%(balance)s yuan."
                        )
                        % {"amount": _yuan(amount), "balance": _yuan(balance)}
                    }
                )
            sessions = 0
        else:
            amount, sessions = balance, left
            if amount <= 0 and sessions <= 0:
                raise ValidationError(_("Nothing is left on this card to refund."))
        cash = refund_quote(card, amount)
        moved = _append(
            card,
            kind=MovementKind.REFUND,
            amount=-amount,
            sessions=-sessions,
            cash=-cash,
            user=actor,
            reason=reason,
        )
        _log(moved, actor=actor, request=request, reason=reason)
        _card_return_commissions(card, moved, actor)
        if card.card_type.kind != CardKind.STORED_VALUE or moved.balance_after == 0:
            card.state = CardState.CLOSED
            card.updated_by = actor
            card.save(update_fields=["state", "updated_by", "updated_at"])
    return moved


# -- expiry (the daily task) -------------------------------------------------------------


def cards_expire(*, today: dt.date | None = None) -> int:
    """Take what is left off every card past its expiry date (an expiry row each), close it."""
    today = today or timezone.localdate()
    done = 0
    due = Card.objects.filter(state=CardState.ACTIVE, expires_on__lt=today).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            card = Card.objects.select_for_update().select_related("card_type").get(pk=pk)
            if card.state != CardState.ACTIVE:
                continue
            balance, left = balance_of(card)
            if balance or left:
                moved = _append(card, kind=MovementKind.EXPIRY, amount=-balance, sessions=-left)
                _log(moved, actor=None, reason=_("expired"))
            card.state = CardState.CLOSED
            card.save(update_fields=["state", "updated_at"])
            done += 1
    return done


REMIND_DAYS = 30


def expiry_reminders(*, today: dt.date | None = None) -> int:
    """Tell the client (SMS) and the store's front desk, once, of cards that expire within
    ``REMIND_DAYS`` with value left."""
    from anxin.notifications.services import notify_holders, send_to_client

    today = today or timezone.localdate()
    soon = Card.objects.filter(
        state=CardState.ACTIVE,
        reminded_on__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=REMIND_DAYS),
    ).select_related("client", "store", "card_type")
    sent = 0
    for card in soon:
        balance, left = balance_of(card)
        if not (balance > 0 or left > 0 or card.card_type.kind == CardKind.TERM):
            continue
        with transaction.atomic():
            subject = _("Card %(number)s expires on %(date)s") % {
                "number": card.number,
                "date": card.expires_on.isoformat(),
            }
            send_to_client(client=card.client, channel="sms", subject=subject, kind="cards.expiry")
            notify_holders(
                store=card.store,
                permission=f"{RECORD}.change:store",
                subject=subject,
                url=f"/cards/{card.number}/",
                kind="cards.expiry",
            )
            card.reminded_on = today
            card.save(update_fields=["reminded_on", "updated_at"])
        sent += 1
    return sent


# -- the liability report's reconciliation -------------------------------------------------


def liability_alert(*, store, lines) -> int:
    """Raise an alert (to whoever sees the report and the store's alerts) for each month whose
    closing balance does not match the ledger's running balances; once per store and month."""
    from anxin.accounts.permissions import VIEW_ALERTS, VIEW_CARD_LIABILITY
    from anxin.notifications.models import Notification
    from anxin.notifications.services import holders, notify

    raised = 0
    for line in lines:
        if line.reconciled:
            continue
        url = f"/cards/liability/?year={line.month.year}#m{line.month:%Y%m}"
        if Notification.objects.filter(
            kind="cards.liability_mismatch", store=store, url=url
        ).exists():
            continue
        people = [
            *holders(store=store, permission=VIEW_CARD_LIABILITY),
            *holders(store=store, permission=VIEW_ALERTS),
        ]
        subject = _(
            "Card liability of %(month)s does not reconcile: the ledger differs by %(diff)s yuan"
        ) % {"month": f"{line.month:%Y-%m}", "diff": _yuan(line.difference)}
        with transaction.atomic():
            notify(
                recipients=people,
                subject=subject,
                url=url,
                kind="cards.liability_mismatch",
                store=store,
            )
            operation_log(
                actor=None,
                action="cards.liability_mismatch",
                record_type="cards.liability",
                record_id=f"{line.month:%Y-%m}",
                changes={
                    "closing": _yuan(line.closing),
                    "ledger_closing": _yuan(line.ledger_closing),
                },
                store=store,
            )
        raised += 1
    return raised
