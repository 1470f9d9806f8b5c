"""The catalogue (服务项目与促销): service items with their price history, and promotions."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.core.models import Category, CodedModel, TrackedModel

MAX_PRICE = Decimal("100000.00")  # a price above this is a typing mistake, not a service


class ServiceItem(CodedModel):
    """A service the store sells: ``XM`` + category + serial (COD-XM)."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("store")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        limit_choices_to={"kind": "item"},
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PRICE)],
    )
    duration = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    active = models.BooleanField(_("offered"), default=True)
    # A couple's or group service, or one given by several practitioners at once: the same
    # client may then be in overlapping bookings (BIZ-3). Otherwise never.
    allows_parallel_bookings = models.BooleanField(
        _("allows parallel bookings of one client"),
        default=False,
        help_text=_(
            "For couple or group services, or services given by several practitioners at "
            "once: the same client may be booked with several practitioners at the same time."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self):
        return f"{self.code} {self.name}"


class ItemPrice(models.Model):
    """One price an item had, from when (BIZ-1: price changes keep history)."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="prices", verbose_name=_("item")
    )
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2)
    valid_from = models.DateTimeField(_("valid from"))
    set_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("set by"),
    )
    approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("item price")
        verbose_name_plural = _("item prices")

    def __str__(self):
        return f"{self.item_id} {self.price} {self.valid_from:%Y-%m-%d}"


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("percentage off")
    AMOUNT = "amount", _("fixed amount off")


class Promotion(CodedModel):
    """A promotion (促销活动): ``CX`` + year + serial (COD-CX), with its eligibility rules."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="promotions", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=80)
    content = models.TextField(_("content"), blank=True, max_length=2000)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    rules = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    discount_kind = models.CharField(
        _("discount"), max_length=10, choices=DiscountKind.choices, default=DiscountKind.PERCENT
    )
    discount_value = models.DecimalField(
        _("discount value"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["-starts_on", "-code"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="catalogue_promotion_period",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


__all__ = ["DiscountKind", "ItemPrice", "Promotion", "ServiceItem", "TrackedModel"]
