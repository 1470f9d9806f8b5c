"""Complaints (投诉) and whistle-blowing reports (举报) — AUD-5.

A complaint is a case followed from receipt to closure, each step recorded (``ComplaintStep``)
and logged. A whistle-blowing report keeps its reporter's identity encrypted and sealed: nobody
reads it unless the custodian states a reason and a second person approves (``WhistleReport``).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.core.models import TrackedModel
from anxin.crypto.fields import BlindIndexField, BlindIndexMixin, EncryptedTextField


class Channel(models.TextChoices):
    FRONT_DESK = "front_desk", _("at the front desk")
    PHONE = "phone", _("by phone")
    PUBLIC = "public", _("public complaint page")
    FEEDBACK = "feedback", _("from a low feedback score")


class ComplainantKind(models.TextChoices):
    CLIENT = "client", _("a client")
    STAFF = "staff", _("a staff member")
    NAMED = "named", _("someone else, with contact details")
    ANONYMOUS = "anonymous", _("anonymous")


class Subject(models.TextChoices):
    SERVICE = "service", _("service quality")
    PRACTITIONER = "practitioner", _("a practitioner")
    INFORMATION = "information", _("information handling")
    OTHER = "other", _("other")


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class State(models.TextChoices):
    DRAFT = "draft", _("draft, waiting for the manager")
    RECEIVED = "received", _("received")
    INVESTIGATING = "investigating", _("being investigated")
    RECTIFICATION = "rectification", _("being rectified")
    FEEDBACK = "feedback", _("feedback given to the complainant")
    CLOSED = "closed", _("closed")
    DISMISSED = "dismissed", _("dismissed (not a complaint)")


# The workflow: each state and the one that follows it.
NEXT_STATE = {
    State.RECEIVED: State.INVESTIGATING,
    State.INVESTIGATING: State.RECTIFICATION,
    State.RECTIFICATION: State.FEEDBACK,
    State.FEEDBACK: State.CLOSED,
}
OPEN_STATES = (State.RECEIVED, State.INVESTIGATING, State.RECTIFICATION, State.FEEDBACK)
# Complaints that count (staff file, monthly figures, analysis): not drafts nor dismissed ones.
COUNTED_STATES = (*OPEN_STATES, State.CLOSED)


class Complaint(TrackedModel):
    """One complaint, from whichever channel, followed to its closure."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    reference = models.CharField(_("reference number"), max_length=16, unique=True)
    # A keyed digest of the secret given with a public reference (never the secret itself).
    secret_digest = models.CharField(max_length=64, blank=True, editable=False)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    complainant_kind = models.CharField(
        _("complainant"), max_length=10, choices=ComplainantKind.choices
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("client"),
    )
    complainant_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member complaining"),
    )
    contact_name = EncryptedTextField(_("contact name"), blank=True, max_length=60)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, max_length=30)
    subject = models.CharField(_("subject"), max_length=12, choices=Subject.choices)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=_("practitioner concerned"),
    )
    service = models.ForeignKey(
        "clients.ServiceRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service concerned"),
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment concerned"),
    )
    description = models.TextField(_("description"), max_length=4000)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_owned",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=14, choices=State.choices)
    received_at = models.DateTimeField(_("received at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["store", "state", "received_at"], name="complaints_store_state"),
            models.Index(fields=["practitioner", "received_at"], name="complaints_practitioner"),
        ]

    def __str__(self):
        return self.reference

    @property
    def code(self) -> str:
        """What the logs name the case by."""
        return self.reference

    @property
    def next_state(self):
        return NEXT_STATE.get(self.state)


# What a step without a note of its own says (in the reader's language).
STEP_LABELS = {
    "receive": _("Complaint received."),
    "draft": _("Opened from a low feedback score."),
    "accept": _("Draft accepted."),
}


class ComplaintStep(models.Model):
    """One step of a case: who, when, what (and the state it moved the case to)."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="steps", verbose_name=_("complaint")
    )
    action = models.CharField(_("step"), max_length=20)
    state_after = models.CharField(_("state after"), max_length=14, choices=State.choices)
    note = models.TextField(_("what was done"), blank=True, max_length=4000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")

    def __str__(self):
        return f"{self.complaint_id} {self.action}"

    @property
    def text(self) -> str:
        return self.note or str(STEP_LABELS.get(self.action, ""))


class CompensationForm(models.TextChoices):
    REFUND = "refund", _("refund")
    VOUCHER = "voucher", _("voucher")
    FREE_SERVICE = "free_service", _("a free service")
    GIFT = "gift", _("gift")
    OTHER = "other", _("other")


class CompensationState(models.TextChoices):
    PENDING = "pending", _("waiting for a second person's approval")
    APPROVED = "approved", _("approved")


class Compensation(models.Model):
    """Compensation offered on a case; above the store's limit a second person approves it."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="compensations",
        verbose_name=_("complaint"),
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    form = models.CharField(_("form"), max_length=12, choices=CompensationForm.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=CompensationState.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    change = models.ForeignKey(
        "approvals.ChangeRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["proposed_at", "pk"]
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")

    def __str__(self):
        from django.utils.translation import gettext

        return gettext("%(amount)s yuan (%(form)s) on complaint %(reference)s") % {
            "amount": self.amount,
            "form": self.get_form_display(),
            "reference": self.complaint.reference,
        }


class ComplaintSettings(models.Model):
    """The store's own rules for complaints."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    compensation_limit = models.DecimalField(
        _("compensation limit (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("200.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Compensation above this amount needs a second person's approval."),
    )

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")

    def __str__(self):
        return str(self.store)


class PublicAttempt(models.Model):
    """One submission to a public page, by a keyed digest of the address (the rate limit)."""

    address_digest = models.CharField(max_length=64)
    page = models.CharField(max_length=10)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address_digest", "at"], name="complaints_attempt_ip")]

    def __str__(self):
        return f"{self.page} {self.at:%Y-%m-%d %H:%M}"


class ReportState(models.TextChoices):
    RECEIVED = "received", _("received")
    INVESTIGATING = "investigating", _("being investigated")
    CLOSED = "closed", _("closed")


class WhistleReport(BlindIndexMixin, models.Model):
    """A staff member's report of information misuse (举报), anonymous or named.

    There is no plain column naming the reporter, and no ``created_by``: a named reporter is
    in ``reporter`` (the account's id, encrypted), found for their own page by its blind
    index, and shown to nobody else unless ``unsealed_at`` is set — by the custodian, with a
    reason, after a second person's approval. The operation log records the report as made
    by the system, never by the reporter.
    """

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    reference = models.CharField(_("reference number"), max_length=16, unique=True)
    secret_digest = models.CharField(max_length=64, blank=True, editable=False)
    named = models.BooleanField(_("named report"), default=False)
    reporter = EncryptedTextField(_("reporter"), blank=True)
    reporter_index = BlindIndexField(source="reporter", purpose="complaints.reporter")
    reported_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person reported"),
    )
    description = EncryptedTextField(_("what happened"), max_length=4000)
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=14, choices=ReportState.choices, default=ReportState.RECEIVED
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=4000)
    received_on = models.DateField(_("received on"))
    unsealed_at = models.DateTimeField(_("identity unsealed at"), null=True, blank=True)
    unsealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unsealed by"),
    )
    unseal_reason = models.TextField(_("reason for unsealing"), blank=True, max_length=1000)
    unseal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unsealing approved by"),
    )

    audit_sensitive_fields = ("reporter", "reporter_index", "description")

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("whistle-blowing report")
        verbose_name_plural = _("whistle-blowing reports")

    def __str__(self):
        return self.reference

    @property
    def code(self) -> str:
        return self.reference


class ReportNote(models.Model):
    """An investigator's step on a report (who, when, what)."""

    report = models.ForeignKey(
        WhistleReport, on_delete=models.CASCADE, related_name="notes", verbose_name=_("report")
    )
    state_after = models.CharField(_("state after"), max_length=14, choices=ReportState.choices)
    note = models.TextField(_("what was done"), max_length=4000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("report note")
        verbose_name_plural = _("report notes")

    def __str__(self):
        return f"{self.report_id} {self.at:%Y-%m-%d}"
