import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from anxin.audit.services import diff, operation_log, sensitive_fields, use_log
from anxin.core.codes import allocate_code

from .models import Client, HealthFile
from .selectors import RECORD, client_get, require, scoped_clients

CLIENT_FIELDS = ["name", "gender", "birth_date", "occupation", "phone", "id_number", "address"]
HEALTH_FIELDS = ["medical_history", "allergies", "conditions"]


def client_create(*, actor, store, request=None, **data) -> Client:
    """Register a client (the clients module adds consent and duplicate checks)."""
    # Authorise before the transaction: a refused attempt's log entry must not roll back.
    require(actor=actor, store=store, action="create", request=request)
    return _client_create(actor=actor, store=store, request=request, **data)


@transaction.atomic
def _client_create(*, actor, store, request=None, **data) -> Client:
    health = {k: data.pop(k, "") for k in HEALTH_FIELDS}
    fields = {k: data[k] for k in CLIENT_FIELDS if k in data}
    if not fields.get("birth_date"):
        fields["birth_date"] = None
    client = Client(store=store, created_by=actor, updated_by=actor, **fields)
    client.code = "KH00000000"
    client.full_clean(exclude=["code"])
    client.code = allocate_code("KH")
    client.save()
    after = {k: getattr(client, k) for k in CLIENT_FIELDS}
    operation_log(
        actor=actor,
        action="create",
        instance=client,
        changes=diff({}, after, sensitive_fields(Client)),
        request=request,
        store=store,
    )
    if any(health.values()):
        file = HealthFile(client=client, created_by=actor, updated_by=actor, **health)
        file.full_clean()
        file.save()
        operation_log(
            actor=actor,
            action="create",
            instance=file,
            changes=diff({}, health, set(HEALTH_FIELDS)),
            request=request,
            store=store,
        )
    return client


# Lazy: the labels (form choices, spreadsheet headings) follow the language of each request.
EXPORTABLE = {
    "code": (gettext_lazy("code"), None),
    "name": (gettext_lazy("name"), None),
    "gender": (gettext_lazy("gender"), None),
    "birth_date": (gettext_lazy("birth date"), None),
    "occupation": (gettext_lazy("occupation"), None),
    "phone": (gettext_lazy("phone"), "view_contact"),
}


def client_export(
    *, actor, store, fields: list[str], purpose: str = "", request=None
) -> tuple[bytes, int]:
    """An .xlsx of the chosen fields only (SEC-9: minimum fields), logged and flagged."""
    require(actor=actor, store=store, action="export", request=request)
    unknown = [f for f in fields if f not in EXPORTABLE]
    if unknown or not fields:
        raise ValidationError(_("Choose at least one of the offered fields."))
    clients = scoped_clients(actor=actor, store=store, action="export").order_by("code")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("clients")
    sheet.append([str(EXPORTABLE[f][0]) for f in fields])
    count = 0
    for client in clients.iterator():
        row = []
        for f in fields:
            value = getattr(client, f)
            row.append(value.isoformat() if hasattr(value, "isoformat") else value)
        sheet.append(row)
        count += 1
    out = io.BytesIO()
    book.save(out)
    use_log(
        actor=actor,
        action="export",
        record_type=RECORD,
        record_id="*",
        purpose=f"{purpose} [{', '.join(fields)}]".strip(),
        count=count,
        request=request,
        store=store,
    )
    return out.getvalue(), count


EDITABLE = ["name", "gender", "birth_date", "occupation", "phone", "address"]


def client_update(*, actor, store, code: str, request=None, **changes) -> Client:
    """Change basic details. (ID number and health data go through two-person approval.)"""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    client = client_get(actor=actor, store=store, code=code, action="change", request=request)
    with transaction.atomic():
        return _client_update(actor=actor, store=store, client=client, request=request, **changes)


def _client_update(*, actor, store, client, request=None, **changes) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = {k: getattr(client, k) for k in changes}
    for k, v in changes.items():
        setattr(client, k, v)
    client.updated_by = actor
    client.full_clean()
    client.save()
    operation_log(
        actor=actor,
        action="update",
        instance=client,
        changes=diff(before, changes, sensitive_fields(Client)),
        request=request,
        store=store,
    )
    return client


def client_delete(*, actor, store, code: str, request=None) -> None:
    """Delete a client record; no default role may (retention and anonymisation come later)."""
    client = client_get(actor=actor, store=store, code=code, action="delete", request=request)
    with transaction.atomic():
        _client_delete(actor=actor, store=store, client=client, request=request)


def _client_delete(*, actor, store, client, request=None) -> None:
    operation_log(actor=actor, action="delete", instance=client, request=request, store=store)
    client.services.all().delete()
    HealthFile.objects.filter(client=client).delete()
    client.delete()
