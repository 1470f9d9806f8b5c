"""Complaint and feedback analysis (ANA-4): where the service is weak.

Complaints (not drafts nor dismissed ones) and low ratings (feedback of 2 or below) in a
period, by service item, practitioner, time of day, subject and month; how many people
complained more than once (a count only); weak points ranked. A group behind which fewer
than ``MIN_GROUP`` people stand is suppressed — shown as "< 5" — so that no client or
practitioner is singled out in an aggregate view. Two queries, grouped here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, F, Func, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import ANALYSE_COMPLAINTS
from anxin.audit.services import use_log

from .models import COUNTED_STATES, Complaint, Subject
from .services import LOW_SCORE, RECORD, require

MIN_GROUP = 5
SUPPRESSED = "< 5"


@dataclass
class Group:
    label: str
    complaints: int = 0
    low_ratings: int = 0
    people: set = field(default_factory=set)

    @property
    def suppressed(self) -> bool:
        return len(self.people) < MIN_GROUP

    @property
    def total(self) -> int:
        return self.complaints + self.low_ratings

    def shown(self, value: int) -> str:
        return SUPPRESSED if self.suppressed else str(value)

    @property
    def complaints_shown(self) -> str:
        return self.shown(self.complaints)

    @property
    def low_ratings_shown(self) -> str:
        return self.shown(self.low_ratings)

    @property
    def total_shown(self) -> str:
        return self.shown(self.total)


def _bands() -> tuple[str, str, str]:
    """The three times of day, translated once a report."""
    return (
        _("morning (before 12:00)"),
        _("afternoon (12:00–18:00)"),
        _("evening (after 18:00)"),
    )


def _band(local: dt.datetime, bands: tuple[str, str, str]) -> str:
    """``local`` (a local time)'s time of day."""
    hour = local.hour
    return bands[0] if hour < 12 else bands[1] if hour < 18 else bands[2]


class _AmongIds(Func):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``.

    As ``IN``, PostgreSQL plans a join, and a year of a store's services is a third of the
    table: it hashed a Seq Scan of all of them against the low scores (150 ms at a store's
    scale). As an array the subquery runs once, first, and each of its ids is looked up in the
    column's index (a store's few thousand low scores, whatever the period). SQLite already
    reads ``IN`` that way.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, queryset):
        super().__init__(F(column), Subquery(queryset))

    def as_sql(self, compiler, connection, **extra):
        (column, column_params), (ids, ids_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"{column} IN {ids}", (*column_params, *ids_params)

    def as_postgresql(self, compiler, connection, **extra):
        (column, column_params), (ids, ids_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return f"{column} = ANY(ARRAY{ids})", (*column_params, *ids_params)


def analyse(*, actor, store, start: dt.date, end: dt.date, request=None) -> dict:
    """The figures for [start, end] (dates in the store's time zone)."""
    from anxin.accounts.names import person_name
    from anxin.clients.models import ServiceRecord
    from anxin.delivery.models import Feedback

    require(actor, store, ANALYSE_COMPLAINTS, "analyse", request=request)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    complaints = list(
        Complaint.objects.filter(
            store=store,
            state__in=COUNTED_STATES,
            received_at__gte=since,
            received_at__lt=until,
        ).values(
            "pk",
            "subject",
            "practitioner_id",
            "client_id",
            "complainant_staff_id",
            "received_at",
            "service__item_name",
            "service__served_at",
        )
    )
    # The services with a low score, as a set of ids from the scores' index: joined the other
    # way round, SQLite walked a year of the store's services to probe each one's score
    # (PostgreSQL read them all: ``_AmongIds``).
    low = Feedback.objects.filter(score__lte=LOW_SCORE).values("service_id")
    ratings = list(
        ServiceRecord.objects.filter(
            _AmongIds("pk", low), store=store, served_at__gte=since, served_at__lt=until
        )
        .order_by()
        .values_list("item_name", "practitioner_id", "client_id", "served_at")
    )
    dims = {name: {} for name in ("item", "practitioner", "time", "subject", "month")}

    def add(dim, key, label, *, person, complaint: bool):
        group = dims[dim].get(key)
        if group is None:
            group = dims[dim][key] = Group(label=label)
        if complaint:
            group.complaints += 1
        else:
            group.low_ratings += 1
        group.people.add(person)

    # Labels translated once a report, each moment made local once (a year of a store is
    # thousands of rows: per row, the time zone and translation look-ups were most of the page).
    subjects = {value: str(label) for value, label in Subject.choices}
    bands = _bands()
    none = _("not given")
    repeat = defaultdict(int)
    for c in complaints:
        if c["client_id"]:
            person = ("client", c["client_id"])
        elif c["complainant_staff_id"]:
            person = ("staff", c["complainant_staff_id"])
        else:
            person = ("anonymous", c["pk"])
        repeat[person] += 1
        received = c["received_at"].astimezone(tz)
        when = c["service__served_at"].astimezone(tz) if c["service__served_at"] else received
        item = c["service__item_name"] or none
        band = _band(when, bands)
        add("item", item, item, person=person, complaint=True)
        add("practitioner", c["practitioner_id"], None, person=person, complaint=True)
        add("time", band, band, person=person, complaint=True)
        add("subject", c["subject"], subjects[c["subject"]], person=person, complaint=True)
        month = f"{received:%Y-%m}"
        add("month", month, month, person=person, complaint=True)
    for item, practitioner_id, client_id, served_at in ratings:
        person = ("client", client_id)
        when = served_at.astimezone(tz)
        item = item or none
        band = _band(when, bands)
        add("item", item, item, person=person, complaint=False)
        add("practitioner", practitioner_id, None, person=person, complaint=False)
        add("time", band, band, person=person, complaint=False)
        month = f"{when:%Y-%m}"
        add("month", month, month, person=person, complaint=False)

    from django.contrib.auth import get_user_model

    from anxin.accounts.names import staff_secrets

    ids = [k for k in dims["practitioner"] if k]
    people = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=ids)
        .select_related("staff_file")
        .defer(*staff_secrets("staff_file"))
    }
    for key, group in dims["practitioner"].items():
        group.label = person_name(people[key], store) if key in people else none

    def ranked(dim):
        return sorted(dims[dim].values(), key=lambda g: (-g.total, g.label))

    weak = sorted(
        (
            (kind, g)
            for kind, dim in (
                (_("Service item"), "item"),
                (_("Subject"), "subject"),
                (_("Time of day"), "time"),
            )
            for g in dims[dim].values()
            if not g.suppressed and g.label != none
        ),
        key=lambda pair: (-pair[1].total, pair[1].label),
    )[:10]
    repeaters = sum(1 for n in repeat.values() if n >= 2)
    use_log(
        actor=actor,
        action="analyse",
        record_type=RECORD,
        record_id="*",
        count=len(complaints) + len(ratings),
        purpose="analysis",
        request=request,
        store=store,
    )
    return {
        "complaints": len(complaints),
        "low_ratings": len(ratings),
        "by_item": ranked("item"),
        "by_practitioner": ranked("practitioner"),
        "by_time": ranked("time"),
        "by_subject": ranked("subject"),
        "by_month": sorted(dims["month"].values(), key=lambda g: g.label),
        "repeat_complainants": (SUPPRESSED if 0 < repeaters < MIN_GROUP else str(repeaters)),
        "weak_points": weak,
    }
