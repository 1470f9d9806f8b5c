"""The operation log (操作日志), the use log (使用日志) and anomaly alerts.

Both logs are append-only: the database refuses UPDATE and DELETE (``core.db.AppendOnly``),
the models and their querysets refuse them too, and there is no admin. Each entry carries a
``seq`` and a keyed ``mac`` chaining it to the one before (see ``chain.py``). Nothing here
holds plaintext sensitive data: sensitive fields are logged as ``{"changed": true}``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(TypeError):
    """Raised by any attempt to change or delete a log entry through the ORM."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only")

    def bulk_create(self, *args, **kwargs):
        # Entries are written one by one through chain.append, which gives seq and mac.
        raise AppendOnlyError(f"{self.model._meta.label} is written only through audit.services")


class LogEntry(models.Model):
    """What both logs share: chain position, time, who, where, which record, from where."""

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True, editable=False)
    at = models.DateTimeField(_("time"), db_index=True, editable=False)
    store = models.ForeignKey(
        "accounts.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    record_type = models.CharField(_("record type"), max_length=100, db_index=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    record_code = models.CharField(_("record code"), max_length=40, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=40)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    mac = models.CharField(_("chain MAC"), max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-seq"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} is append-only")

    @property
    def record_label(self) -> str:
        return self.record_code or (
            f"{self.record_type} #{self.record_id}" if self.record_id else self.record_type
        )


class OperationLog(LogEntry):
    """One change to a record (AUD-1): who, when, what, before and after."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for changes made by the system itself."),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(LogEntry.Meta):
        verbose_name = _("operation log entry")
        verbose_name_plural = _("operation log")
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="audit_op_record"),
            # The log page: a store's entries (or the store-less ones) newest first, by keyset.
            models.Index(fields=["store", "seq"], name="audit_op_store_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.record_label}"


class UseOutcome(models.TextChoices):
    ALLOWED = "allowed", _("allowed")
    DENIED = "denied", _("denied")


class UseAction(models.TextChoices):
    """The usual kinds of use; other modules may log others (shown as written)."""

    VIEW = "view", _("view")
    VIEW_HEALTH = "view_health", _("view health information")
    REVEAL = "reveal", _("reveal a masked value")
    EXPORT = "export", _("export")
    REPORT = "report", _("report")
    SEARCH = "search", _("search")
    PRINT = "print", _("print")
    SHARE = "share", _("share")
    NOTIFY = "notify", _("notify (e.g. a reminder)")
    DENIED = "denied", _("denied attempt")


class UseLog(LogEntry):
    """One read of important information (PRV-2): who, when, which record, why, allowed or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.TextField(_("purpose"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=UseOutcome.choices, default=UseOutcome.ALLOWED
    )
    count = models.PositiveIntegerField(
        _("rows"), default=1, help_text=_("How many records a list, report or export covered.")
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("use log entry")
        verbose_name_plural = _("use log")
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="audit_use_record"),
            models.Index(fields=["user", "at"], name="audit_use_user_at"),
            # The log page: a store's entries (or the store-less ones) newest first, by keyset.
            models.Index(fields=["store", "seq"], name="audit_use_store_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.record_label}"

    @property
    def action_label(self) -> str:
        return UseAction(self.action).label if self.action in UseAction.values else self.action


class ChainHead(models.Model):
    """The last entry of each log, and where the kept part starts after a purge.

    Appending locks these rows (SELECT … FOR UPDATE) so writers queue on PostgreSQL; on
    SQLite the IMMEDIATE transaction already serializes them. The head is bookkeeping, not
    evidence: ``verify`` trusts only the MACs and the checkpoint file outside the database.
    """

    log = models.CharField(max_length=20, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    mac = models.CharField(max_length=64)
    start_seq = models.PositiveBigIntegerField(default=1)
    start_prev_mac = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.log}@{self.seq}"


class AlertRule(models.TextChoices):
    BULK_READS = "bulk_reads", _("Bulk reading of client records")
    OFF_HOURS = "off_hours", _("Access outside working hours")
    DENIED = "denied", _("Attempt outside one's scope")
    REPEATED_REVEALS = "repeated_reveals", _("Repeated reveals of masked data")
    EXPORT = "export", _("Export of personal data")
    INTEGRITY = "integrity", _("Audit log failed verification")


class AlertState(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    CLOSED = "closed", _("closed")


class Alert(models.Model):
    """An anomaly for the supervisor (AUD-3). Alerts are ordinary rows: they get handled."""

    rule = models.CharField(_("rule"), max_length=30, choices=AlertRule.choices)
    key = models.CharField(max_length=160, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    store = models.ForeignKey(
        "accounts.Store",
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    window_start = models.DateTimeField(_("first event"))
    occurred_at = models.DateTimeField(_("last event"), db_index=True)
    raised_at = models.DateTimeField(_("raised at"))
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=AlertState.choices, default=AlertState.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["state", "store"], name="audit_alert_state_store"),
            models.Index(fields=["rule", "user", "occurred_at"], name="audit_alert_rule_user"),
        ]

    def __str__(self):
        return f"{self.get_rule_display()} · {self.user or '-'} · {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        from .rules import alert_summary

        return alert_summary(self)
