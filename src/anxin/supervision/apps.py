from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "anxin.supervision"
    label = "supervision"
    verbose_name = _("Supervision: internal audits and KPIs")

    def ready(self):
        from anxin.accounts.permissions import RUN_AUDITS, VIEW_AUDITS
        from anxin.core import home

        from . import tasks  # noqa: F401  (periodic jobs)

        home.register_link(
            "supervision:audits",
            _("Internal audits"),
            order=85,
            visible=lambda perms, request: bool({RUN_AUDITS, VIEW_AUDITS} & perms),
        )
        home.register_link(
            "supervision:kpis",
            _("Information-management KPIs"),
            order=42,
            visible=lambda perms, request: "supervision.kpi.view:store" in perms,
        )
        home.register_link(
            "supervision:my_kpis",
            _("My KPIs"),
            order=43,
            visible=lambda perms, request: home.has_grant(perms, "supervision.kpi.view"),
        )
