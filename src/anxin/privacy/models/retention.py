"""Retention (STO-6): rules as data, runs proposed, approved by a second person, recorded."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    NO_VISIT = "no_visit", _("clients with no visit for the period")
    WITHDRAWN = "withdrawn", _("clients who withdrew their consent longer ago than the period")


class RetentionRule(models.Model):
    store = models.ForeignKey("accounts.Store", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("which records"), max_length=20, choices=RuleKind.choices)
    months = models.PositiveSmallIntegerField(
        _("period (months)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["store", "kind", "months"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "months"], name="privacy_rule_unique")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.months})"


class RunState(models.TextChoices):
    PROPOSED = "proposed", _("waiting for a second person")
    APPROVED = "approved", _("approved, not applied yet")
    APPLIED = "applied", _("approved and applied")
    REJECTED = "rejected", _("rejected")


class RetentionRun(models.Model):
    """One run of a rule: the dry-run count, the second person's decision, what was done."""

    store = models.ForeignKey("accounts.Store", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(
        RetentionRule, on_delete=models.PROTECT, related_name="runs", verbose_name=_("rule")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
        help_text=_("Empty when the monthly schedule proposed it."),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    candidates = models.PositiveIntegerField(_("clients found (dry run)"), default=0)
    held = models.PositiveIntegerField(_("clients under a legal hold"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    anonymised = models.PositiveIntegerField(_("clients anonymised"), default=0)
    note = models.TextField(_("note"), blank=True, max_length=1000)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        constraints = [
            # The database itself refuses a run approved by the person who proposed it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(proposed_by__isnull=True)
                | ~Q(decided_by=F("proposed_by")),
                name="privacy_run_second_person",
            )
        ]

    def __str__(self):
        return f"{self.rule} {self.proposed_at:%Y-%m-%d}"
