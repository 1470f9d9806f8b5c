"""Clients (客户). The security core's first personal-data record: encrypted, masked, scoped.

The clients module (registration with consent, search, import …) extends this.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.core.models import CodedModel, TrackedModel
from anxin.crypto.fields import (
    BlindIndexField,
    BlindIndexMixin,
    EncryptedCharField,
    EncryptedTextField,
)


class Gender(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    UNSTATED = "U", _("not stated")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("walked in")
    REFERRAL = "referral", _("referred by a client")
    ONLINE = "online", _("online")
    PROMOTION = "promotion", _("promotion")
    PARTNER = "partner", _("partner organisation")
    OTHER = "other", _("other")


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PENDING = "pending", _("waiting for supervisor review")
    WITHDRAWN = "withdrawn", _("consent withdrawn")


class Confirmation(models.TextChoices):
    SCREEN = "screen", _("signed on screen")
    PAPER = "paper", _("paper registration form")


class Channel(models.TextChoices):
    IN_STORE = "in_store", _("in the store")
    PAPER = "paper", _("paper form")
    PHONE = "phone", _("by phone")
    ONLINE = "online", _("online")
    IMPORT = "import", _("imported from earlier records")


class Client(BlindIndexMixin, CodedModel):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="clients", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=40)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.UNSTATED
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    id_number = EncryptedCharField(_("ID number"), max_length=18, blank=True)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number")
    address = EncryptedTextField(_("address"), blank=True, max_length=200)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.WALK_IN, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    # Current consent, kept in step with the Consent records (the history): a query, not a scan.
    general_consent = models.BooleanField(_("consents to processing"), default=False)
    health_consent = models.BooleanField(_("consents to health data"), default=False)
    confirmation = models.CharField(
        _("client's confirmation"), max_length=10, choices=Confirmation.choices, blank=True
    )
    signature_name = models.CharField(_("name typed by the client"), max_length=40, blank=True)
    signature_image = EncryptedTextField(_("signature drawn on screen"), blank=True)
    paper_location = models.CharField(_("paper form archive location"), max_length=100, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-code"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["store", "name"], name="clients_store_name"),
            # The list by status (e.g. waiting for review), newest code first: a range of
            # this index in order, not a walk of every client in code order.
            models.Index(fields=["store", "status", "code"], name="clients_store_status_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def health_open(self) -> bool:
        """The health file may be used only with the separate consent for health data (PIPL)."""
        return self.health_consent and self.status != ClientStatus.WITHDRAWN


class SearchKey(models.Model):
    """A normalised pinyin reading of a client's name (full and initials, each polyphonic
    variant): an indexed prefix search (CLI-7) instead of a scan."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="search_keys")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["store", "key"], name="clients_searchkey_store_key")]
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="clients_searchkey_unique")
        ]

    def __str__(self):
        return self.key


class PrivacyNotice(models.Model):
    """A version of the privacy notice (告知书) the client is shown before anything is stored."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text"))
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-version"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self):
        return self.version

    @classmethod
    def current(cls, on=None):
        on = on or timezone.localdate()
        return cls.objects.filter(effective_from__lte=on).first()


class Consent(models.Model):
    """One consent given or withdrawn (PRV-1): what, under which notice, how, when, who saw it."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("processing of personal information")
        HEALTH = "health", _("processing of health data (separate consent)")
        # PRV-4: sensitive data (health, ID number) to a named recipient, consented separately.
        TRANSFER = "transfer", _("providing sensitive data to a named recipient (separate consent)")

    class Action(models.TextChoices):
        GRANT = "grant", _("given")
        WITHDRAW = "withdraw", _("withdrawn")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=10, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    notice = models.ForeignKey(
        PrivacyNotice, on_delete=models.PROTECT, verbose_name=_("privacy notice")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("witnessed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recipient = models.ForeignKey(
        "privacy.Partner",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a consent to providing data to someone else: to whom."),
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.client_id} {self.kind} {self.action}"

    @classmethod
    def given(cls, client, *, notice, channel, at, witness, note: str = "") -> list["Consent"]:
        """The rows recording what a client consented to at registration (unsaved): the
        general consent, and the health consent when the client gave it."""
        kinds = [cls.Kind.GENERAL] + ([cls.Kind.HEALTH] if client.health_consent else [])
        return [
            cls(
                client=client,
                kind=kind,
                action=cls.Action.GRANT,
                notice=notice,
                channel=channel,
                at=at,
                witness=witness,
                note=note,
            )
            for kind in kinds
        ]


class StoreClientSettings(models.Model):
    """Per-store client settings: whether a supervisor reviews new clients (CLI-2)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="client_settings")
    review_new_clients = models.BooleanField(
        _("a supervisor reviews new clients before they become active"), default=False
    )

    class Meta:
        verbose_name = _("client settings")
        verbose_name_plural = _("client settings")

    def __str__(self):
        return str(self.store)

    @classmethod
    def for_store(cls, store) -> "StoreClientSettings":
        return cls.objects.filter(store=store).first() or cls(store=store)


class HealthFile(TrackedModel):
    """The client's health file (健康档案): sensitive personal information, encrypted."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="health", verbose_name=_("client")
    )
    medical_history = EncryptedTextField(_("medical history"), blank=True, max_length=2000)
    allergies = EncryptedTextField(_("allergies"), blank=True, max_length=1000)
    conditions = EncryptedTextField(_("special conditions"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("health file")
        verbose_name_plural = _("health files")

    def __str__(self):
        return f"{self.client.code}"


class ClockType(models.TextChoices):
    """How the practitioner came to give the service (for the pay reports)."""

    ROTATION = "rotation", _("rotation (轮钟)")
    NAMED = "named", _("named by the client (点钟)")
    EXTENSION = "extension", _("extension (加钟)")


MAX_AMOUNT = Decimal("100000.00")  # more than this for one service is a typing mistake


class ServiceRecord(TrackedModel):
    """A service given to a client. It also defines a practitioner's scope (who they served).

    Recording and correcting it belongs to ``anxin.delivery`` (services, selectors, pages).
    """

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="services", verbose_name=_("client")
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="services_given",
        verbose_name=_("practitioner"),
    )
    served_at = models.DateTimeField(_("served at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    item = models.ForeignKey(
        "catalogue.ServiceItem",
        on_delete=models.PROTECT,
        related_name="services",
        null=True,
        blank=True,
        verbose_name=_("service item"),
    )
    # The item's name when the service was given: the record reads the same after a rename.
    item_name = models.CharField(_("service item"), max_length=60)
    promotion = models.ForeignKey(
        "catalogue.Promotion",
        on_delete=models.PROTECT,
        related_name="services",
        null=True,
        blank=True,
        verbose_name=_("promotion"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
    )
    products_sold = models.CharField(_("products sold"), max_length=200, blank=True)
    # Free text that may hold health information (what the practitioner noticed): encrypted
    # like the health file, and never in the operation log in clear.
    notes = EncryptedTextField(_("notes"), max_length=2000, blank=True)
    clock_type = models.CharField(
        _("clock type"), max_length=10, choices=ClockType.choices, blank=True
    )

    class Meta:
        ordering = ["-served_at"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["store", "served_at"], name="clients_service_store_time"),
            models.Index(fields=["practitioner", "served_at"], name="clients_service_pract_time"),
        ]

    def __str__(self):
        return f"{self.client.code} {self.served_at:%Y-%m-%d}"


class QualitySummary(models.Model):
    """The data-quality figures of a store (STO-1), as a task last computed them.

    Checking every client's phone and ID number means decrypting them all, and the last visits
    mean reading every service record: too slow for a page at a store's scale. A task
    (``clients.tasks``) computes the totals and the first rows of each list here, on request and
    nightly; the page shows them with the time they were computed. Only client ids and the
    kind of each issue are kept, no personal data.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    months = models.PositiveSmallIntegerField(_("no visit for this many months"))
    requested_at = models.DateTimeField(_("recompute requested at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # {"missing": n, "invalid": n, "duplicates": n, "stale": n}
    totals = models.JSONField(default=dict, blank=True)
    # {"missing": [[id, [kind, …]]], "invalid": [[id, field, {language: message}]],
    #  "duplicates": [[reason, [id, …]]], "stale": [[id, last visit (ISO) or null]]}, each at
    #  most the report's limit long.
    rows = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("data-quality summary")
        verbose_name_plural = _("data-quality summaries")
        constraints = [
            models.UniqueConstraint(fields=["store", "months"], name="clients_quality_store_months")
        ]

    def __str__(self):
        return f"{self.store_id} {self.months}"

    @property
    def pending(self) -> bool:
        """A recompute was asked for and has not finished yet."""
        return self.requested_at is not None and (
            self.computed_at is None or self.requested_at > self.computed_at
        )
