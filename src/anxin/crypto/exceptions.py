"""The errors of the crypto app; importable before Django's app registry is ready."""

from django.utils.translation import gettext_lazy as _


class DecryptionError(Exception):
    """A stored ciphertext failed authentication: altered, damaged, or moved from elsewhere.

    AES-GCM checks every byte, so a changed value never decrypts to garbage: it raises this.
    ``field`` names the column (``table.column``); ``reason`` is a short technical note for
    the log (which check failed), never shown to users.
    """

    message = _(
        "The stored value of %(field)s failed its integrity check: it was changed or damaged "
        "outside Anxin, or it belongs to another record or field. Restore it from a backup."
    )

    def __init__(self, field: str, reason: str = ""):
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        # Formatted when shown, so the message comes out in the language active at that time.
        return str(self.message) % {"field": self.field}
