"""Records of backups, their copies per destination, and restores and restore drills."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Result(models.TextChoices):
    RUNNING = "running", _("running")
    OK = "ok", _("good")
    PARTIAL = "partial", _("partial")
    FAILED = "failed", _("failed")


PHASE_LABELS = {
    "database": _("copying the database"),
    "media": _("collecting uploaded files"),
    "archive": _("compressing and encrypting"),
    "verify": _("verifying"),
    "copies": _("writing to the destinations"),
}


RECOVERY_PHASE_LABELS = {
    "verify": _("checking the file's SHA-256"),
    "archive": _("decrypting and checking the parts"),
    "database": _("restoring into a new database and checking it"),
    "copies": _("switching over"),
}


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("schedule")
    OPERATOR = "operator", _("operator")


class Operation(models.Model):
    """What a backup, a restore and a drill have in common: who, when, how far, how it went."""

    PHASES: dict = PHASE_LABELS

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(
        _("result"), max_length=10, choices=Result.choices, default=Result.RUNNING
    )
    reason = models.TextField(_("reason"), blank=True)
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    class Meta:
        abstract = True
        ordering = ["-started_at", "-id"]

    @property
    def done(self) -> bool:
        return self.result != Result.RUNNING

    @property
    def phase_label(self):
        return self.PHASES.get(self.phase, self.phase)


class Backup(Operation):
    """One backup (STO-4): what it holds, where it went, and how it went."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    content = models.JSONField(_("content"), default=dict, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta(Operation.Meta):
        verbose_name = _("backup")
        verbose_name_plural = _("backups")

    def __str__(self):
        return self.name


class BackupCopy(models.Model):
    """Where one backup was written, and whether that destination took it."""

    backup = models.ForeignKey(Backup, on_delete=models.CASCADE, related_name="copies")
    destination = models.CharField(_("destination"), max_length=500)
    location = models.CharField(_("location"), max_length=1000, blank=True)
    ok = models.BooleanField(_("written"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["backup", "id"]
        verbose_name = _("backup copy")
        verbose_name_plural = _("backup copies")

    def __str__(self):
        return f"{self.backup} → {self.destination}"


class RecoveryKind(models.TextChoices):
    DRILL = "drill", _("restore drill")
    RESTORE = "restore", _("restore")


class Recovery(Operation):
    """A restore drill into a scratch database, or a real restore (STO-5)."""

    PHASES = RECOVERY_PHASE_LABELS

    token = models.CharField(max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RecoveryKind.choices)
    backup_name = models.CharField(_("backup"), max_length=80, blank=True)
    checks = models.JSONField(_("checks"), default=dict, blank=True)

    class Meta(Operation.Meta):
        verbose_name = _("restore or drill")
        verbose_name_plural = _("restores and drills")

    def __str__(self):
        return f"{self.get_kind_display()} {self.backup_name}"
