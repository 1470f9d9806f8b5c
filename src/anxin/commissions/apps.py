from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "anxin.commissions"
    label = "commissions"
    verbose_name = _("Commissions")

    def ready(self):
        from anxin.accounts.permissions import MANAGE_COMMISSIONS
        from anxin.core import home

        home.register_link(
            "commissions:month",
            _("Commissions"),
            order=28,
            visible=lambda perms, request: home.has_grant(perms, "commissions.commission.view"),
        )
        home.register_link(
            "commissions:rules",
            _("Commission rules"),
            order=29,
            visible=lambda perms, request: MANAGE_COMMISSIONS in perms,
        )
