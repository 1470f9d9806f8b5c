from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeyState(models.TextChoices):
    ACTIVE = "active", _("Active")  # encrypts new values
    RETIRING = "retiring", _("Retiring")  # values under it are being re-encrypted
    RETIRED = "retired", _("Retired")  # no value uses it any more


class DataKey(models.Model):
    """A data-encryption key (DEK), stored wrapped by the key-encryption key.

    Its id is random (see ``anxin.crypto.keyring``) and is written into every token made with
    it; a retired key is kept, so a value restored from an old backup still decrypts.
    """

    id = models.PositiveIntegerField(primary_key=True)
    wrapped = models.BinaryField(_("wrapped key"))
    state = models.CharField(
        _("state"), max_length=10, choices=KeyState.choices, default=KeyState.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state="active"),
                name="crypto_datakey_one_active",
            )
        ]

    def __str__(self):
        return f"{self.pk} ({self.state})"
