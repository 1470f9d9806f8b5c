"""Clients (客户). The security core's first personal-data record: encrypted, masked, scoped.

The clients module (registration with consent, search, import …) extends this.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
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


class ServiceRecord(TrackedModel):
    """A service given to a client. It also defines a practitioner's scope (who they served)."""

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
    item_name = models.CharField(_("service item"), max_length=60)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["-served_at"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")

    def __str__(self):
        return f"{self.client.code} {self.served_at:%Y-%m-%d}"
