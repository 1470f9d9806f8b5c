from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "anxin.delivery"
    label = "delivery"
    verbose_name = _("Service records and follow-up")

    def ready(self):
        from anxin.accounts.permissions import MANAGE_FOLLOW_UPS
        from anxin.accounts.services import OPEN_WORK_HANDLERS
        from anxin.core import home

        from . import approval_kinds, services
        from .panels import record_panel

        home.register_panel(
            "delivery/_home_panel.html",
            context=record_panel,
            order=5,
            visible=lambda perms, request: home.has_grant(perms, "delivery.service.view"),
            # Their tasks: kept until their own next change (closing a task is a POST).
            cache_key=lambda perms, request: home.personal_key(request),
        )
        home.register_link(
            "delivery:service_list",
            _("Service records"),
            order=20,
            visible=lambda perms, request: home.has_grant(perms, "delivery.service.view"),
        )
        home.register_link(
            "delivery:task_list",
            _("Follow-up tasks"),
            order=21,
            visible=lambda perms, request: bool(perms),
        )
        home.register_link(
            "delivery:suggestion_list",
            _("Suggestions to departments"),
            order=22,
            visible=lambda perms, request: MANAGE_FOLLOW_UPS in perms,
        )
        approval_kinds.register_all()
        OPEN_WORK_HANDLERS["delivery.follow_up_tasks"] = services.follow_ups_reassign
