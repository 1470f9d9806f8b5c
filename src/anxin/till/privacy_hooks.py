"""A client's bills in the client's copy (POS-1, PRV-6).

Bills are financial records and append-only (database triggers): anonymising a client
keeps them, with their amounts and dates; the client row itself loses the name (clients'
anonymiser), so a bill no longer names anyone.
"""

from django.utils.translation import gettext_lazy

from anxin.privacy import registry

from .models import Bill, BillLine

LINE_FIELDS = [
    "bill",
    "kind",
    "description",
    "item",
    "product",
    "quantity",
    "unit_price",
    "discount",
]


def export(client) -> list[registry.Table]:
    bills = Bill.objects.filter(client=client).order_by("paid_at", "pk")
    lines = BillLine.objects.filter(bill__client=client).order_by("bill", "pk")
    return [
        registry.table(
            "bills",
            gettext_lazy("Bills"),
            Bill,
            bills,
            ["kind", "business_day", "paid_at", "subtotal", "discount", "total", "refund_of"],
        ),
        registry.table("bill_lines", gettext_lazy("Bill lines"), BillLine, lines, LINE_FIELDS),
    ]


def anonymise(clients) -> int:
    """Nothing to erase here: a bill holds no free text about the client (the reason of a
    refund is about the refund) and is append-only."""
    return 0


registry.register(
    "till",
    label=gettext_lazy("Bills"),
    models=[Bill, BillLine],
    export=export,
    anonymise=anonymise,
    keeps=gettext_lazy("bills and their lines with amounts and dates (financial records)"),
)
