"""The till (收银): bills with their lines and payments, daily closes, retail products and stock.

Money rows are append-only: a paid bill, its lines and payments, a stock movement and a daily
close are never updated nor deleted (database triggers, migration 0002). A refund is a new
bill linked to the one it refunds; a stock balance is the sum of its movements.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.clients.models import ClockType
from anxin.core.models import TrackedModel

MAX_MONEY = Decimal("1000000.00")  # more than this on one bill is a typing mistake
MAX_QUANTITY = 10_000


class BillKind(models.TextChoices):
    SALE = "sale", _("sale")
    REFUND = "refund", _("refund")


class LineKind(models.TextChoices):
    SERVICE = "service", _("service")
    PRODUCT = "product", _("product")


class Method(models.TextChoices):
    CASH = "cash", _("cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    BANK_CARD = "bank_card", _("bank card")
    VOUCHER = "voucher", _("voucher (Meituan / Dianping)")
    CARD = "card", _("membership card")


E_PAYMENT = (Method.WECHAT, Method.ALIPAY, Method.BANK_CARD)


def _money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Bill(models.Model):
    """One visit's bill (账单), paid when it is written; a refund is a bill of kind REFUND."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=BillKind.choices)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name=_("client"),
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cashier"),
    )
    business_day = models.DateField(_("business day"))
    paid_at = models.DateTimeField(_("paid at"), default=timezone.now)
    subtotal = _money(_("subtotal"))
    discount = _money(_("discount"))
    total = _money(_("total"))
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["-paid_at", "-pk"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        indexes = [
            models.Index(fields=["store", "business_day"], name="till_bill_store_day"),
            models.Index(fields=["cashier", "business_day"], name="till_bill_cashier_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total=models.F("subtotal") - models.F("discount")),
                name="till_bill_total",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="sale", refund_of__isnull=True, total__gte=0)
                    | models.Q(kind="refund", refund_of__isnull=False, total__lte=0)
                ),
                name="till_bill_kind",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """The bill number people read and say: business day and serial (20261202-17)."""
        return f"{self.business_day:%Y%m%d}-{self.pk}"


class BillPaidAt(models.DateTimeField):
    """A line's copy of its bill's ``paid_at``, filled in when the line is written (by ``save``,
    ``bulk_create`` or ``core.prepared.insert``). A bill and its lines never change, so the copy
    cannot go stale; with it a practitioner's lines of a month are found by one index
    (``till_line_practitioner_paid``) instead of every line of theirs in three years joined to
    its bill (the commission tiers' monthly volume, issue 15's checkout at store scale)."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is None and model_instance.bill_id is not None:
            value = model_instance.bill.paid_at
            setattr(model_instance, self.attname, value)
        return value


class BillLine(models.Model):
    """A service or product on a bill. A service line keeps who gave it, the item and whether
    it was requested (点钟) or by rotation (轮钟): what commissions are computed from."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=80)
    service_record = models.ForeignKey(
        "clients.ServiceRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill_lines",
        verbose_name=_("service record"),
    )
    item = models.ForeignKey(
        "catalogue.ServiceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service item"),
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill_lines",
        verbose_name=_("practitioner"),
    )
    clock_type = models.CharField(
        _("clock type"), max_length=10, choices=ClockType.choices, blank=True
    )
    product = models.ForeignKey(
        "till.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("product"),
    )
    promotion = models.ForeignKey(
        "catalogue.Promotion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promotion"),
    )
    quantity = models.IntegerField(_("quantity"))
    unit_price = _money(_("unit price"))
    discount = _money(_("discount"))
    amount = _money(_("amount"))
    refund_of_line = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunded_by",
        verbose_name=_("refund of"),
    )
    paid_at = BillPaidAt(_("paid at"), null=True, editable=False)

    class Meta:
        ordering = ["bill", "pk"]
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        constraints = [
            # A service is paid once: one sale line per service record.
            models.UniqueConstraint(
                fields=["service_record"],
                condition=models.Q(service_record__isnull=False, refund_of_line__isnull=True),
                name="till_service_billed_once",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount=models.F("unit_price") * models.F("quantity") - models.F("discount")
                ),
                name="till_line_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["practitioner", "bill"], name="till_line_practitioner"),
            models.Index(fields=["practitioner", "paid_at"], name="till_line_practitioner_paid"),
            # The line a refund reverses: almost every line has none, so SQLite's statistics of
            # the unique column's index (NULLs counted as one value) made a bill's page join its
            # lines to their refunds by scanning every line (issue 11). Only the set ones here.
            models.Index(
                fields=["refund_of_line"],
                condition=models.Q(refund_of_line__isnull=False),
                name="till_line_refund_of",
            ),
        ]

    def __str__(self):
        return f"{self.description} × {self.quantity}"


class Payment(models.Model):
    """One method's part of a bill's payment (negative on a refund)."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    amount = _money(_("amount"))
    # The e-payment's transaction number (WeChat/Alipay/bank card slip): recorded, not checked.
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    # A 美团/大众点评 voucher code: redeemed once per store (the constraint below).
    voucher_code = models.CharField(_("voucher code"), max_length=40, blank=True)
    # The membership card's ledger movement (anxin.cards), a plain id: no hard dependency.
    card_movement_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["bill", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "voucher_code"],
                condition=models.Q(method="voucher") & ~models.Q(voucher_code=""),
                name="till_voucher_redeemed_once",
            )
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"


class DailyClose(models.Model):
    """A cashier's day closed (交班/日结): cash expected vs. counted. A closed day is frozen."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cashier"),
    )
    day = models.DateField(_("day"))
    expected_cash = _money(_("expected cash"))
    counted_cash = _money(_("counted cash"))
    difference = _money(_("difference"))
    reason = models.CharField(_("reason for the difference"), max_length=200, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)

    class Meta:
        ordering = ["-day", "cashier"]
        verbose_name = _("daily close")
        verbose_name_plural = _("daily closes")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "cashier", "day"], name="till_one_close_per_cashier_day"
            ),
            models.CheckConstraint(
                condition=models.Q(difference=models.F("counted_cash") - models.F("expected_cash")),
                name="till_close_difference",
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.cashier_id}"


class Product(TrackedModel):
    """A retail product (零售商品). Its stock is the sum of its movements."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(
        _("product code"),
        max_length=20,
        help_text=_("The shop's own code or the barcode, unique in this store."),
    )
    name = models.CharField(_("name"), max_length=60)
    unit = models.CharField(_("unit"), max_length=10, help_text=_("For example 瓶, 盒, 支."))
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100000.00"))],
    )
    cost = models.DecimalField(
        _("cost (yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100000.00"))],
    )
    supplier = models.CharField(_("supplier"), max_length=80, blank=True)
    low_stock = models.PositiveIntegerField(
        _("low-stock level"),
        default=5,
        validators=[MaxValueValidator(MAX_QUANTITY)],
        help_text=_("The product is on the low-stock list at or below this quantity."),
    )
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="till_product_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("stock received")
    SALE = "sale", _("sold")
    REFUND = "refund", _("returned on a refund")
    STOCKTAKE = "stocktake", _("stocktaking difference")


class Stocktake(models.Model):
    """A count of the shelves (盘点); each difference becomes a movement."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")

    def __str__(self):
        return f"{self.taken_at:%Y-%m-%d}"


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField(_("expected"))
    counted = models.PositiveIntegerField(_("counted"))
    difference = models.IntegerField(_("difference"))

    class Meta:
        ordering = ["stocktake", "product"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(difference=models.F("counted") - models.F("expected")),
                name="till_stocktake_difference",
            )
        ]

    def __str__(self):
        return f"{self.product_id} {self.difference:+d}"


class StockMovement(models.Model):
    """One change of a product's stock (a ledger row): the balance is the sum of these."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    bill_line = models.ForeignKey(
        BillLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stocktake = models.ForeignKey(
        Stocktake, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A sale beyond the stock a manager allowed (logged in the operation log too).
    override = models.BooleanField(_("sold beyond stock"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["product", "at"], name="till_movement_product")]

    def __str__(self):
        return f"{self.product_id} {self.quantity:+d}"
