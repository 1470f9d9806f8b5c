from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "anxin.backups"
    label = "backups"
    verbose_name = _("Backups")

    def ready(self):
        from anxin.accounts.permissions import VIEW_BACKUPS
        from anxin.core import home

        from . import selectors, tasks  # noqa: F401  (tasks: periodic jobs and the failure hook)

        home.register_link(
            "backups:list",
            _("Backups"),
            order=95,
            visible=lambda perms, request: VIEW_BACKUPS in perms,
        )
        home.register_panel(
            "backups/panel.html",
            context=selectors.health_panel,
            order=90,
            visible=lambda perms, request: VIEW_BACKUPS in perms,
            cache_key=lambda perms, request: (),
        )
