"""Incidents and breach response (PRV-7): the record, its actions, the affected clients
(produced from the logs), the notice text in versions and each notice sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import AppendOnlyModel


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class IncidentState(models.TextChoices):
    OPEN = "open", _("open")
    CONTAINED = "contained", _("contained")
    CLOSED = "closed", _("closed")


class Incident(models.Model):
    """A security incident or personal-data breach: what, found when and by whom, its scope."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    title = models.CharField(_("what happened (short)"), max_length=120)
    description = models.TextField(_("what happened"), max_length=4000)
    found_at = models.DateTimeField(_("found at"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("found by"),
    )
    scope = models.TextField(_("scope (systems, records, period)"), max_length=2000)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    regulator_due_at = models.DateTimeField(_("report to the regulator by"))
    regulator_reported_at = models.DateTimeField(
        _("reported to the regulator at"), null=True, blank=True
    )
    regulator_reference = models.CharField(_("regulator's reference"), max_length=80, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["store", "state"], name="privacy_incident_store_state"),
            models.Index(fields=["regulator_due_at"], name="privacy_incident_due"),
        ]

    def __str__(self):
        return str(_("Incident %(n)s: %(title)s") % {"n": self.pk, "title": self.title})

    @property
    def regulator_overdue(self) -> bool:
        return self.regulator_reported_at is None and timezone.now() > self.regulator_due_at


class ActionKind(models.TextChoices):
    CONTAINMENT = "containment", _("containment")
    REMEDIATION = "remediation", _("remediation")


class IncidentAction(models.Model):
    """A containment or remediation step with its owner; done when ``done_at`` is set."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("kind"), max_length=12, choices=ActionKind.choices)
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("incident action")
        verbose_name_plural = _("incident actions")

    def __str__(self):
        return self.description


class AffectedSource(models.TextChoices):
    READS = "reads", _("read by an account in a period (use log)")
    TRANSFER = "transfer", _("in a transfer to a partner")
    DISCLOSURE = "disclosure", _("in a disclosure to an authority")
    EXPORT = "export", _("in an export (use log)")


class AffectedClient(AppendOnlyModel):
    """A client affected by an incident, with the log evidence that puts them on the list."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="affected")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )
    source = models.CharField(_("found through"), max_length=12, choices=AffectedSource.choices)
    evidence = models.CharField(_("evidence"), max_length=200)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("affected client")
        verbose_name_plural = _("affected clients")
        constraints = [
            models.UniqueConstraint(fields=["incident", "client"], name="privacy_affected_once")
        ]

    def __str__(self):
        return f"{self.incident_id}:{self.client_id}"


class NoticeText(AppendOnlyModel):
    """A version of the notice to the affected people, with the content PIPL Art. 57 asks for."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notice_texts")
    version = models.PositiveIntegerField(_("version"))
    what_happened = models.TextField(_("what happened, and why"), max_length=2000)
    data_involved = models.TextField(_("which personal data is involved"), max_length=1000)
    measures = models.TextField(_("what we have done"), max_length=2000)
    client_steps = models.TextField(_("what the person can do to reduce harm"), max_length=2000)
    contact = models.CharField(_("whom to contact"), max_length=200)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("notice text")
        verbose_name_plural = _("notice texts")
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="privacy_notice_version")
        ]

    def __str__(self):
        return f"v{self.version}"

    def as_text(self) -> str:
        parts = [
            self.what_happened,
            self.data_involved,
            self.measures,
            self.client_steps,
            self.contact,
        ]
        return "\n\n".join(p.strip() for p in parts if p.strip())


class NoticeChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    PHONE = "phone", _("phone call")
    LETTER = "letter", _("letter")
    IN_PERSON = "in_person", _("in person")
    EMAIL = "email", _("e-mail")


class IncidentNotice(AppendOnlyModel):
    """One notice to one affected person: channel, time, which text, delivered or not."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notices")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=NoticeChannel.choices)
    text = models.ForeignKey(
        NoticeText, on_delete=models.PROTECT, related_name="+", verbose_name=_("text version")
    )
    sent_at = models.DateTimeField(_("sent at"))
    delivered = models.BooleanField(_("delivered"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("notice to an affected person")
        verbose_name_plural = _("notices to affected people")
        indexes = [models.Index(fields=["incident", "client"], name="privacy_notice_client")]

    def __str__(self):
        return f"{self.incident_id}:{self.client_id} {self.channel}"
