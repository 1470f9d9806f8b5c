from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "anxin.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        from anxin.accounts.services import OPEN_WORK_HANDLERS
        from anxin.core import home

        from .services import open_work_on_leaving

        home.register_link(
            "attendance:mine",
            _("Attendance: clock in and out, leave"),
            order=15,
            visible=lambda perms, request: home.has_grant(perms, "attendance.attendance.create"),
        )
        home.register_link(
            "attendance:summary",
            _("Monthly attendance summary"),
            order=35,
            visible=lambda perms, request: "attendance.attendance.view:store" in perms,
        )
        OPEN_WORK_HANDLERS["attendance.leave"] = open_work_on_leaving
