"""Membership cards (会员卡, POS-2): card types as data, cards, and the ledger of every movement.

A card's balance is the sum of its ledger (``CardMovement.amount``), never an edited number.
Each movement also carries the card's running balance after it (``balance_after``) and a serial
per card (``seq``): the database refuses a second row with the same serial (two payments that
raced) and a negative running balance, and the monthly liability report reconciles the running
balances with the sums.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.catalogue.models import ServiceItem
from anxin.clients.models import Channel, Client
from anxin.core.models import TrackedModel

MAX_AMOUNT = Decimal("100000.00")  # a single movement above this is a typing mistake


class CardKind(models.TextChoices):
    STORED_VALUE = "stored_value", _("stored-value card (储值卡)")
    SESSIONS = "sessions", _("session card (次卡)")
    TERM = "term", _("term card (期限卡)")
    DISCOUNT = "discount", _("discount card (折扣卡)")


class RefundRule(models.TextChoices):
    PRO_RATA = "pro_rata", _("pro rata: the paid share of the unused balance (bonus not refunded)")
    FULL = "full", _("the whole unused balance")
    NONE = "none", _("no refund")


class CardType(TrackedModel):
    """What a store sells: e.g. "储值 1000 送 200", "肩颈理疗 10 次", "年卡", "VIP 九折"."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=CardKind.choices)
    price = models.DecimalField(
        _("price (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("What the client pays for a session, term or discount card."),
    )
    # Stored value: pay at least ``pay`` in one top-up, get ``bonus`` more (best rule applies).
    bonus_rules = models.JSONField(_("top-up bonus rules"), default=list, blank=True)
    sessions = models.PositiveIntegerField(_("number of sessions"), null=True, blank=True)
    items = models.ManyToManyField(
        ServiceItem,
        blank=True,
        related_name="+",
        verbose_name=_("service items covered"),
        help_text=_("Session and term cards: the items they pay for (none: every item)."),
    )
    discount_percent = models.DecimalField(
        _("discount (percent off)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    valid_days = models.PositiveIntegerField(
        _("valid for (days)"), default=365, help_text=_("From the day the card is issued.")
    )
    refund_rule = models.CharField(
        _("refund of the unused balance"),
        max_length=10,
        choices=RefundRule.choices,
        default=RefundRule.PRO_RATA,
    )
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("card type")
        verbose_name_plural = _("card types")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="cards_cardtype_price_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def bonus_for(self, paid: Decimal) -> Decimal:
        """The bonus of the best rule whose threshold ``paid`` reaches (0 if none)."""
        best = Decimal("0.00")
        for rule in self.bonus_rules or []:
            if paid >= Decimal(str(rule["pay"])):
                best = max(best, Decimal(str(rule["bonus"])))
        return best


class CardState(models.TextChoices):
    ACTIVE = "active", _("in use")
    CLOSED = "closed", _("closed")


class Card(TrackedModel):
    """One card held by one client of one store. Its balance lives in the ledger."""

    number = models.CharField(_("card number"), max_length=20, unique=True, editable=False)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="cards", verbose_name=_("client")
    )
    card_type = models.ForeignKey(
        CardType, on_delete=models.PROTECT, related_name="cards", verbose_name=_("card type")
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    state = models.CharField(
        _("state"), max_length=10, choices=CardState.choices, default=CardState.ACTIVE
    )
    reminded_on = models.DateField(_("expiry reminder sent on"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("membership card")
        verbose_name_plural = _("membership cards")
        indexes = [
            models.Index(fields=["store", "client"], name="cards_card_store_client"),
            models.Index(fields=["store", "expires_on"], name="cards_card_store_expires"),
            # The list's order: a page of 50 read in order, each card's balance worked out
            # for those 50 only (not for all the store's cards before sorting them).
            models.Index(fields=["store", "issued_on", "id"], name="cards_card_store_issued"),
        ]

    def __str__(self):
        return self.number

    @property
    def code(self) -> str:
        """The card number, as the operation log names a record (its code)."""
        return self.number


class MovementKind(models.TextChoices):
    TOP_UP = "top_up", _("top-up")
    BONUS = "bonus", _("bonus")
    CONSUMPTION = "consumption", _("consumption")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    TRANSFER_IN = "transfer_in", _("transfer in")
    REFUND = "refund", _("refund")
    EXPIRY = "expiry", _("expiry")
    REVERSAL = "reversal", _("reversal")


class CardTransfer(models.Model):
    """A balance moved from one client's card to another client's card, with both consents."""

    from_card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="+", verbose_name=_("from card")
    )
    to_card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="+", verbose_name=_("to card")
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    sessions = models.IntegerField(_("sessions"), default=0)
    from_consent_channel = models.CharField(
        _("giving client's consent"), max_length=10, choices=Channel.choices
    )
    to_consent_channel = models.CharField(
        _("receiving client's consent"), max_length=10, choices=Channel.choices
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("consents witnessed by"),
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("card transfer")
        verbose_name_plural = _("card transfers")

    def __str__(self):
        return f"{self.from_card_id} → {self.to_card_id}"


class CardMovement(models.Model):
    """One row of a card's ledger. Rows are only ever added; a mistake is reversed by a new row."""

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="movements", verbose_name=_("card")
    )
    # The card's store, repeated so the store's reports read one table (it never changes).
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    seq = models.PositiveIntegerField(_("line"))
    kind = models.CharField(_("kind"), max_length=14, choices=MovementKind.choices)
    at = models.DateTimeField(_("time"))
    # The change of the balance (yuan; the deferred value for session and term cards).
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    sessions = models.IntegerField(_("sessions"), default=0)
    # Money that changed hands: paid in by a top-up (+), paid out by a refund (−).
    cash = models.DecimalField(
        _("cash (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    sessions_after = models.IntegerField(_("sessions after"), default=0)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    transfer = models.ForeignKey(
        CardTransfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("transfer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["card", "seq"]
        verbose_name = _("card movement")
        verbose_name_plural = _("card movements")
        constraints = [
            models.UniqueConstraint(fields=["card", "seq"], name="cards_movement_card_seq"),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="cards_movement_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(sessions_after__gte=0),
                name="cards_movement_sessions_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["store", "at"], name="cards_movement_store_at")]

    def __str__(self):
        return f"{self.card_id}#{self.seq} {self.kind} {self.amount}"


class CardMonthClose(models.Model):
    """A store's month whose card balances were taken (after the month ended): written once,
    never changed. Its ``CardMonthEnd`` rows let the liability check read one row per card
    instead of the month's ledger."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    month = models.DateField(_("month"))  # its first day
    cards = models.PositiveIntegerField(_("cards with a balance"))
    total = models.DecimalField(_("total balance (yuan)"), max_digits=14, decimal_places=2)
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("card month end")
        verbose_name_plural = _("card month ends")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="cards_monthclose_store_month")
        ]

    def __str__(self):
        return f"{self.store_id} {self.month:%Y-%m}"


class CardMonthEnd(models.Model):
    """One card's running balance at the end of a closed month (the ``balance_after`` of its
    last ledger row before the month's end), for each card holding something. Append-only."""

    close = models.ForeignKey(
        CardMonthClose, on_delete=models.PROTECT, related_name="rows", verbose_name=_("month")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    month = models.DateField(_("month"))
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="month_ends", verbose_name=_("card")
    )
    balance = models.DecimalField(_("balance (yuan)"), max_digits=12, decimal_places=2)
    sessions = models.IntegerField(_("sessions left"), default=0)
    last_seq = models.PositiveIntegerField(_("last ledger line"))

    class Meta:
        verbose_name = _("card balance at a month's end")
        verbose_name_plural = _("card balances at months' ends")
        constraints = [
            models.UniqueConstraint(fields=["card", "month"], name="cards_monthend_card_month")
        ]
        indexes = [models.Index(fields=["store", "month"], name="cards_monthend_store_month")]

    def __str__(self):
        return f"{self.card_id} {self.month:%Y-%m} {self.balance}"
