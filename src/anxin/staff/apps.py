from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "anxin.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self):
        from anxin.core import codes, home

        from . import approval_kinds, selectors
        from .models import StaffMember

        home.register_link(
            "staff:list",
            _("Staff files"),
            order=30,
            visible=lambda perms, request: home.has_grant(perms, "staff.staff.view"),
        )
        codes.register("MS", StaffMember, "staff:by_code", selectors.can_open_by_code)
        approval_kinds.register_all()
