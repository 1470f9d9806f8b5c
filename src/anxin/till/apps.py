from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TillConfig(AppConfig):
    name = "anxin.till"
    label = "till"
    verbose_name = _("Checkout")

    def ready(self):
        from anxin.core import home

        from .services import refunds

        refunds.register_all()
        from anxin.cards import references

        references.register("bill", _describe_bills)
        home.register_link(
            "till:checkout",
            _("Checkout"),
            order=12,
            visible=lambda perms, request: home.has_grant(perms, "till.bill.create"),
        )
        home.register_link(
            "till:bills",
            _("Bills"),
            order=13,
            visible=lambda perms, request: home.has_grant(perms, "till.bill.view"),
        )
        home.register_link(
            "till:days",
            _("Daily totals and closes"),
            order=14,
            visible=lambda perms, request: home.has_grant(perms, "till.close.view"),
        )
        home.register_link(
            "till:products",
            _("Products and stock"),
            order=15,
            visible=lambda perms, request: home.has_grant(perms, "till.product.view"),
        )


def _describe_bills(ids) -> dict:
    """A card's ledger names the bill a payment was for by its number, linked to it."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from .models import Bill

    text = gettext("Bill %(number)s")
    return {
        bill.pk: (text % {"number": bill.number}, reverse("till:bill", args=[bill.pk]))
        for bill in Bill.objects.filter(pk__in=ids).only("pk", "business_day")
    }
