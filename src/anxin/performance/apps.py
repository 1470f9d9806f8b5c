from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "anxin.performance"
    label = "performance"
    verbose_name = _("Monthly performance")

    def ready(self):
        from anxin.core import home

        home.register_link(
            "performance:month",
            _("Monthly performance"),
            order=40,
            visible=lambda perms, request: home.has_grant(perms, "performance.review.view"),
        )
