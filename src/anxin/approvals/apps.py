from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "anxin.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from anxin.accounts.permissions import APPROVE_CHANGES, MANAGE_ACCOUNTS
        from anxin.core import home

        home.register_link(
            "approvals:inbox",
            _("Changes waiting for approval"),
            order=70,
            visible=lambda perms, request: APPROVE_CHANGES in perms or MANAGE_ACCOUNTS in perms,
        )

        from . import kinds

        kinds.register_all()
