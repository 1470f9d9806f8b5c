"""Commissions (提成, POS-3): rules as data, one commission row per paid bill line, month closes.

A rule is never edited: a change is a new version of the same rule (same basis, item or
category, level and tier) from its effective date, so a line is always commissioned by the rule
in force when it was paid. Commission rows are written in the transaction that pays the bill
(or writes the refund, or sells the card) and are append-only: a refund adds a negative row
that offsets the original. Each row lands in a payroll month; once that month is closed no row
lands in it any more (a late refund lands in the next open month, as an adjustment).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.staff.models import PractitionerLevel

MAX_FIXED = Decimal("10000.00")  # a fixed commission above this per service is a typing mistake


class Basis(models.TextChoices):
    """What a commission is paid on. 加钟 (extension) counts as requested."""

    REQUESTED = "requested", _("requested service (点钟)")
    ROTATION = "rotation", _("rotation service (轮钟)")
    CARD_SALE = "card_sale", _("card sale (售卡)")


class Mode(models.TextChoices):
    PERCENT = "percent", _("percentage of the amount paid")
    FIXED = "fixed", _("fixed amount per service or card")


class Rule(models.Model):
    """One version of a commission rule. Empty item, category or level: any."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("paid on"), max_length=12, choices=Basis.choices)
    item = models.ForeignKey(
        "catalogue.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service item"),
    )
    category = models.ForeignKey(
        "core.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("item category"),
    )
    level = models.CharField(
        _("practitioner level"), max_length=20, choices=PractitionerLevel.choices, blank=True
    )
    min_volume = models.DecimalField(
        _("from monthly volume (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_(
            "A tier: the rule applies once the practitioner's services paid this month reach "
            "this amount. 0 for the base rate."
        ),
    )
    mode = models.CharField(_("kind of rate"), max_length=10, choices=Mode.choices)
    rate = models.DecimalField(
        _("rate"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Percent (for example 15) or yuan per service or card (for example 20)."),
    )
    effective_from = models.DateField(_("in force from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["basis", "min_volume", "-effective_from", "-pk"]
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        indexes = [models.Index(fields=["store", "basis"], name="commissions_rule_store")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0)
                & (models.Q(mode="fixed") | models.Q(rate__lte=100)),
                name="commissions_rule_rate",
            ),
            models.CheckConstraint(
                condition=models.Q(min_volume__gte=0), name="commissions_rule_min_volume"
            ),
        ]

    def __str__(self):
        return f"{self.get_basis_display()} {self.rate} ({self.effective_from})"

    @property
    def key(self) -> tuple:
        """What identifies the rule across its versions."""
        return (self.basis, self.item_id, self.category_id, self.level, self.min_volume)


class MonthClose(models.Model):
    """A payroll month closed (月结): its commissions are final."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # the first day of the month
    total = models.DecimalField(_("total commissions"), max_digits=14, decimal_places=2)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("commission month close")
        verbose_name_plural = _("commission month closes")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="commissions_month_once")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class Commission(models.Model):
    """A practitioner's commission on one bill line or one card sale (negative on a refund)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="commissions",
        verbose_name=_("practitioner"),
    )
    month = models.DateField(_("payroll month"))  # the first day of the month it counts in
    at = models.DateTimeField(_("paid at"))
    basis = models.CharField(_("paid on"), max_length=12, choices=Basis.choices)
    description = models.CharField(_("description"), max_length=80)
    base = models.DecimalField(_("amount paid (yuan)"), max_digits=12, decimal_places=2)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("commission (yuan)"), max_digits=12, decimal_places=2)
    bill_line = models.OneToOneField(
        "till.BillLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission",
    )
    # The card sale's (or the card refund's) ledger movement (anxin.cards), a plain id like the
    # till keeps it: one row per seller.
    card_movement_id = models.PositiveBigIntegerField(null=True, blank=True)
    refund_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunded_by",
        verbose_name=_("refund of"),
    )
    # A refund landing in a later month than the commission it offsets (that month was closed).
    adjustment = models.BooleanField(_("adjustment of an earlier month"), default=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        indexes = [
            models.Index(fields=["store", "month", "practitioner"], name="commissions_month"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["card_movement_id", "practitioner"], name="commissions_card_movement_once"
            ),
        ]

    def __str__(self):
        return f"{self.practitioner_id} {self.month:%Y-%m} {self.amount}"
