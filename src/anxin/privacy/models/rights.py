"""Client rights (PRV-6): the requests a client makes, their objections, legal holds, erasures."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    COPY = "copy", _("a copy of their data")
    CORRECTION = "correction", _("a correction")
    DELETION = "deletion", _("deletion (anonymisation)")
    OBJECTION = "objection", _("an objection to marketing messages")
    ACCESS_REPORT = "access_report", _("who accessed their data")


class IdentityCheck(models.TextChoices):
    ID_CARD = "id_card", _("ID card seen in person")
    KNOWN = "known", _("known to the staff, in person")
    PHONE = "phone", _("call back to the registered phone")
    SIGNED = "signed", _("signed paper request with a copy of the ID card")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    WAITING = "waiting", _("waiting for approval")
    DONE = "done", _("answered")
    REFUSED = "refused", _("refused")


class RightsRequest(models.Model):
    """One request of a client about their data, from receipt to the answer (PIPL Art. 44-50)."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="rights_requests",
        verbose_name=_("client"),
    )
    kind = models.CharField(_("the client asks for"), max_length=20, choices=RequestKind.choices)
    identity = models.CharField(
        _("identity verified by"), max_length=20, choices=IdentityCheck.choices
    )
    details = models.TextField(_("what the client asks"), blank=True, max_length=2000)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("answer due by"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received by"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("handled by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    change_request = models.ForeignKey(
        "approvals.ChangeRequest",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("change for approval"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("client's request")
        verbose_name_plural = _("clients' requests")
        indexes = [models.Index(fields=["store", "status", "due_on"], name="privacy_req_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("received_on")), name="privacy_req_due_after_received"
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.OPEN, RequestStatus.WAITING)

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()

    @property
    def days_left(self) -> int:
        return (self.due_on - timezone.localdate()).days


def due_for(received: dt.date) -> dt.date:
    return received + dt.timedelta(days=settings.ANXIN_PRIVACY_REQUEST_DAYS)


class ObjectionUse(models.TextChoices):
    MARKETING = "marketing", _("marketing messages (promotions, offers)")


class Objection(models.Model):
    """A client's objection to a use of their data; the senders of that use check it."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="objections"
    )
    use = models.CharField(_("use objected to"), max_length=20, choices=ObjectionUse.choices)
    since = models.DateTimeField(_("since"), default=timezone.now)
    request = models.ForeignKey(
        RightsRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.UniqueConstraint(fields=["client", "use"], name="privacy_objection_once")
        ]

    def __str__(self):
        return f"{self.client_id} {self.use}"


class LegalHold(models.Model):
    """A hold placed by hand (a dispute, an authority's request): no anonymisation meanwhile."""

    store = models.ForeignKey("accounts.Store", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.CharField(_("reason"), max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self):
        return self.reason


class ErasureOrigin(models.TextChoices):
    REQUEST = "request", _("the client's request")
    RETENTION = "retention", _("a retention run")
    RESTORE = "restore", _("re-applied after a restore")


class Erasure(models.Model):
    """A client anonymised: when, why, by whom (also in the ledger outside the database)."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, related_name="erasure"
    )
    store = models.ForeignKey("accounts.Store", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("anonymised at"))
    origin = models.CharField(_("because of"), max_length=10, choices=ErasureOrigin.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    request = models.ForeignKey(
        RightsRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        "privacy.RetentionRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")

    def __str__(self):
        return f"{self.client_id} {self.at:%Y-%m-%d}"
