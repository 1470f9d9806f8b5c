import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.names import person_name
from anxin.accounts.policy import Scope, grant
from anxin.audit.services import diff, operation_log, sensitive_fields, use_log
from anxin.core.codes import allocate_code
from anxin.core.spreadsheets import XlsxWriter
from anxin.notifications.services import notify_holders

from .models import (
    Channel,
    Client,
    ClientStatus,
    Confirmation,
    Consent,
    HealthFile,
    PrivacyNotice,
    SearchKey,
    StoreClientSettings,
)
from .notice import notice_current
from .pinyin import name_keys
from .selectors import RECORD, client_get, require, scoped_clients

CLIENT_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "occupation",
    "phone",
    "id_number",
    "address",
    "source",
]
HEALTH_FIELDS = ["medical_history", "allergies", "conditions"]


@dataclass
class ConsentGiven:
    """What the client agreed to at registration, and how they confirmed it (CLI-1, PRV-1)."""

    health: bool = False
    channel: str = Channel.IN_STORE
    notice: PrivacyNotice | None = None  # None: the notice in force today
    confirmation: str = Confirmation.PAPER
    signature_name: str = ""
    signature_image: str = ""
    paper_location: str = ""
    at: dt.datetime | None = None


class DuplicateClient(ValidationError):
    """The phone or ID number is already registered; ``existing`` is the client when the person
    registering may see that record, else None (the message then reveals nothing)."""

    def __init__(self, errors: dict, existing: Client | None):
        super().__init__(errors)
        self.existing = existing


def find_duplicates(*, store, phone: str = "", id_number: str = "", exclude=None) -> dict:
    """{"phone"|"id_number": client} for values already registered in this store (blind index)."""
    found = {}
    for field, value in (("phone", phone), ("id_number", id_number)):
        if not value:
            continue
        qs = Client.objects.filter(store=store, **{f"{field}_index__matches": value})
        if exclude is not None:
            qs = qs.exclude(pk=exclude.pk)
        other = qs.order_by("code").first()
        if other is not None:
            found[field] = other
    return found


def duplicate_error(*, actor, store, found: dict) -> DuplicateClient:
    visible = set(
        scoped_clients(actor=actor, store=store)
        .filter(pk__in=[c.pk for c in found.values()])
        .values_list("pk", flat=True)
    )
    errors, existing = {}, None
    labels = {"phone": _("phone number"), "id_number": _("ID number")}
    for field, other in found.items():
        if other.pk in visible:
            existing = existing or other
            errors[field] = _("This %(what)s is already registered for client %(code)s.") % {
                "what": labels[field],
                "code": other.code,
            }
        else:
            errors[field] = _(
                "This %(what)s is already registered for another client. Ask the store "
                "manager to look it up."
            ) % {"what": labels[field]}
    return DuplicateClient(errors, existing)


def client_create(
    *, actor, store, request=None, consent: ConsentGiven | None = None, **data
) -> Client:
    """Register a client (CLI-1): with the consent given under the privacy notice in force.

    The registration form and the import always pass ``consent`` (general consent is the
    condition for storing anything). ``consent=None`` is for internal callers that create a bare
    record (tests, fixtures); such a client has no consent on file, may hold no health data, and
    is listed on the data-quality page until the consent is recorded.
    """
    # Authorise before the transaction: a refused attempt's log entry must not roll back.
    require(actor=actor, store=store, action="create", request=request)
    return _client_create(actor=actor, store=store, request=request, consent=consent, **data)


@transaction.atomic
def _client_create(*, actor, store, request=None, consent=None, **data) -> Client:
    health = {k: data.pop(k, "") or "" for k in HEALTH_FIELDS}
    fields = {k: data[k] for k in CLIENT_FIELDS if k in data}
    if not fields.get("birth_date"):
        fields["birth_date"] = None
    if any(health.values()) and not (consent and consent.health):
        raise ValidationError(
            {
                "health_consent": _(
                    "Health information can be recorded only with the client's separate "
                    "consent to the processing of health data."
                )
            }
        )
    found = find_duplicates(
        store=store, phone=fields.get("phone", ""), id_number=fields.get("id_number", "")
    )
    if found:
        raise duplicate_error(actor=actor, store=store, found=found)
    client = Client(store=store, created_by=actor, updated_by=actor, **fields)
    review = StoreClientSettings.for_store(store).review_new_clients
    client.status = ClientStatus.PENDING if review else ClientStatus.ACTIVE
    notice = None
    if consent is not None:
        notice = consent.notice or notice_current()
        if notice is None:
            raise ValidationError(
                _("No privacy notice is in force; the administrator must add one.")
            )
        client.general_consent = True
        client.health_consent = consent.health
        client.confirmation = consent.confirmation
        client.signature_name = consent.signature_name
        client.signature_image = consent.signature_image
        client.paper_location = consent.paper_location
    client.code = "KH00000000"
    client.full_clean(exclude=["code"])
    client.code = allocate_code("KH")
    client.save()
    SearchKey.objects.bulk_create(
        [SearchKey(client=client, store=store, key=k) for k in name_keys(client.name)]
    )
    after = {k: getattr(client, k) for k in CLIENT_FIELDS}
    after.update(status=client.status, health_consent=client.health_consent)
    operation_log(
        actor=actor,
        action="create",
        instance=client,
        changes=diff({}, after, sensitive_fields(Client)),
        request=request,
        store=store,
    )
    if consent is not None:
        at = consent.at or timezone.now()
        Consent.objects.bulk_create(
            Consent.given(client, notice=notice, channel=consent.channel, at=at, witness=actor)
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
    if client.status == ClientStatus.PENDING:
        transaction.on_commit(lambda: _notify_review(store=store, client=client, actor=actor))
    return client


def _notify_review(*, store, client, actor) -> None:
    notify_holders(
        store=store,
        permission=grant(RECORD, "approve", Scope.STORE),
        subject=_("New client %(code)s waits for your review") % {"code": client.code},
        url=reverse("clients:detail", args=[client.code]),
        kind="clients.review",
        exclude=actor,
    )


def client_review(*, actor, store, code: str, request=None) -> Client:
    """A supervisor activates a client registered while review is on (CLI-2); not their own."""
    require(actor=actor, store=store, action="approve", request=request, record_id=code)
    client = client_get(actor=actor, store=store, code=code, action="approve", request=request)
    if client.status != ClientStatus.PENDING:
        raise ValidationError(_("This client is not waiting for review."))
    if client.created_by_id == actor.pk:
        raise ValidationError(_("Someone else must review a client you registered."))
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        client.status = ClientStatus.ACTIVE
        client.reviewed_by = actor
        client.reviewed_at = timezone.now()
        client.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        operation_log(
            actor=actor,
            action="review",
            instance=client,
            changes={"status": [ClientStatus.PENDING, ClientStatus.ACTIVE]},
            request=request,
            store=store,
        )
    return client


def consent_change(
    *,
    actor,
    store,
    code: str,
    kind: str,
    action: str,
    channel: str = Channel.IN_STORE,
    note: str = "",
    request=None,
) -> Client:
    """Record a consent given later or withdrawn (PRV-1) and honour it at once.

    Withdrawing the health consent closes the health file (it is no longer shown or changed);
    withdrawing the general consent also withdraws the health consent and marks the client
    withdrawn: the record leaves search and lists, and no service may be recorded.
    """
    # A consent to a named recipient is recorded through privacy (it names the recipient).
    kinds_here = (Consent.Kind.GENERAL, Consent.Kind.HEALTH)
    if kind not in kinds_here or action not in Consent.Action.values:
        raise ValidationError(_("Unknown consent."))
    client = client_get(actor=actor, store=store, code=code, action="change", request=request)
    notice = notice_current()
    if notice is None:
        raise ValidationError(_("No privacy notice is in force; the administrator must add one."))
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        before = {
            "general_consent": client.general_consent,
            "health_consent": client.health_consent,
        }
        before["status"] = client.status
        kinds = [kind]
        if action == Consent.Action.GRANT:
            if kind == Consent.Kind.HEALTH and not client.general_consent:
                raise ValidationError(_("The general consent must be given first."))
            setattr(client, f"{kind}_consent", True)
            if kind == Consent.Kind.GENERAL and client.status == ClientStatus.WITHDRAWN:
                client.status = ClientStatus.ACTIVE
        else:
            if kind == Consent.Kind.GENERAL:
                kinds = [Consent.Kind.GENERAL] + (
                    [Consent.Kind.HEALTH] if client.health_consent else []
                )
                client.general_consent = False
                client.health_consent = False
                client.status = ClientStatus.WITHDRAWN
            else:
                client.health_consent = False
        client.updated_by = actor
        client.save()
        Consent.objects.bulk_create(
            [
                Consent(
                    client=client,
                    kind=k,
                    action=action,
                    notice=notice,
                    channel=channel,
                    witness=actor,
                    note=note[:200],
                )
                for k in kinds
            ]
        )
        after = {"general_consent": client.general_consent, "health_consent": client.health_consent}
        after["status"] = client.status
        operation_log(
            actor=actor,
            action=f"consent_{action}",
            instance=client,
            changes=diff(before, after),
            reason=note,
            request=request,
            store=store,
        )
    return client


HEALTH_LABELS = {
    "medical_history": gettext_lazy("medical history"),
    "allergies": gettext_lazy("allergies"),
    "conditions": gettext_lazy("special conditions"),
}


def health_add(*, actor, store, code: str, field: str, text: str, request=None) -> HealthFile:
    """A practitioner adds what they learned during a service to the health file (CLI-3).

    Adding is direct (logged, the front desk is told): it appends a dated line and destroys
    nothing. Correcting or removing what is there goes through two-person approval
    (``clients.health_file``). Refused when the client has not consented to health data.
    """
    if field not in HEALTH_FIELDS:
        raise ValidationError({"field": _("Choose what kind of information this is.")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what you learned.")})
    client = client_get(actor=actor, store=store, code=code, action="view_health", request=request)
    if not client.health_open:
        raise ValidationError(
            _("The client has not consented to health data: the health file is closed.")
        )
    with transaction.atomic():
        file, _created = HealthFile.objects.select_for_update().get_or_create(
            client=client, defaults={"created_by": actor, "updated_by": actor}
        )
        stamp = f"[{timezone.localdate():%Y-%m-%d} {person_name(actor, store)}]"
        current = getattr(file, field) or ""
        line = f"{stamp} {text}"
        setattr(file, field, f"{current}\n{line}" if current else line)
        file.updated_by = actor
        file.full_clean()
        file.save()
        operation_log(
            actor=actor,
            action="health_add",
            instance=file,
            changes={field: ["", "(added)"]},
            sensitive=set(HEALTH_FIELDS),
            request=request,
            store=store,
        )
        transaction.on_commit(
            lambda: notify_holders(
                store=store,
                permission=grant(RECORD, "create", Scope.STORE),
                subject=_("New health information for client %(code)s (%(what)s)")
                % {"code": client.code, "what": HEALTH_LABELS[field]},
                url=reverse("clients:detail", args=[client.code]),
                kind="clients.health_added",
                exclude=actor,
            )
        )
    return file


def settings_update(*, actor, store, review_new_clients: bool, request=None):
    require(actor=actor, store=store, action="approve", request=request, record_id="settings")
    with transaction.atomic():
        settings_row, _created = StoreClientSettings.objects.get_or_create(store=store)
        before = settings_row.review_new_clients
        settings_row.review_new_clients = review_new_clients
        settings_row.save()
        operation_log(
            actor=actor,
            action="update",
            instance=settings_row,
            changes={"review_new_clients": [before, review_new_clients]},
            request=request,
            store=store,
        )
    return settings_row


# Lazy: the labels (form choices, spreadsheet headings) follow the language of each request.
EXPORTABLE = {
    "code": (gettext_lazy("code"), None),
    "name": (gettext_lazy("full name"), None),
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
    book = XlsxWriter()
    sheet = book.sheet("clients")
    sheet.append([str(EXPORTABLE[f][0]) for f in fields])
    count = 0
    for client in clients.iterator():
        row = []
        for f in fields:
            value = getattr(client, f)
            row.append(value.isoformat() if hasattr(value, "isoformat") else value)
        sheet.append(row)
        count += 1
    content = book.to_bytes()
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
    return content, count


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
    if "phone" in changes:
        found = find_duplicates(store=store, phone=client.phone, exclude=client)
        if found:
            raise duplicate_error(actor=actor, store=store, found=found)
    client.save()
    if "name" in changes:
        SearchKey.objects.filter(client=client).delete()
        SearchKey.objects.bulk_create(
            [SearchKey(client=client, store=store, key=k) for k in name_keys(client.name)]
        )
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
