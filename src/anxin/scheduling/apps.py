from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "anxin.scheduling"
    label = "scheduling"
    verbose_name = _("Appointments and the rotation queue")

    def ready(self):
        from anxin.clients.selectors import SERVED_LINKS
        from anxin.core import codes, home

        from . import selectors
        from .models import Appointment

        SERVED_LINKS["appointments"] = selectors.booked_with

        from anxin.attendance import hooks

        from . import integrations, services

        services.AVAILABILITY_CHECKS["attendance"] = integrations.attendance_check
        services.FREE_SLOT_FILTERS["attendance"] = integrations.attendance_windows
        hooks.register_booking_lookup(integrations.bookings_of)

        home.register_link(
            "scheduling:day",
            _("Appointments"),
            order=20,
            visible=lambda perms, request: home.has_grant(perms, "scheduling.appointment.view"),
        )
        home.register_link(
            "scheduling:queue",
            _("Rotation queue"),
            order=21,
            visible=lambda perms, request: home.has_grant(perms, "scheduling.queue.view"),
        )
        codes.register(
            "YY",
            Appointment,
            "scheduling:detail",
            lambda user, obj, store: (
                selectors.scoped_appointments(actor=user, store=store).filter(pk=obj.pk).exists()
            ),
        )
