"""Sharing, transfers, disclosures and incident notices in a client's copy (PRV-3..PRV-7).

These records say who received the client's data, on what basis and when: the client has a right
to know it (PIPL Art. 44, 45), so the copy lists them. They are evidence, append-only in the
database, and are never anonymised; they hold no personal data of the client beyond the link.
"""

from django.utils.translation import gettext_lazy

from . import registry
from .models import (
    AffectedClient,
    Disclosure,
    DisclosureClient,
    GrantClient,
    IncidentNotice,
    SharingGrant,
    Transfer,
    TransferClient,
)


def export(client) -> list[registry.Table]:
    return [
        registry.table(
            "sharing_grants",
            gettext_lazy("Shared inside the business"),
            SharingGrant,
            SharingGrant.objects.filter(client_rows__client=client).order_by("starts_at", "pk"),
            ["purpose", "scope", "starts_at", "ends_at"],
        ),
        registry.table(
            "transfers",
            gettext_lazy("Sent to partners"),
            Transfer,
            Transfer.objects.filter(client_rows__client=client)
            .select_related("partner")
            .order_by("sent_at", "pk"),
            ["partner", "legal_basis", "purpose", "channel", "sent_at"],
        ),
        registry.table(
            "disclosures",
            gettext_lazy("Disclosed to authorities"),
            Disclosure,
            Disclosure.objects.filter(client_rows__client=client).order_by("disclosed_at", "pk"),
            ["document_type", "document_number", "issuing_body", "recipient", "disclosed_at"],
        ),
        registry.table(
            "incident_notices",
            gettext_lazy("Notices about incidents"),
            IncidentNotice,
            IncidentNotice.objects.filter(client=client)
            .select_related("incident")
            .order_by("sent_at", "pk"),
            ["incident", "channel", "sent_at", "delivered"],
        ),
    ]


registry.register(
    "privacy.sharing",
    label=gettext_lazy("Sharing, transfers, disclosures and incident notices"),
    models=[GrantClient, TransferClient, DisclosureClient, AffectedClient, IncidentNotice],
    export=export,
    evidence=True,
    keeps=gettext_lazy(
        "every record of who received the client's data, on what basis and when: it is "
        "evidence, kept as written"
    ),
)
