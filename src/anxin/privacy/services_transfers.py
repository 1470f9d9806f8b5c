"""Writes of external transfers (PRV-4); disclosures to authorities are in ``services_disclosures``.

A transfer needs an agreement with the recipient in force on the day; sensitive data (health
file, ID number) also the client's separate written consent for that recipient (a
``clients.Consent`` of kind ``transfer`` naming the partner). The file sent is produced here,
with the chosen fields only; its SHA-256 is kept, the file itself is handed over, not stored.
Transfers and disclosures are append-only: a correction is a new record naming the old one.
Every client in one is logged as a use ("share" / "disclose"), so it shows in the client's
access report and can be found again from the log.
"""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.permissions import MANAGE_TRANSFERS
from anxin.audit.models import UseOutcome
from anxin.audit.services import operation_log, use_log
from anxin.clients.models import Client, ClientStatus, Consent, HealthFile
from anxin.clients.notice import notice_current
from anxin.core.spreadsheets import XlsxWriter

from .documents import document_store
from .models import (
    AgreementKind,
    LegalBasis,
    Partner,
    PartnerAgreement,
    Transfer,
    TransferChannel,
    TransferClient,
)

# The fields a transfer or disclosure may carry: key -> (label, sensitive personal information).
FIELDS = {
    "code": (gettext_lazy("code"), False),
    "name": (gettext_lazy("full name"), False),
    "gender": (gettext_lazy("gender"), False),
    "birth_date": (gettext_lazy("birth date"), False),
    "occupation": (gettext_lazy("occupation"), False),
    "phone": (gettext_lazy("phone"), False),
    "address": (gettext_lazy("address"), False),
    "id_number": (gettext_lazy("ID number"), True),
    "medical_history": (gettext_lazy("medical history"), True),
    "allergies": (gettext_lazy("allergies"), True),
    "conditions": (gettext_lazy("special conditions"), True),
}
HEALTH = ("medical_history", "allergies", "conditions")
SENSITIVE = frozenset(k for k, (_label, sensitive) in FIELDS.items() if sensitive)


def field_label(key: str) -> str:
    return str(FIELDS[key][0]) if key in FIELDS else key


def require_perm(*, actor, store, perm: str, record_type: str, action: str, request=None):
    if store is None or actor is None or not actor.has_store_perm(perm, store):
        use_log(
            actor=actor,
            action=action,
            record_type=record_type,
            record_id="*",
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise PermissionDenied


def clients_by_code(store, codes, *, field="clients") -> list[Client]:
    codes = sorted({c.strip().upper() for c in codes if c and c.strip()})
    if not codes:
        raise ValidationError({field: _("Name at least one client by code.")})
    found = list(Client.objects.filter(store=store, code__in=codes).order_by("code"))
    missing = sorted(set(codes) - {c.code for c in found})
    if missing:
        raise ValidationError(
            {
                field: _("No client of this store has the code %(codes)s.")
                % {"codes": "、".join(missing)}
            }
        )
    return found


def chosen_fields(fields) -> list[str]:
    chosen = [f for f in FIELDS if f in set(fields or ())]
    if not chosen or len(chosen) != len(set(fields)):
        raise ValidationError({"fields": _("Choose at least one of the offered fields.")})
    return chosen


# -- partners, agreements, consents --------------------------------------------------------------


def partner_create(*, actor, store, name: str, contact: str = "", request=None) -> Partner:
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="privacy.partner",
        action="create", request=request,
    )  # fmt: skip
    name = (name or "").strip()
    if Partner.objects.filter(store=store, name=name).exists():
        raise ValidationError({"name": _("A partner of this name is on file already.")})
    with transaction.atomic():
        partner = Partner(store=store, name=name, contact=(contact or "").strip())
        partner.full_clean()
        partner.save()
        operation_log(
            actor=actor,
            action="create",
            instance=partner,
            changes={"name": {"before": None, "after": partner.name}},
            request=request,
            store=store,
        )
    return partner


def agreement_add(
    *,
    actor,
    store,
    partner: Partner,
    kind: str,
    valid_from,
    valid_until,
    upload=None,
    location: str = "",
    request=None,
) -> PartnerAgreement:
    """Put a signed confidentiality or data-processing agreement with a partner on file."""
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="privacy.partner",
        action="change", request=request,
    )  # fmt: skip
    if partner.store_id != store.pk:
        raise PermissionDenied
    errors = {}
    if kind not in AgreementKind.values:
        errors["kind"] = [_("Choose the kind of agreement.")]
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = [_("The agreement cannot end before it starts.")]
    if upload is None and not (location or "").strip():
        errors["document"] = [
            _("Attach the signed agreement or say where the paper copy is archived.")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        document = document_store(actor=actor, upload=upload, field="document") if upload else None
        agreement = PartnerAgreement(
            partner=partner,
            kind=kind,
            valid_from=valid_from,
            valid_until=valid_until,
            document=document,
            location=(location or "").strip(),
            recorded_by=actor,
        )
        agreement.full_clean()
        agreement.save()
        operation_log(
            actor=actor,
            action="create",
            instance=agreement,
            changes={
                "partner": {"before": None, "after": partner.pk},
                "kind": {"before": None, "after": kind},
                "valid_from": {"before": None, "after": valid_from},
                "valid_until": {"before": None, "after": valid_until},
            },
            request=request,
            store=store,
        )
    return agreement


def agreement_in_force(partner: Partner, on=None) -> PartnerAgreement | None:
    on = on or timezone.localdate()
    return (
        PartnerAgreement.objects.filter(partner=partner, valid_from__lte=on, valid_until__gte=on)
        .order_by("-valid_until", "-pk")
        .first()
    )


def consented_to(partner: Partner, clients) -> set[int]:
    """The ids of the clients whose latest consent for this recipient is a consent given."""
    latest: dict[int, str] = {}
    rows = (
        Consent.objects.filter(
            kind=Consent.Kind.TRANSFER, recipient=partner, client__in=[c.pk for c in clients]
        )
        .order_by("client_id", "-at", "-pk")
        .values_list("client_id", "action")
    )
    for client_id, action in rows:
        latest.setdefault(client_id, action)
    return {pk for pk, action in latest.items() if action == Consent.Action.GRANT}


def transfer_consent_record(
    *,
    actor,
    store,
    partner: Partner,
    client_code: str,
    action: str = Consent.Action.GRANT,
    channel: str = "paper",
    note: str = "",
    request=None,
) -> Consent:
    """Record a client's separate written consent (or its withdrawal) to this recipient."""
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="clients.client",
        action="change", request=request,
    )  # fmt: skip
    if partner.store_id != store.pk:
        raise PermissionDenied
    if action not in Consent.Action.values:
        raise ValidationError({"action": _("Choose whether the consent is given or withdrawn.")})
    (client,) = clients_by_code(store, [client_code], field="client")
    notice = notice_current()
    if notice is None:
        raise ValidationError(_("No privacy notice is in force; the administrator must add one."))
    with transaction.atomic():
        consent = Consent(
            client=client,
            kind=Consent.Kind.TRANSFER,
            action=action,
            notice=notice,
            channel=channel,
            witness=actor,
            note=(note or "")[:200],
            recipient=partner,
        )
        consent.full_clean()
        consent.save()
        operation_log(
            actor=actor,
            action=f"consent_{action}",
            instance=client,
            changes={"transfer_consent": {"before": None, "after": f"{action}:{partner.pk}"}},
            reason=note,
            request=request,
            store=store,
        )
    return consent


# -- transfers ---------------------------------------------------------------------------------


def _transfer_file(clients: list[Client], fields: list[str]) -> bytes:
    """The file for the recipient: the chosen fields of the chosen clients, nothing more."""
    health = {}
    if any(f in HEALTH for f in fields):
        health = {h.client_id: h for h in HealthFile.objects.filter(client__in=clients)}
    book = XlsxWriter()
    sheet = book.sheet("clients")
    sheet.append([field_label(f) for f in fields])
    for client in clients:
        row = []
        for f in fields:
            source = health.get(client.pk) if f in HEALTH else client
            value = getattr(source, f, "") if source is not None else ""
            if f == "gender":
                value = client.get_gender_display()
            row.append(value.isoformat() if hasattr(value, "isoformat") else value)
        sheet.append(row)
    return book.to_bytes()


def transfer_create(
    *,
    actor,
    store,
    partner: Partner,
    legal_basis: str,
    purpose: str,
    fields,
    client_codes,
    channel: str,
    note: str = "",
    request=None,
) -> tuple[Transfer, bytes]:
    """Send client data to a partner (PRV-4): checks, the file, the record; (record, file)."""
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="privacy.transfer",
        action="share", request=request,
    )  # fmt: skip
    if partner.store_id != store.pk:
        raise PermissionDenied
    agreement = agreement_in_force(partner)
    if agreement is None:
        raise ValidationError(
            {
                "partner": _(
                    "No confidentiality or data-processing agreement with %(partner)s is in "
                    "force today: put a signed one on file before sending any client data."
                )
                % {"partner": partner.name}
            }
        )
    errors = {}
    if legal_basis not in LegalBasis.values:
        errors["legal_basis"] = [_("Choose the legal basis of the transfer.")]
    if channel not in TransferChannel.values:
        errors["channel"] = [_("Choose how the file is handed over.")]
    if not (purpose or "").strip():
        errors["purpose"] = [_("Say what the data is sent for.")]
    if errors:
        raise ValidationError(errors)
    fields = chosen_fields(fields)
    clients = clients_by_code(store, client_codes)
    withdrawn = [c.code for c in clients if c.status == ClientStatus.WITHDRAWN]
    if withdrawn:
        raise ValidationError(
            {
                "clients": _("These clients withdrew their consent: %(codes)s.")
                % {"codes": "、".join(withdrawn)}
            }
        )
    sensitive = [f for f in fields if f in SENSITIVE]
    if sensitive:
        ok = consented_to(partner, clients)
        if any(f in HEALTH for f in sensitive):
            ok &= {c.pk for c in clients if c.health_open}
        lacking = [c.code for c in clients if c.pk not in ok]
        if lacking:
            raise ValidationError(
                {
                    "clients": _(
                        "%(fields)s may be sent to %(partner)s only with each client's separate "
                        "written consent for this recipient. Missing for: %(codes)s."
                    )
                    % {
                        "fields": "、".join(field_label(f) for f in sensitive),
                        "partner": partner.name,
                        "codes": "、".join(lacking),
                    }
                }
            )
    content = _transfer_file(clients, fields)
    now = timezone.now()
    with transaction.atomic():
        record = Transfer(
            store=store,
            partner=partner,
            agreement=agreement,
            legal_basis=legal_basis,
            purpose=purpose.strip(),
            fields=fields,
            channel=channel,
            sent_by=actor,
            sent_at=now,
            file_name=f"transfer-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx",
            sha256=hashlib.sha256(content).hexdigest(),
            client_count=len(clients),
            note=(note or "").strip()[:200],
        )
        record.full_clean()
        record.save()
        TransferClient.objects.bulk_create(
            [TransferClient(transfer=record, client=c) for c in clients]
        )
        log_record(actor=actor, store=store, record=record, clients=clients, request=request)
    return record, content


def log_record(*, actor, store, record, clients, request, action="share", prefix="transfer"):
    fields = ", ".join(record.fields)
    operation_log(
        actor=actor,
        action="create",
        instance=record,
        changes={
            "fields": {"before": None, "after": record.fields},
            "clients": {"before": None, "after": [c.code for c in clients]},
            **(
                {"corrects": {"before": None, "after": record.corrects_id}}
                if record.corrects_id
                else {}
            ),
        },
        request=request,
        store=store,
    )
    for client in clients:
        use_log(
            actor=actor,
            action=action,
            instance=client,
            purpose=f"{prefix} {record.pk} [{fields}]",
            request=request,
            store=store,
        )


CORRECTABLE_TRANSFER = ("legal_basis", "purpose", "channel", "note")


def transfer_correct(
    *, actor, store, original: Transfer, note: str, request=None, **changes
) -> Transfer:
    """Correct a transfer record: a new record naming the old one, which stays as it was."""
    require_perm(
        actor=actor, store=store, perm=MANAGE_TRANSFERS, record_type="privacy.transfer",
        action="change", request=request,
    )  # fmt: skip
    if original.store_id != store.pk:
        raise PermissionDenied
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what the correction corrects.")})
    unknown = set(changes) - set(CORRECTABLE_TRANSFER)
    if unknown:
        raise ValidationError(_("These details cannot be corrected: %s") % ", ".join(unknown))
    clients = list(Client.objects.filter(pk__in=original.client_rows.values("client_id")))
    with transaction.atomic():
        values = {k: getattr(original, k) for k in CORRECTABLE_TRANSFER}
        values.update({k: v for k, v in changes.items() if v not in (None, "")})
        values["note"] = note.strip()[:200]
        record = Transfer(
            store=store,
            partner=original.partner,
            agreement=original.agreement,
            fields=original.fields,
            sent_by=original.sent_by,
            sent_at=original.sent_at,
            file_name=original.file_name,
            sha256=original.sha256,
            client_count=original.client_count,
            corrects=original,
            **values,
        )
        record.full_clean()
        record.save()
        TransferClient.objects.bulk_create(
            [TransferClient(transfer=record, client=c) for c in clients]
        )
        operation_log(
            actor=actor,
            action="correct",
            instance=record,
            changes={
                k: {"before": getattr(original, k), "after": getattr(record, k)}
                for k in CORRECTABLE_TRANSFER
                if getattr(original, k) != getattr(record, k)
            },
            reason=note,
            request=request,
            store=store,
        )
    return record


# -- disclosures -------------------------------------------------------------------------------
