"""Sharing inside the business (PRV-3), transfers to partners (PRV-4), disclosures (PRV-5).

A grant widens the client selectors while it runs (``selectors_sharing.granted_client_ids``,
checked at read time); transfers and disclosures are append-only records.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .records import AppendOnlyModel

# -- internal sharing grants (PRV-3) --------------------------------------------------------


class GrantScope(models.TextChoices):
    CLIENTS = "clients", _("named clients")
    PROMOTION = "promotion", _("the clients of a promotion")
    STORE = "store", _("every client of the store (a record type)")


class SharingGrant(models.Model):
    """A scope of client data shared with named people or a role, for a purpose, for a time.

    What is shared: the clients (``scope``) and the parts of their file: the basic record always,
    contact details, the health file, spending as chosen. It counts from ``starts_at`` to
    ``ends_at`` (not a minute longer), unless ended earlier (``ended_at``)."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    scope = models.CharField(_("which clients"), max_length=10, choices=GrantScope.choices)
    promotion = models.ForeignKey(
        "catalogue.Promotion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("promotion"),
    )
    contact = models.BooleanField(_("contact details"), default=False)
    health = models.BooleanField(_("health file"), default=False)
    spending = models.BooleanField(_("spending"), default=False)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    agreement = models.ForeignKey(
        "privacy.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed sharing agreement"),
    )
    agreement_location = models.CharField(
        _("paper agreement archived at"), max_length=100, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ended by"),
    )
    expiry_noticed_at = models.DateTimeField(_("grantor told of the expiry"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("sharing grant")
        verbose_name_plural = _("sharing grants")
        indexes = [models.Index(fields=["store", "ends_at"], name="privacy_grant_store_ends")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="privacy_grant_period"
            )
        ]

    def __str__(self):
        return str(_("Sharing grant %(n)s") % {"n": self.pk})

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and self.starts_at <= now < self.ends_at

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.ended_at is not None and self.ended_at < self.ends_at:
            return _("ended early")
        if now >= self.ends_at:
            return _("expired")
        if now < self.starts_at:
            return _("not started yet")
        return _("in force")


class GrantGrantee(models.Model):
    """One grantee: a named person, or a role (everyone holding it in the grant's store)."""

    grant = models.ForeignKey(SharingGrant, on_delete=models.CASCADE, related_name="grantees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    role = models.ForeignKey(
        "accounts.Role",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("role"),
    )

    class Meta:
        verbose_name = _("grantee")
        verbose_name_plural = _("grantees")
        indexes = [
            models.Index(fields=["user", "grant"], name="privacy_grantee_user"),
            models.Index(fields=["role", "grant"], name="privacy_grantee_role"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, role__isnull=True)
                | models.Q(user__isnull=True, role__isnull=False),
                name="privacy_grantee_one",
            )
        ]

    def __str__(self):
        return str(self.user or self.role)


class GrantClient(models.Model):
    """One client named in a grant of ``GrantScope.CLIENTS``."""

    grant = models.ForeignKey(SharingGrant, on_delete=models.CASCADE, related_name="client_rows")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )

    class Meta:
        verbose_name = _("client of a grant")
        verbose_name_plural = _("clients of a grant")
        constraints = [
            models.UniqueConstraint(fields=["grant", "client"], name="privacy_grantclient_once")
        ]

    def __str__(self):
        return f"{self.grant_id}:{self.client_id}"


class GrantDecision(models.TextChoices):
    CONFIRM = "confirm", _("confirmed: the grant continues")
    END = "end", _("ended: access stops now")


class GrantReview(AppendOnlyModel):
    """The grantor's periodic decision on an active grant (confirm or end), kept for good."""

    grant = models.ForeignKey(
        SharingGrant, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("grant")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=GrantDecision.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("grant review")
        verbose_name_plural = _("grant reviews")

    def __str__(self):
        return f"{self.grant_id} {self.decision}"


# -- partners and transfers (PRV-4) ---------------------------------------------------------


class Partner(models.Model):
    """A partner or supplier who may receive client data under an agreement on file."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="privacy_partner_name_once")
        ]

    def __str__(self):
        return self.name


class AgreementKind(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", _("confidentiality agreement")
    PROCESSING = "processing", _("data-processing agreement")


class PartnerAgreement(AppendOnlyModel):
    """A signed confidentiality or data-processing agreement with a partner, and its term."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    valid_from = models.DateField(_("in force from"))
    valid_until = models.DateField(_("in force until"))
    document = models.ForeignKey(
        "privacy.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed agreement"),
    )
    location = models.CharField(_("paper agreement archived at"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_until", "-pk"]
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="privacy_agreement_term",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_until}"

    def in_force(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on <= self.valid_until


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("the client's consent")
    CONTRACT = "contract", _("needed for a contract with the client")
    LEGAL_DUTY = "legal_duty", _("a legal duty")
    ENTRUSTED = "entrusted", _("entrusted processing (on our behalf)")


class TransferChannel(models.TextChoices):
    EMAIL = "email", _("encrypted e-mail")
    STORAGE = "storage", _("encrypted storage device, handed over")
    UPLOAD = "upload", _("upload to the partner's system")
    PAPER = "paper", _("paper, handed over")


class Transfer(AppendOnlyModel):
    """Client data sent to a partner (PRV-4): to whom, on what basis, what, whose, how, by whom.

    The file sent is produced by the system with the chosen fields only; its SHA-256 is kept.
    A correction is a new transfer record naming this one in ``corrects``."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("recipient")
    )
    agreement = models.ForeignKey(
        PartnerAgreement,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agreement in force"),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    purpose = models.CharField(_("purpose"), max_length=200)
    fields = models.JSONField(_("fields"), default=list)
    channel = models.CharField(_("channel"), max_length=10, choices=TransferChannel.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=120)
    sha256 = models.CharField(_("SHA-256 of the file sent"), max_length=64)
    client_count = models.PositiveIntegerField(_("clients"))
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self):
        return str(_("Transfer %(n)s") % {"n": self.pk})


class TransferClient(AppendOnlyModel):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="client_rows")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )

    class Meta:
        verbose_name = _("client of a transfer")
        verbose_name_plural = _("clients of a transfer")
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "client"], name="privacy_transferclient_once"
            )
        ]
        indexes = [models.Index(fields=["client"], name="privacy_transclient_client")]

    def __str__(self):
        return f"{self.transfer_id}:{self.client_id}"


# -- disclosures to authorities (PRV-5) -----------------------------------------------------


class LegalDocumentType(models.TextChoices):
    INVESTIGATION = "investigation", _("notice of investigation / evidence collection")
    COURT = "court", _("court order or ruling")
    PROCURATORATE = "procuratorate", _("procuratorate's request")
    REGULATOR = "regulator", _("regulator's written request")
    OTHER = "other", _("other legal document")


class Disclosure(AppendOnlyModel):
    """Client data handed to an authority (PRV-5): on which verified legal document, what,
    whose, when, to whom, by whom. A correction is a new record naming this one."""

    store = models.ForeignKey(
        "accounts.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    document_type = models.CharField(
        _("legal document"), max_length=20, choices=LegalDocumentType.choices
    )
    document_number = models.CharField(_("document number"), max_length=80)
    issuing_body = models.CharField(_("issued by"), max_length=120)
    document = models.ForeignKey(
        "privacy.Document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scan of the legal document"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("document verified by"),
    )
    verification = models.CharField(_("how it was verified"), max_length=200)
    recipient = models.CharField(_("handed to (officer, unit)"), max_length=120)
    fields = models.JSONField(_("fields"), default=list)
    disclosed_at = models.DateTimeField(_("disclosed at"))
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    client_count = models.PositiveIntegerField(_("clients"))
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-disclosed_at", "-pk"]
        verbose_name = _("disclosure to an authority")
        verbose_name_plural = _("disclosures to authorities")

    def __str__(self):
        return str(_("Disclosure %(n)s") % {"n": self.pk})


class DisclosureClient(AppendOnlyModel):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="client_rows")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )

    class Meta:
        verbose_name = _("client of a disclosure")
        verbose_name_plural = _("clients of a disclosure")
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "client"], name="privacy_disclosureclient_once"
            )
        ]
        indexes = [models.Index(fields=["client"], name="privacy_disclclient_client")]

    def __str__(self):
        return f"{self.disclosure_id}:{self.client_id}"
