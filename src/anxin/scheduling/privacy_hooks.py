"""Appointments in a client's copy and anonymisation; a booking still to come holds deletion."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.privacy import registry

from .models import Appointment, Status

FIELDS = ["code", "start", "end", "item_name", "status", "clock_type", "reason"]


def export(client) -> list[registry.Table]:
    return [
        registry.table(
            "appointments",
            gettext_lazy("Appointments"),
            Appointment,
            client.appointments.order_by("start", "pk"),
            FIELDS,
        )
    ]


def anonymise(clients) -> int:
    return (
        Appointment.objects.filter(client_id__in=registry.ids(clients))
        .exclude(reason="")
        .update(reason="")
    )


def booked_ahead(clients) -> dict:
    upcoming = Appointment.objects.filter(
        client_id__in=registry.ids(clients),
        status__in=[Status.BOOKED, Status.IN_SERVICE],
        end__gte=timezone.now(),
    ).order_by("start")
    found: dict = {}
    for appointment in upcoming:
        found.setdefault(appointment.client_id, []).append(
            _("Appointment %(code)s on %(when)s is still booked: cancel it first.")
            % {
                "code": appointment.code,
                "when": timezone.localtime(appointment.start).strftime("%Y-%m-%d %H:%M"),
            }
        )
    return found


registry.register(
    "scheduling",
    label=gettext_lazy("Appointments"),
    models=[Appointment],
    export=export,
    anonymise=anonymise,
    keeps=gettext_lazy("the appointments' codes, times, items and states"),
)
registry.register_hold("scheduling.booked", booked_ahead)
