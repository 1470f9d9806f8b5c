from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "anxin.complaints"
    label = "complaints"
    verbose_name = _("Complaints and whistle-blowing")

    def ready(self):
        from anxin.accounts.permissions import (
            ANALYSE_COMPLAINTS,
            INVESTIGATE_REPORTS,
            VIEW_COMPLAINTS,
        )
        from anxin.core import home
        from anxin.crypto import blind
        from anxin.delivery import services as delivery

        from . import approval_kinds, services

        blind.register_purpose("complaints.reporter", lambda value: str(value).strip())
        approval_kinds.register_all()
        if services.complaint_from_feedback not in delivery.FEEDBACK_SAVED:
            delivery.FEEDBACK_SAVED.append(services.complaint_from_feedback)
        home.register_link(
            "complaints:list",
            _("Complaints"),
            order=70,
            visible=lambda perms, request: VIEW_COMPLAINTS in perms,
        )
        home.register_link(
            "complaints:analysis",
            _("Complaint and feedback analysis"),
            order=71,
            visible=lambda perms, request: ANALYSE_COMPLAINTS in perms,
        )
        home.register_link(
            "complaints:reports",
            _("Whistle-blowing reports"),
            order=72,
            visible=lambda perms, request: INVESTIGATE_REPORTS in perms,
        )
        home.register_link(
            "complaints:report_new",
            _("Report misuse of information"),
            order=73,
            visible=lambda perms, request: bool(perms),
        )
