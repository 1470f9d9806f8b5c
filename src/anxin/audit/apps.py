from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "anxin.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from anxin.accounts.permissions import VIEW_ALERTS
        from anxin.core import home

        for order, (url_name, label) in enumerate(
            [
                ("audit:alert_list", _("Alerts")),
                ("audit:operation_list", _("Operation log")),
                ("audit:use_list", _("Use log")),
            ],
            start=90,
        ):
            home.register_link(
                url_name, label, order=order, visible=lambda perms, request: VIEW_ALERTS in perms
            )

        from django.db.backends.signals import connection_created

        from anxin.core.db import install_sqlite_switches

        from . import checks  # noqa: F401  (registers the settings checks)

        connection_created.connect(install_sqlite_switches, dispatch_uid="anxin_sqlite_switches")
