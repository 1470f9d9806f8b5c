"""Computing a month's figures per practitioner, in a handful of aggregate queries.

- clients served, services, revenue: the month's service records;
- average satisfaction: the feedback on those records;
- booked time: the month's appointments that held the practitioner (booked, in service, done)
  plus services recorded without an appointment (walk-ins), at their real length when stamped,
  else their item's duration;
- working time: hours clocked in (attendance), for practitioners with a staff file;
- utilisation = booked time / working time (none without attendance);
- complaints: how many complaints received in the month name the practitioner (count only,
  AUD-5; drafts and dismissed ones do not count).
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from anxin.accounts.names import person_name
from anxin.clients.models import ServiceRecord
from anxin.core.db import SecondsBetween
from anxin.scheduling.models import HOLDING, Appointment
from anxin.scheduling.selectors import practitioners


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(following, dt.time.min, tzinfo=tz),
    )


def _minutes(seconds) -> int:
    """Whole minutes in a sum of seconds (``SecondsBetween``), rounded to the second first."""
    return 0 if seconds is None else round(float(seconds)) // 60


def monthly_figures(*, store, month: dt.date) -> list[dict]:
    start, end = month_bounds(month)
    people = list(practitioners(store))
    ids = [p.pk for p in people]
    records = ServiceRecord.objects.filter(
        store=store, practitioner_id__in=ids, served_at__gte=start, served_at__lt=end
    )
    by_person = {
        row["practitioner_id"]: row
        for row in records.values("practitioner_id").annotate(
            services=Count("id"),
            clients=Count("client_id", distinct=True),
            revenue=Sum("amount"),
            satisfaction=Avg("feedback__score"),
            rated=Count("feedback"),
            walk_in_minutes=Sum("item__duration", filter=Q(appointment__isnull=True)),
        )
    }
    length = SecondsBetween(F("end"), F("start"))
    booked = {
        row["practitioner_id"]: _minutes(row["booked"])
        for row in Appointment.objects.filter(
            store=store,
            practitioner_id__in=ids,
            status__in=HOLDING,
            start__gte=start,
            start__lt=end,
        )
        .values("practitioner_id")
        .annotate(booked=Sum(length))
    }
    worked = _worked_minutes(store=store, month=month, people=people)
    from anxin.complaints.selectors import monthly_complaint_counts

    complaints = monthly_complaint_counts(store=store, start=start, end=end)
    rows = []
    for person in people:
        row = by_person.get(person.pk, {})
        booked_minutes = booked.get(person.pk, 0) + int(row.get("walk_in_minutes") or 0)
        working = worked.get(person.pk)
        satisfaction = row.get("satisfaction")
        rows.append(
            {
                "practitioner_id": person.pk,
                "name": person_name(person, store),
                "clients": row.get("clients", 0),
                "services": row.get("services", 0),
                "revenue": str((row.get("revenue") or Decimal("0")).quantize(Decimal("0.01"))),
                "satisfaction": None if satisfaction is None else round(float(satisfaction), 2),
                "rated": row.get("rated", 0),
                "booked_minutes": booked_minutes,
                "working_minutes": working,
                "utilisation": (round(booked_minutes / working, 3) if working else None),
                "complaints": complaints.get(person.pk, 0),
            }
        )
    return rows


def _worked_minutes(*, store, month: dt.date, people) -> dict[int, int]:
    """Minutes clocked in during the month (closed records), per practitioner with a staff file:
    one aggregate query, as the attendance summary counts them."""
    from anxin.attendance.models import ClockRecord

    start, end = month_bounds(month)
    worked = SecondsBetween(F("clock_out"), F("clock_in"))
    return {
        row["member__user_id"]: _minutes(row["worked"])
        for row in ClockRecord.objects.filter(
            member__store=store,
            member__user__in=[p.pk for p in people],
            clock_in__gte=start,
            clock_in__lt=end,
            clock_out__isnull=False,
        )
        .values("member__user_id")
        .annotate(worked=Sum(worked))
    }
