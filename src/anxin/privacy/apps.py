from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The PIPL duties as records: client rights, sharing, disclosures, incidents, retention."""

    name = "anxin.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from .rights_setup import ready as rights_ready

        rights_ready()
