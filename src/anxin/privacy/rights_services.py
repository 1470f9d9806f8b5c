"""The request desk's writes (PRV-6): open, fulfil (copy, correction, deletion, objection,
access report) and close a client's request. Every step is logged; a refusal changes nothing."""

import datetime as dt
import json
import re

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import HANDLE_RIGHTS_REQUESTS
from anxin.audit.models import UseOutcome
from anxin.audit.services import diff, operation_log, use_log
from anxin.core.spreadsheets import XlsxWriter

from . import registry
from .erasure import FIELDS as ERASURE_FIELDS
from .erasure import anonymise_clients
from .models import (
    Erasure,
    ErasureOrigin,
    Objection,
    ObjectionUse,
    RequestKind,
    RequestStatus,
    RightsRequest,
)
from .models.rights import due_for
from .rights_selectors import DESK, access_rows, require

OLDEST_DAYS = 366  # a request received longer ago than this is a typing mistake


def _state(req: RightsRequest) -> dict:
    return {
        "kind": req.kind,
        "client": req.client.code,
        "identity": req.identity,
        "received_on": req.received_on,
        "due_on": req.due_on,
        "status": req.status,
    }


def _client_of_store(*, actor, store, code: str, request=None):
    from anxin.clients.models import Client

    client = Client.objects.filter(store=store, code=(code or "").strip().upper()).first()
    if client is None:
        use_log(
            actor=actor,
            action="view",
            record_type="clients.client",
            record_id=(code or "*")[:64],
            outcome=UseOutcome.DENIED,
            purpose="client's request",
            request=request,
            store=store,
        )
        raise ValidationError(
            {"client_code": _("No client with this code in this store.")}, code="not_found"
        )
    return client


def request_open(
    *,
    actor,
    store,
    client_code: str,
    kind: str,
    identity: str,
    details: str = "",
    received_on: dt.date | None = None,
    request=None,
) -> RightsRequest:
    """Record a client's request at the desk; the answer is due within the configured days."""
    require(actor=actor, store=store, permission=DESK, request=request)
    client = _client_of_store(actor=actor, store=store, code=client_code, request=request)
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise ValidationError({"received_on": _("A request cannot be received in the future.")})
    if received_on < today - dt.timedelta(days=OLDEST_DAYS):
        raise ValidationError({"received_on": _("That is more than a year ago: check the date.")})
    if Erasure.objects.filter(client=client).exists():
        raise ValidationError(
            {"client_code": _("This client's data was anonymised: there is nothing left to ask.")}
        )
    req = RightsRequest(
        store=store,
        client=client,
        kind=kind,
        identity=identity,
        details=details,
        received_on=received_on,
        due_on=due_for(received_on),
        opened_by=actor,
    )
    req.full_clean()
    with transaction.atomic():
        req.save()
        operation_log(
            actor=actor,
            action="create",
            instance=req,
            changes=diff({}, _state(req)),
            request=request,
            store=store,
        )
    return req


def _open_for(*, actor, store, req, kind=None, request=None) -> None:
    require(actor=actor, store=store, permission=HANDLE_RIGHTS_REQUESTS, request=request)
    if req.store_id != store.pk:
        raise ValidationError(_("This request belongs to another store."))
    if not req.is_open:
        raise ValidationError(_("This request is closed already."))
    if kind is not None and req.kind != kind:
        raise ValidationError(_("This is not what the client asked for."))


def request_close(
    *, actor, store, req: RightsRequest, answer: str, refused: bool = False, request=None
) -> RightsRequest:
    """Close with the answer given to the client (a refusal needs its reason in the answer)."""
    _open_for(actor=actor, store=store, req=req, request=request)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer given to the client.")})
    before = _state(req)
    with transaction.atomic():
        req.status = RequestStatus.REFUSED if refused else RequestStatus.DONE
        req.answer = answer
        req.handled_by = actor
        req.closed_at = timezone.now()
        req.full_clean()
        req.save(update_fields=["status", "answer", "handled_by", "closed_at"])
        operation_log(
            actor=actor,
            action="close",
            instance=req,
            changes=diff(before, _state(req)),
            request=request,
            store=store,
        )
    return req


# -- copy (portability) ---------------------------------------------------------------------


def _copy(client) -> dict:
    sections = []
    for section, tables in registry.export(client):
        sections.append(
            {
                "key": section.key,
                "title": str(section.label),
                "tables": [
                    {
                        "key": t.key,
                        "title": t.title,
                        "columns": [{"key": k, "label": label} for k, label in t.columns],
                        "rows": t.rows,
                    }
                    for t in tables
                ],
            }
        )
    return {
        "client": client.code,
        "store": client.store.name,
        "generated_at": timezone.localtime().isoformat(),
        "sections": sections,
    }


def _rows(copy: dict) -> int:
    return sum(len(t["rows"]) for s in copy["sections"] for t in s["tables"])


def _sheet_name(title: str, used: set[str]) -> str:
    """A worksheet name people read (the table's title), unique, within Excel's rules."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "data"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base} {n}", n + 1
    used.add(name.lower())
    return name


def request_copy(
    *, actor, store, req: RightsRequest, fmt: str, request=None
) -> tuple[bytes | dict, str, str]:
    """The client's whole data as JSON, xlsx or (``fmt="print"``) the data for the printable
    summary; sensitive fields are decrypted only into this copy. Logged as an export."""
    _open_for(actor=actor, store=store, req=req, kind=RequestKind.COPY, request=request)
    if fmt not in ("json", "xlsx", "print"):
        raise ValidationError(_("Choose JSON, a spreadsheet or the printable summary."))
    client = req.client
    copy = _copy(client)
    with transaction.atomic():
        use_log(
            actor=actor,
            action="print" if fmt == "print" else "export",
            instance=client,
            purpose=f"client's copy ({fmt}), request #{req.pk}",
            count=_rows(copy),
            request=request,
            store=store,
        )
    name = f"{client.code}-copy"
    if fmt == "print":
        return copy, "", ""
    if fmt == "json":
        body = json.dumps(copy, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        return body.encode(), f"{name}.json", "application/json"
    book = XlsxWriter()
    used: set[str] = set()
    for section in copy["sections"]:
        for t in section["tables"]:
            sheet = book.sheet(_sheet_name(t["title"], used))
            sheet.append([c["label"] for c in t["columns"]])
            for row in t["rows"]:
                sheet.append([row.get(c["key"], "") for c in t["columns"]])
    return (
        book.to_bytes(),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# -- access report --------------------------------------------------------------------------


def request_access_report(*, actor, store, req: RightsRequest, request=None) -> list[dict]:
    """Who read the client's data, when and why; reading it is itself logged."""
    _open_for(actor=actor, store=store, req=req, kind=RequestKind.ACCESS_REPORT, request=request)
    rows = access_rows(req.client)
    use_log(
        actor=actor,
        action="report",
        instance=req.client,
        purpose=f"client's access report, request #{req.pk}",
        count=len(rows),
        request=request,
        store=store,
    )
    return rows


# -- correction -----------------------------------------------------------------------------

CORRECTABLE = ("name", "gender", "birth_date", "occupation", "phone", "address", "id_number")


def request_correct(
    *, actor, store, req: RightsRequest, field: str, value, reason: str = "", request=None
):
    """Propose the correction for a second person's approval (SEC-5); the request waits."""
    from anxin.approvals.services import change_propose

    _open_for(actor=actor, store=store, req=req, kind=RequestKind.CORRECTION, request=request)
    if req.change_request_id and req.change_request.is_pending:
        raise ValidationError(_("A correction for this request is waiting for approval already."))
    if field not in CORRECTABLE:
        raise ValidationError({"field": _("Choose one of the offered fields.")})
    with transaction.atomic():
        change = change_propose(
            actor=actor,
            store=store,
            kind=CORRECTION_KIND,
            target=req.client,
            payload={field: value},
            reason=reason
            or _("The client asked for a correction (request #%(pk)s).") % {"pk": req.pk},
            request=request,
        )
        before = _state(req)
        req.change_request = change
        req.status = RequestStatus.WAITING
        req.save(update_fields=["change_request", "status"])
        operation_log(
            actor=actor,
            action="propose_correction",
            instance=req,
            changes=diff(before, _state(req)),
            request=request,
            store=store,
        )
    return change


CORRECTION_KIND = "privacy.client_correction"


def _apply_correction(*, actor, store, target, payload):
    from anxin.clients.services import _client_update

    return _client_update(actor=actor, store=store, client=target, **payload)


def register_correction_kind() -> None:
    from django.utils.translation import gettext_lazy

    from anxin.approvals import registry as approvals
    from anxin.clients.models import Client

    approvals.register(
        CORRECTION_KIND,
        label=gettext_lazy("Correct a client's data at their request"),
        target_model=Client,
        apply=_apply_correction,
        propose_permission=HANDLE_RIGHTS_REQUESTS,
        fields=CORRECTABLE,
    )


# -- deletion (anonymisation) -----------------------------------------------------------------


def request_delete(*, actor, store, req: RightsRequest, answer: str = "", request=None) -> int:
    """Anonymise the client through every app's shredder, unless a legal hold stands."""
    from anxin.clients.models import Client

    _open_for(actor=actor, store=store, req=req, kind=RequestKind.DELETION, request=request)
    client = Client.objects.only(*ERASURE_FIELDS).get(pk=req.client_id)
    if Erasure.objects.filter(client=client).exists():
        raise ValidationError(_("This client's data was anonymised already."))
    reasons = registry.holds(client)
    if reasons:
        use_log(
            actor=actor,
            action="anonymise",
            instance=client,
            outcome=UseOutcome.DENIED,
            purpose="; ".join(reasons)[:1000],
            request=request,
            store=store,
        )
        raise ValidationError([_("The client's data cannot be anonymised yet:"), *reasons])
    with transaction.atomic():
        done = anonymise_clients(
            clients=[client],
            actor=actor,
            origin=ErasureOrigin.REQUEST,
            request=req,
            reason=f"client's request #{req.pk}",
            http_request=request,
        )
        request_close(
            actor=actor,
            store=store,
            req=req,
            answer=answer or _("The client's data was anonymised."),
            request=request,
        )
    return done


# -- objection ---------------------------------------------------------------------------------


def request_object(
    *, actor, store, req: RightsRequest, answer: str = "", request=None
) -> Objection:
    """Record the objection to marketing messages; the senders check it from now on."""
    _open_for(actor=actor, store=store, req=req, kind=RequestKind.OBJECTION, request=request)
    with transaction.atomic():
        objection, created = Objection.objects.get_or_create(
            client=req.client,
            use=ObjectionUse.MARKETING,
            defaults={"request": req, "recorded_by": actor},
        )
        if created:
            operation_log(
                actor=actor,
                action="object",
                instance=req.client,
                changes={"objects_to": {"before": None, "after": ObjectionUse.MARKETING}},
                reason=f"client's request #{req.pk}",
                request=request,
                store=store,
            )
        request_close(
            actor=actor,
            store=store,
            req=req,
            answer=answer or _("No more marketing messages will be sent to the client."),
            request=request,
        )
    return objection
