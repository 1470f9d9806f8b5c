from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.crypto.fields import EncryptedTextField


class ImportJob(models.Model):
    """One upload being checked and imported. The file itself is kept encrypted only until the
    job ends (it holds personal data), then erased."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to start")
        CHECKING = "checking", _("checking the rows")
        SAVING = "saving", _("saving")
        DONE = "done", _("imported")
        FAILED = "failed", _("not imported")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    importer = models.CharField(_("import of"), max_length=40)
    filename = models.CharField(_("file"), max_length=200)
    language = models.CharField(max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows checked"), default=0)
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "message"}], capped
    message = models.TextField(blank=True)  # a file-level problem
    content = EncryptedTextField(blank=True)  # base64 of the upload, erased when the job ends
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.importer} {self.pk}"

    @property
    def running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.CHECKING, self.Status.SAVING}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
