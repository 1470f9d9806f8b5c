"""The in-app inbox: every notification lands here, whatever other channels also carry it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )
    # What kind of event (data, not shown): "clients.health_added", "backups.failed", …
    kind = models.CharField(_("kind"), max_length=60, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True, max_length=2000)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_unread")]

    def __str__(self):
        return self.subject
