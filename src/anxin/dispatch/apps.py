from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "anxin.dispatch"
    label = "dispatch"
    verbose_name = _("On-site jobs")

    def ready(self):
        from anxin.clients.selectors import SERVED_LINKS
        from anxin.core import home
        from anxin.scheduling import services as scheduling

        from . import selectors, services

        scheduling.AVAILABILITY_CHECKS["on-site jobs"] = services.busy_with_jobs
        scheduling.FREE_SLOT_FILTERS["on-site jobs"] = services.job_windows
        SERVED_LINKS["on-site jobs"] = selectors.assigned_to
        home.register_link(
            "dispatch:list",
            _("On-site jobs"),
            order=25,
            visible=lambda perms, request: home.has_grant(perms, "dispatch.job.view"),
        )
