"""Reads of complaint cases, scoped by store and permission; out of scope is 404, logged."""

from __future__ import annotations

from django.http import Http404

from anxin.accounts.names import staff_secrets
from anxin.accounts.permissions import VIEW_COMPLAINTS
from anxin.audit.models import UseOutcome
from anxin.audit.services import use_log
from anxin.clients.models import Client

from .models import COUNTED_STATES, Complaint, State
from .services import RECORD, require, secret_matches

LIST_SIZE = 200


def _encrypted(model, prefix: str) -> list[str]:
    from anxin.crypto.fields import EncryptedCharField, EncryptedTextField

    return [
        f"{prefix}__{f.name}"
        for f in model._meta.fields
        if isinstance(f, EncryptedCharField | EncryptedTextField)
    ]


def complaint_list(*, actor, store, state: str = "", request=None) -> list[Complaint]:
    require(actor, store, VIEW_COMPLAINTS, "list", request=request)
    # Names come from the staff files: joined here, not read row by row.
    rows = Complaint.objects.filter(store=store).select_related(
        "client",
        "practitioner__staff_file",
        "owner__staff_file",
        "complainant_staff__staff_file",
    )
    # Nothing encrypted is shown: each encrypted field loaded is decrypted (200 rows, four
    # people each: thousands of decryptions a page at a store's scale).
    rows = rows.defer(
        "contact_name",
        "contact_phone",
        *_encrypted(Client, "client"),
        *staff_secrets("practitioner__staff_file"),
        *staff_secrets("owner__staff_file"),
        *staff_secrets("complainant_staff__staff_file"),
    )
    if state in State.values:
        rows = rows.filter(state=state)
    rows = list(rows[:LIST_SIZE])
    use_log(
        actor=actor,
        action="search",
        record_type=RECORD,
        record_id="*",
        count=len(rows),
        purpose="list",
        request=request,
        store=store,
    )
    return rows


def complaint_get(*, actor, store, pk, request=None, log: bool = True) -> Complaint:
    found = None
    if actor.has_store_perm(VIEW_COMPLAINTS, store):
        found = (
            Complaint.objects.filter(store=store, pk=pk)
            .select_related("client", "practitioner", "owner", "complainant_staff", "service")
            .first()
        )
    if found is None:
        use_log(
            actor=actor,
            action="view",
            record_type=RECORD,
            record_id=str(pk),
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise Http404
    if log:
        use_log(actor=actor, action="view", instance=found, request=request, store=store)
    return found


def public_case(*, reference: str, secret: str):
    """A complaint or a report by its reference and secret (the public follow page); None if
    either is wrong — the page says the same in both cases."""
    from .models import WhistleReport

    reference = (reference or "").strip().upper()
    model = WhistleReport if reference.startswith("JB") else Complaint
    found = model.objects.filter(reference=reference).first()
    if found is None or not secret_matches(found, secret):
        return None
    return found


def complaints_about(user, *, store=None) -> int:
    """How many complaints name this person as the practitioner concerned (count only)."""
    rows = Complaint.objects.filter(practitioner=user, state__in=COUNTED_STATES)
    if store is not None:
        rows = rows.filter(store=store)
    return rows.count()


def monthly_complaint_counts(*, store, start, end) -> dict[int, int]:
    """{practitioner id: complaints received in [start, end)} — for the monthly figures."""
    from django.db.models import Count

    return {
        row["practitioner_id"]: row["n"]
        for row in Complaint.objects.filter(
            store=store,
            practitioner__isnull=False,
            state__in=COUNTED_STATES,
            received_at__gte=start,
            received_at__lt=end,
        )
        .values("practitioner_id")
        .annotate(n=Count("id"))
    }
