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
        # Privacy: sharing, disclosures, incidents (issue 13). Grants widen the client
        # selectors while they run; the daily jobs are registered with the task queue.
        from anxin.clients.selectors import SHARING_GRANTS

        from . import selectors_sharing, sharing_hooks, tasks_incidents, tasks_sharing  # noqa: F401

        SHARING_GRANTS["privacy"] = selectors_sharing.SharingGrants

        from anxin.accounts.permissions import (
            GRANT_SHARING,
            MANAGE_INCIDENTS,
            MANAGE_TRANSFERS,
            RECORD_DISCLOSURES,
        )
        from anxin.core import home

        sharing = {GRANT_SHARING, MANAGE_TRANSFERS, RECORD_DISCLOSURES}
        home.register_link(
            "privacy:sharing_home",
            _("Sharing and disclosures"),
            order=80,
            visible=lambda perms, request: bool(sharing & perms),
        )
        home.register_link(
            "privacy:incident_list",
            _("Incidents"),
            order=81,
            visible=lambda perms, request: MANAGE_INCIDENTS in perms,
        )
