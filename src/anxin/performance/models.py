"""A practitioner's monthly performance (STF-3, ANA-2): figures computed from service records,
feedback, appointments and attendance, published by the manager, then confirmed or disputed by
the practitioner; a manager resolves a dispute."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store


class ReviewState(models.TextChoices):
    PUBLISHED = "published", _("waiting for the practitioner")
    CONFIRMED = "confirmed", _("confirmed")
    DISPUTED = "disputed", _("disputed")
    RESOLVED = "resolved", _("dispute resolved")


class Review(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="performance_reviews",
        verbose_name=_("practitioner"),
    )
    month = models.DateField(_("month"))  # the first day of the month
    figures = models.JSONField(_("figures"), default=dict)
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.PUBLISHED
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    comment = models.TextField(_("practitioner's comment"), blank=True, max_length=2000)
    resolution = models.TextField(_("resolution"), blank=True, max_length=2000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "practitioner__username"]
        verbose_name = _("monthly performance")
        verbose_name_plural = _("monthly performance")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "practitioner", "month"], name="performance_one_per_month"
            )
        ]

    def __str__(self):
        return f"{self.practitioner} {self.month:%Y-%m}"
