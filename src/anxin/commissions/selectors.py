"""Every read of commissions, scoped: a practitioner their own, the manager and finance the
store's. Commissions are staff pay, not client data: they show no client."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404

from anxin.accounts.models import RoleAssignment
from anxin.accounts.names import staff_secrets
from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log
from anxin.core.paging import keyset_page

from .models import Basis, Commission, MonthClose, Rule
from .rules import ZERO
from .services import RECORD


def scope(actor, store) -> Scope | None:
    return scope_for(actor, store, RECORD, "view")


@dataclass
class Totals:
    requested: Decimal = ZERO
    rotation: Decimal = ZERO
    card_sale: Decimal = ZERO
    adjustments: Decimal = ZERO
    lines: int = 0

    @property
    def total(self) -> Decimal:
        return self.requested + self.rotation + self.card_sale


@dataclass
class Row:
    practitioner: object
    totals: Totals = field(default_factory=Totals)


def _sums(qs) -> dict[int, Totals]:
    """Per practitioner, one aggregate query."""
    rows = qs.values("practitioner_id").annotate(
        requested=Sum("amount", filter=Q(basis=Basis.REQUESTED)),
        rotation=Sum("amount", filter=Q(basis=Basis.ROTATION)),
        card_sale=Sum("amount", filter=Q(basis=Basis.CARD_SALE)),
        adjustments=Sum("amount", filter=Q(adjustment=True)),
        lines=Count("pk"),
    )
    return {
        r["practitioner_id"]: Totals(
            requested=r["requested"] or ZERO,
            rotation=r["rotation"] or ZERO,
            card_sale=r["card_sale"] or ZERO,
            adjustments=r["adjustments"] or ZERO,
            lines=r["lines"],
        )
        for r in rows
    }


def month_totals(*, store, month: dt.date, practitioner_ids=None) -> dict[int, Totals]:
    """Each practitioner's commissions of a payroll month (no scope: callers scope)."""
    qs = Commission.objects.filter(store=store, month=month)
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=list(practitioner_ids))
    return _sums(qs)


def month_overview(*, actor, store, month: dt.date, request=None) -> tuple[list[Row], Totals]:
    """Every practitioner's commissions of the month with the store's totals (the manager and
    finance). Three queries however many rows."""
    if scope(actor, store) != Scope.STORE:
        return [], Totals()
    sums = month_totals(store=store, month=month)
    people = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=list(sums))
        .select_related("staff_file")
        .defer(*staff_secrets("staff_file"))  # a name needs none of them decrypted
    }
    rows = sorted(
        (Row(practitioner=people[pk], totals=t) for pk, t in sums.items() if pk in people),
        key=lambda r: (
            getattr(getattr(r.practitioner, "staff_file", None), "code", "") or "",
            r.practitioner.pk,
        ),
    )
    grand = Totals()
    for r in rows:
        grand.requested += r.totals.requested
        grand.rotation += r.totals.rotation
        grand.card_sale += r.totals.card_sale
        grand.adjustments += r.totals.adjustments
        grand.lines += r.totals.lines
    use_log(
        actor=actor,
        action="report",
        record_type=RECORD,
        record_id=f"{month:%Y-%m}",
        count=len(rows),
        purpose="commissions",
        request=request,
        store=store,
    )
    return rows, grand


LINES_ORDER = ("-at", "-pk")
LINES_PAGE_SIZE = 50
LINE_FIELDS = (
    "month",
    "at",
    "basis",
    "description",
    "base",
    "rule_id",
    "amount",
    "refund_of_id",
    "adjustment",
)


def practitioner_month(
    *,
    actor,
    store,
    practitioner_id,
    month: dt.date,
    after: str | None = None,
    before: str | None = None,
    oldest: bool = False,
    request=None,
):
    """One practitioner's commission lines of a month, newest first in keyset pages of
    ``LINES_PAGE_SIZE`` (``after`` / ``before`` / ``oldest``: ``core.paging``), with the whole
    month's totals (one aggregate). A practitioner may read only their own; anyone else, or
    anything not found: 404, logged."""
    granted = scope(actor, store)
    person = None
    if granted is not None and str(practitioner_id).isdigit():
        pk = int(practitioner_id)
        if granted == Scope.STORE or pk == actor.pk:
            # Whether they hold a commission or an active role here: asked with EXISTS, since
            # joining the person's commissions (5,000 over three years) and sorting them for
            # DISTINCT took 110 ms on PostgreSQL (issue 11).
            person = (
                get_user_model()
                .objects.filter(pk=pk)
                .filter(
                    Exists(Commission.objects.filter(practitioner=OuterRef("pk"), store=store))
                    | Exists(
                        RoleAssignment.objects.filter(user=OuterRef("pk"), store=store, active=True)
                    )
                )
                .select_related("staff_file")
                .defer(*staff_secrets("staff_file"))
                .first()
            )
    if person is None:
        use_log(
            actor=actor,
            action="view",
            record_type=RECORD,
            record_id=str(practitioner_id)[:64],
            outcome="denied",
            request=request,
            store=store,
        )
        raise Http404
    # The fields the page shows; the few rules once, not joined to every line. A page of
    # lines, not the month's (the busiest had 173: issue 11); the totals count them all.
    page = keyset_page(
        Commission.objects.filter(store=store, practitioner=person, month=month).only(*LINE_FIELDS),
        order=LINES_ORDER,
        size=LINES_PAGE_SIZE,
        after=after,
        before=before,
        oldest=oldest,
    )
    lines = page.object_list
    rules = Rule.objects.in_bulk({c.rule_id for c in lines if c.rule_id})
    for c in lines:
        if c.rule_id:
            c.rule = rules[c.rule_id]
    totals = month_totals(store=store, month=month, practitioner_ids=[person.pk]).get(
        person.pk, Totals()
    )
    use_log(
        actor=actor,
        action="view",
        record_type=RECORD,
        record_id=str(person.pk),
        count=len(lines),
        purpose="commissions",
        request=request,
        store=store,
    )
    return person, page, totals


def month_closed(*, store, month: dt.date) -> MonthClose | None:
    return MonthClose.objects.filter(store=store, month=month).select_related("closed_by").first()


def recent_closes(*, store, limit: int = 12) -> list[MonthClose]:
    return list(MonthClose.objects.filter(store=store).select_related("closed_by")[:limit])


def rules(*, store) -> list[Rule]:
    """Every version, newest first within each rule; ``in_force`` marks today's version."""
    from django.utils import timezone

    today = timezone.localdate()
    found = list(
        Rule.objects.filter(store=store)
        .select_related("item", "category", "created_by")
        .order_by("basis", "item_id", "category_id", "level", "min_volume", "-effective_from")
    )
    seen = set()
    for rule in found:
        rule.in_force = False
        rule.future = rule.effective_from > today
        if not rule.future and rule.key not in seen:
            rule.in_force = True
            seen.add(rule.key)
    return found
