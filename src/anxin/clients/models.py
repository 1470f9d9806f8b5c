"""Clients (客户). The security core's first personal-data record: encrypted, masked, scoped.

The clients module (registration with consent, search, import …) extends this.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
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

    class Meta:
        ordering = ["-code"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self):
        return f"{self.code} {self.name}"


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
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
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
