"""The client file's part of a copy and of anonymisation (PRV-6, STO-6; STYLE rule 10)."""

from django.db.models.functions import TruncYear
from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import Client, ClientStatus, Consent, HealthFile, SearchKey, ServiceRecord

CLIENT_FIELDS = [
    "code",
    "name",
    "gender",
    "birth_date",
    "occupation",
    "phone",
    "id_number",
    "address",
    "source",
    "status",
    "general_consent",
    "health_consent",
    "confirmation",
    "signature_name",
    "paper_location",
    "created_at",
]
CONSENT_FIELDS = ["kind", "action", "notice", "channel", "at", "note"]
HEALTH_FIELDS = ["medical_history", "allergies", "conditions", "updated_at"]
SERVICE_FIELDS = ["served_at", "item_name", "amount", "products_sold", "clock_type", "notes"]


def export(client) -> list[registry.Table]:
    tables = [
        registry.table("client", _("Client"), Client, [client], CLIENT_FIELDS),
        registry.table(
            "consents",
            _("Consents"),
            Consent,
            client.consents.select_related("notice").order_by("at", "pk"),
            CONSENT_FIELDS,
        ),
        registry.table(
            "health",
            _("Health file"),
            HealthFile,
            HealthFile.objects.filter(client=client),
            HEALTH_FIELDS,
        ),
        registry.table(
            "services",
            _("Service records"),
            ServiceRecord,
            client.services.order_by("served_at", "pk"),
            SERVICE_FIELDS,
        ),
    ]
    return tables


def anonymise(clients) -> int:
    """Name, contact, ID number, address, signature and the health file go; the code, the
    gender, the birth year, the source, the dates and the amounts stay for the statistics."""
    ids = registry.ids(clients)
    changed = Client.objects.filter(pk__in=ids).update(
        name=registry.ERASED_NAME,
        birth_date=TruncYear("birth_date"),
        occupation="",
        phone="",
        phone_index=None,
        id_number="",
        id_number_index=None,
        address="",
        signature_name="",
        signature_image="",
        general_consent=False,
        health_consent=False,
        status=ClientStatus.WITHDRAWN,
    )
    SearchKey.objects.filter(client_id__in=ids).delete()
    HealthFile.objects.filter(client_id__in=ids).delete()
    Consent.objects.filter(client_id__in=ids).exclude(note="").update(note="")
    ServiceRecord.objects.filter(client_id__in=ids).update(notes="")
    return changed


registry.register(
    "clients",
    label=_("Client file"),
    models=[Client, SearchKey, Consent, HealthFile, ServiceRecord],
    export=export,
    anonymise=anonymise,
    keeps=_(
        "the client's code, gender, birth year and source; the consent history (what, when, "
        "how); the services' dates, items and amounts"
    ),
)
