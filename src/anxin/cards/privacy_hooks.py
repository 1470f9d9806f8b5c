"""A client's membership cards and their ledgers in the client's copy; anonymisation; a hold
while the store still owes the client value on a card (POS-2, PRV-6)."""

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.privacy import registry

from .models import Card, CardMonthEnd, CardMovement, CardTransfer


def export(client) -> list[registry.Table]:
    cards = Card.objects.filter(client=client).select_related("card_type").order_by("pk")
    movements = (
        CardMovement.objects.filter(card__client=client)
        .select_related("card")
        .order_by("card", "seq")
    )
    table = registry.table(
        "card_movements",
        gettext_lazy("Card movements"),
        CardMovement,
        movements,
        [
            "card",
            "at",
            "kind",
            "amount",
            "sessions",
            "balance_after",
            "sessions_after",
            "reference",
        ],
    )
    return [
        registry.table(
            "cards",
            gettext_lazy("Membership cards"),
            Card,
            cards,
            ["number", "card_type", "issued_on", "expires_on", "state"],
        ),
        table,
    ]


def anonymise(clients) -> int:
    """The ledger is a financial record and stays (amounts, dates); free text that may name
    someone goes."""
    ids = registry.ids(clients)
    return (
        CardMovement.objects.filter(card__client_id__in=ids)
        .exclude(reason="")
        .update(reason=registry.ERASED_TEXT)
    )


def hold(clients) -> dict[int, list[str]]:
    """A card with value left is money the store owes the client: refund it first."""
    ids = registry.ids(clients)
    owed = (
        CardMovement.objects.filter(card__client_id__in=ids, card__state="active")
        .values("card__client_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
    )
    return {
        row["card__client_id"]: [
            _("a membership card still holds %(amount)s yuan (refund it first)")
            % {"amount": row["total"]}
        ]
        for row in owed
    }


registry.register(
    "cards",
    label=gettext_lazy("Membership cards"),
    models=[Card, CardMovement, CardTransfer, CardMonthEnd],
    export=export,
    anonymise=anonymise,
    keeps=gettext_lazy("the cards' numbers, types, dates and ledger amounts (financial records)"),
)
registry.register_hold("cards.balance", hold)
