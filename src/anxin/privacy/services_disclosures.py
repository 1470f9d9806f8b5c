"""Writes of disclosures to authorities (PRV-5), on a verified legal document.

Append-only like transfers: a correction is a new record naming the old one; every client in
one is logged as a use ("disclose"), so it shows in the client's access report.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import RoleAssignment
from anxin.accounts.permissions import RECORD_DISCLOSURES
from anxin.clients.models import Client

from .documents import document_store
from .models import Disclosure, DisclosureClient, LegalDocumentType
from .services_transfers import chosen_fields, clients_by_code, log_record, require_perm


def disclosure_create(
    *,
    actor,
    store,
    document_type: str,
    document_number: str,
    issuing_body: str,
    document_upload,
    verified_by,
    verification: str,
    recipient: str,
    fields,
    client_codes,
    disclosed_at=None,
    note: str = "",
    request=None,
) -> Disclosure:
    """Record a disclosure to an authority (PRV-5), on a verified legal document."""
    require_perm(
        actor=actor, store=store, perm=RECORD_DISCLOSURES, record_type="privacy.disclosure",
        action="disclose", request=request,
    )  # fmt: skip
    errors: dict[str, list] = {}
    if document_upload is None:
        errors["document"] = [
            _("A disclosure needs the legal document it answers: attach its scan.")
        ]
    if document_type not in LegalDocumentType.values:
        errors["document_type"] = [_("Choose the kind of legal document.")]
    if not (document_number or "").strip():
        errors["document_number"] = [_("Give the document's number.")]
    if not (issuing_body or "").strip():
        errors["issuing_body"] = [_("Say which body issued the document.")]
    if (
        verified_by is None
        or not RoleAssignment.objects.filter(user=verified_by, store=store, active=True).exists()
    ):
        errors["verified_by"] = [_("Name the person of this store who verified the document.")]
    if not (verification or "").strip():
        errors["verification"] = [_("Say how the document was verified.")]
    if not (recipient or "").strip():
        errors["recipient"] = [_("Say to whom the data was handed.")]
    if disclosed_at is not None and disclosed_at > timezone.now():
        errors["disclosed_at"] = [_("A disclosure cannot be recorded before it happens.")]
    if errors:
        raise ValidationError(errors)
    fields = chosen_fields(fields)
    clients = clients_by_code(store, client_codes)
    with transaction.atomic():
        document = document_store(actor=actor, upload=document_upload, field="document")
        record = Disclosure(
            store=store,
            document_type=document_type,
            document_number=document_number.strip(),
            issuing_body=issuing_body.strip(),
            document=document,
            verified_by=verified_by,
            verification=verification.strip(),
            recipient=recipient.strip(),
            fields=fields,
            disclosed_at=disclosed_at or timezone.now(),
            disclosed_by=actor,
            client_count=len(clients),
            note=(note or "").strip()[:200],
        )
        record.full_clean()
        record.save()
        DisclosureClient.objects.bulk_create(
            [DisclosureClient(disclosure=record, client=c) for c in clients]
        )
        log_record(
            actor=actor, store=store, record=record, clients=clients, request=request,
            action="disclose", prefix="disclosure",
        )  # fmt: skip
    return record


def disclosure_correct(
    *, actor, store, original: Disclosure, note: str, client_codes=None, fields=None, request=None
) -> Disclosure:
    """Correct a disclosure record (e.g. a client left out): a new record naming the old one."""
    require_perm(
        actor=actor, store=store, perm=RECORD_DISCLOSURES, record_type="privacy.disclosure",
        action="change", request=request,
    )  # fmt: skip
    if original.store_id != store.pk:
        raise PermissionDenied
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what the correction corrects.")})
    fields = chosen_fields(fields) if fields else original.fields
    if client_codes:
        clients = clients_by_code(store, client_codes)
    else:
        clients = list(Client.objects.filter(pk__in=original.client_rows.values("client_id")))
    with transaction.atomic():
        record = Disclosure(
            store=store,
            document_type=original.document_type,
            document_number=original.document_number,
            issuing_body=original.issuing_body,
            document=original.document,
            verified_by=original.verified_by,
            verification=original.verification,
            recipient=original.recipient,
            fields=fields,
            disclosed_at=original.disclosed_at,
            disclosed_by=actor,
            client_count=len(clients),
            corrects=original,
            note=note.strip()[:200],
        )
        record.full_clean()
        record.save()
        DisclosureClient.objects.bulk_create(
            [DisclosureClient(disclosure=record, client=c) for c in clients]
        )
        log_record(
            actor=actor, store=store, record=record, clients=clients, request=request,
            action="disclose", prefix="disclosure",
        )  # fmt: skip
    return record
