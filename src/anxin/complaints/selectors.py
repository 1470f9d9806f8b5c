"""Reads of complaint cases, scoped by store and permission; out of scope is 404, logged."""

from __future__ import annotations

from django.http import Http404

from anxin.accounts.permissions import VIEW_COMPLAINTS
from anxin.audit.models import UseOutcome
from anxin.audit.services import use_log
from anxin.core.paging import KeysetPage, keyset_page

from .models import COUNTED_STATES, Complaint, State
from .services import RECORD, require, secret_matches

LIST_SIZE = 50
LIST_ORDER = ("-received_at", "-pk")
# The list's columns (complaints/templatetags/complaint_rows.py) and the fields a person's name
# is made of (accounts.names.person_name).
LIST_FIELDS = (
    "reference",
    "received_at",
    "channel",
    "subject",
    "severity",
    "due_on",
    "state",
    "practitioner",
    "owner",
)
_ACCOUNT_NAME = ("username", "full_name", "first_name", "last_name")
_STAFF_NAME = ("name", "code")


def complaint_list(
    *,
    actor,
    store,
    state: str = "",
    after: str | None = None,
    before: str | None = None,
    oldest: bool = False,
    request=None,
) -> KeysetPage:
    """A page of ``LIST_SIZE`` complaints, newest first, by keyset on (received_at, id): a
    bigger store's first page costs what a small store's does (issue 11)."""
    require(actor, store, VIEW_COMPLAINTS, "list", request=request)
    # Only what a row shows: the people's names come from their staff files, joined here and
    # not read row by row; nothing encrypted is read (each encrypted field loaded is decrypted:
    # 200 rows, four people each, thousands of decryptions a page at a store's scale), and
    # neither the client nor the complainant is shown.
    people = [
        f"{who}__{field}"
        for who in ("practitioner", "owner")
        for field in (*_ACCOUNT_NAME, *(f"staff_file__{f}" for f in _STAFF_NAME))
    ]
    rows = (
        Complaint.objects.filter(store=store)
        .select_related("practitioner__staff_file", "owner__staff_file")
        .only(*LIST_FIELDS, *people)
    )
    if state in State.values:
        rows = rows.filter(state=state)
    page = keyset_page(
        rows, order=LIST_ORDER, size=LIST_SIZE, after=after, before=before, oldest=oldest
    )
    use_log(
        actor=actor,
        action="search",
        record_type=RECORD,
        record_id="*",
        count=len(page),
        purpose="list",
        request=request,
        store=store,
    )
    return page


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
