"""Internal audits (AUD-4) and information-management KPIs with rewards and penalties (AUD-6).

An audit plan holds checklist items; each item names a check from ``checks.REGISTRY`` that the
system runs over the logs, and keeps the count and the first rows it found (the evidence) as of
its last run. Findings follow rectification to closure. KPIs are monthly rows computed from data
(``kpis.compute``), never typed; rules (versioned, published) turn them into proposed rewards and
penalties that a manager confirms and the person may appeal.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store


class AuditState(models.TextChoices):
    PLANNED = "planned", _("planned")
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")


class AuditPlan(models.Model):
    """One internal audit (内部审计): what it covers, over which period, by whom."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    scope = models.TextField(_("scope"), max_length=2000)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auditor"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=AuditState.choices, default=AuditState.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("internal audit")
        verbose_name_plural = _("internal audits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="supervision_audit_period_order",
            )
        ]

    def __str__(self):
        return self.title


class ItemResult(models.TextChoices):
    PENDING = "pending", _("not run yet")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")


class ChecklistItem(models.Model):
    """One line of the checklist: a check the system runs, drawn from a store policy."""

    plan = models.ForeignKey(
        AuditPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("audit")
    )
    check_key = models.CharField(_("check"), max_length=40)
    policy = models.CharField(_("policy it comes from"), max_length=200, blank=True)
    result = models.CharField(
        _("result"), max_length=10, choices=ItemResult.choices, default=ItemResult.PENDING
    )
    evidence_count = models.PositiveIntegerField(_("rows found"), default=0)
    # The first rows the check found when last run: [{"label", "detail", "url"}, …]
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["plan", "check_key"], name="supervision_item_once")
        ]

    def __str__(self):
        return f"{self.plan_id}:{self.check_key}"

    @property
    def audit_check(self):
        from .checks import REGISTRY

        return REGISTRY.get(self.check_key)

    @property
    def label(self):
        check = self.audit_check
        return check.label if check else self.check_key


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class FindingState(models.TextChoices):
    OPEN = "open", _("waiting for rectification")
    RECTIFIED = "rectified", _("rectified, to verify")
    VERIFIED = "verified", _("verified")
    CLOSED = "closed", _("closed")


class Finding(models.Model):
    """A problem the audit found, followed to closure (整改)."""

    plan = models.ForeignKey(
        AuditPlan, on_delete=models.PROTECT, related_name="findings", verbose_name=_("audit")
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("checklist item"),
    )
    title = models.CharField(_("finding"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rectification owner"),
    )
    deadline = models.DateField(_("rectify by"))
    state = models.CharField(
        _("state"), max_length=10, choices=FindingState.choices, default=FindingState.OPEN
    )
    rectification = models.TextField(_("what was done"), max_length=4000, blank=True)
    evidence = models.TextField(_("evidence of the rectification"), max_length=4000, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    verification = models.TextField(_("auditor's verification"), max_length=4000, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        indexes = [models.Index(fields=["state", "deadline"], name="supervision_finding_due")]

    def __str__(self):
        return self.title


class KpiRow(models.Model):
    """One month's KPIs of a person, a department or the whole store, as last computed.

    ``key`` is ``"u<user id>"``, ``"d<department id>"``, ``"d-"`` (no department) or
    ``"store"``. ``figures`` holds the values by KPI key (see ``kpis.KPIS``).
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    key = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    department = models.ForeignKey(
        "core.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    figures = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["store", "month", "key"]
        verbose_name = _("monthly KPIs")
        verbose_name_plural = _("monthly KPIs")
        constraints = [
            models.UniqueConstraint(fields=["store", "month", "key"], name="supervision_kpi_once")
        ]

    def __str__(self):
        return f"{self.store_id} {self.month:%Y-%m} {self.key}"


class Comparison(models.TextChoices):
    GTE = "gte", _("at least")
    LTE = "lte", _("at most")
    GT = "gt", _("more than")
    LT = "lt", _("less than")


class SanctionKind(models.TextChoices):
    REWARD = "reward", _("reward")
    PENALTY = "penalty", _("penalty")


class RuleState(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("replaced by a newer version")


class KpiRule(models.Model):
    """A written rule (奖惩规则): when a person's KPI meets the condition, propose this.

    Rules are versioned: a published version is never changed; a change is a new version
    (``number`` the same, ``version`` + 1), and publishing it retires the one before.
    """

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("rule number"))
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    kpi = models.CharField(_("KPI"), max_length=40)
    comparison = models.CharField(_("condition"), max_length=4, choices=Comparison.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=10, decimal_places=2)
    kind = models.CharField(_("reward or penalty"), max_length=10, choices=SanctionKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    text = models.TextField(_("rule as written"), max_length=2000, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RuleState.choices, default=RuleState.DRAFT
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["number", "-version"]
        verbose_name = _("reward and penalty rule")
        verbose_name_plural = _("reward and penalty rules")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "number", "version"], name="supervision_rule_version_once"
            )
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class SanctionState(models.TextChoices):
    PROPOSED = "proposed", _("proposed, waiting for the manager")
    CONFIRMED = "confirmed", _("confirmed")
    APPEALED = "appealed", _("appealed")
    UPHELD = "upheld", _("upheld after the appeal")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Sanction(models.Model):
    """A reward or penalty a rule proposed for one person's month (奖惩)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sanctions",
        verbose_name=_("person"),
    )
    month = models.DateField(_("month"))
    rule = models.ForeignKey(
        KpiRule, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("rule")
    )
    kind = models.CharField(_("reward or penalty"), max_length=10, choices=SanctionKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    value = models.DecimalField(_("KPI value"), max_digits=12, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=10, choices=SanctionState.choices, default=SanctionState.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    appeal = models.TextField(_("appeal"), max_length=2000, blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    decision = models.TextField(_("decision on the appeal"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "user_id", "pk"]
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "user", "month", "rule"], name="supervision_sanction_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.month:%Y-%m}"
