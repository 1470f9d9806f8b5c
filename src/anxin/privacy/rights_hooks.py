"""The privacy app's own part: the client's requests, objections and legal holds."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry
from .models import LegalHold, Objection, RightsRequest


def export(client) -> list[registry.Table]:
    return [
        registry.table(
            "requests",
            gettext_lazy("Requests about the data"),
            RightsRequest,
            client.rights_requests.order_by("received_on", "pk"),
            ["kind", "received_on", "due_on", "status", "details", "answer"],
        ),
        registry.table(
            "objections",
            gettext_lazy("Objections"),
            Objection,
            client.objections.order_by("since"),
            ["use", "since"],
        ),
    ]


def anonymise(clients) -> int:
    ids = registry.ids(clients)
    return RightsRequest.objects.filter(client_id__in=ids).update(details="", answer="")


def manual_holds(clients) -> dict:
    found: dict = {}
    holds = LegalHold.objects.filter(client_id__in=registry.ids(clients), released_at__isnull=True)
    for hold in holds:
        found.setdefault(hold.client_id, []).append(
            _("Legal hold: %(reason)s") % {"reason": hold.reason}
        )
    return found


registry.register(
    "privacy",
    label=gettext_lazy("Requests and objections"),
    models=[RightsRequest, Objection, LegalHold],
    export=export,
    anonymise=anonymise,
    keeps=gettext_lazy(
        "the requests' kinds, dates and states, the objections, and the record of the "
        "anonymisation itself"
    ),
)
registry.register_hold("privacy.legal_hold", manual_holds)
