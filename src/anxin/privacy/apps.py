from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The PIPL duties as records: client rights, sharing, disclosures, incidents, retention."""

    name = "anxin.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        # Privacy: sharing, disclosures, incidents (issue 13). Grants widen the client
        # selectors while they run; the daily jobs are registered with the task queue.
        from anxin.clients.selectors import SHARING_GRANTS

        from . import selectors_sharing, tasks_incidents, tasks_sharing  # noqa: F401

        SHARING_GRANTS["privacy"] = selectors_sharing.SharingGrants
