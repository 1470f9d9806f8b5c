from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "anxin.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from django.db.backends.signals import connection_created

        from anxin.core.db import install_sqlite_switches

        from . import checks  # noqa: F401  (registers the settings checks)

        connection_created.connect(install_sqlite_switches, dispatch_uid="anxin_sqlite_switches")
