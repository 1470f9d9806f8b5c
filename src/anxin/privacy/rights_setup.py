"""Start-up of the client-rights and retention part (PRV-6, STO-6)."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from anxin.accounts.permissions import (
        HANDLE_RIGHTS_REQUESTS,
        MANAGE_RETENTION,
        OPEN_RIGHTS_REQUESTS,
    )
    from anxin.backups.services import register_after_restore
    from anxin.core import home

    from . import registry, rights_hooks, rights_tasks  # noqa: F401  (registrations, schedule)
    from .erasure import reapply
    from .rights_services import register_correction_kind

    registry.autodiscover()
    register_correction_kind()
    register_after_restore(reapply)
    home.register_link(
        "privacy:requests",
        _("Clients' requests about their data"),
        order=85,
        visible=lambda perms, request: bool(perms & {OPEN_RIGHTS_REQUESTS, HANDLE_RIGHTS_REQUESTS}),
    )
    home.register_link(
        "privacy:retention",
        _("Retention"),
        order=86,
        visible=lambda perms, request: MANAGE_RETENTION in perms,
    )
