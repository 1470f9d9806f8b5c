"""A proposed change waiting for a second person (maker–checker, SEC-5).

The proposed values and the values they replace are kept encrypted (``EncryptedJSONField``):
a change may carry a client's ID number or health data. Who proposed, who decided, when and
why are plain columns, so the inbox can list and order them.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedJSONField


class ChangeState(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved and applied")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ChangeRequest(models.Model):
    """One proposed change to one record, decided once by someone other than its proposer."""

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    store = models.ForeignKey(
        "accounts.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="+"
    )
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(_("record id"), max_length=64)
    payload = EncryptedJSONField(_("proposed values"))
    before = EncryptedJSONField(_("values before"), blank=True, default=dict)
    reason = models.TextField(_("reason"))
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    state = models.CharField(
        _("state"), max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        indexes = [
            models.Index(fields=["store", "state"], name="approvals_store_state"),
            models.Index(fields=["target_type", "target_id"], name="approvals_target"),
        ]
        constraints = [
            # The database itself refuses a change decided by the person who proposed it.
            models.CheckConstraint(
                condition=Q(decider__isnull=True) | ~Q(decider=F("proposer")),
                name="approvals_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(state=ChangeState.PENDING, decided_at__isnull=True)
                | (~Q(state=ChangeState.PENDING) & Q(decided_at__isnull=False)),
                name="approvals_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind}"

    @property
    def is_pending(self) -> bool:
        return self.state == ChangeState.PENDING

    @property
    def target_label(self) -> str:
        return f"{self.target_type.app_label}.{self.target_type.model} #{self.target_id}"
