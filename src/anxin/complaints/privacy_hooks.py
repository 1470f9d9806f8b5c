"""Complaints made by a client in their copy and in their anonymisation (PRV-6, STO-6)."""

from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import Complaint, ComplaintStep


def export(client) -> list[registry.Table]:
    return [
        registry.table(
            "complaints",
            _("Complaints"),
            Complaint,
            Complaint.objects.filter(client=client).order_by("received_at", "pk"),
            ["reference", "received_at", "channel", "subject", "description", "state"],
        )
    ]


def anonymise(clients) -> int:
    ids = registry.ids(clients)
    n = Complaint.objects.filter(client_id__in=ids).update(
        description=registry.ERASED_TEXT, contact_name="", contact_phone=""
    )
    n += ComplaintStep.objects.filter(complaint__client_id__in=ids).exclude(note="").update(note="")
    return n


registry.register(
    "complaints",
    label=_("Complaints"),
    models=[Complaint, ComplaintStep],
    export=export,
    anonymise=anonymise,
    keeps=_("the complaints' reference numbers, dates, channels, subjects and states"),
)
