"""Information-management KPIs (AUD-6): per person, per department and for the store, monthly,
computed from the records (never typed) and stored as ``KpiRow`` rows.

Each KPI is a few grouped aggregates over the month (one query per source, however many staff):

- entry timeliness: service records entered (``created_at``) within ``ANXIN_KPI_ENTRY_HOURS``
  (default 24) of ``served_at``, attributed to who entered them (else the practitioner);
- data accuracy: clients entered that month with required information missing (the data-quality
  report's "missing" list, attributed to who entered the client);
- security: anomaly alerts about the person (``audit.Alert``); incidents count for the store;
- complaints about the person (``anxin.complaints``, when installed);
- training: no security-awareness training passed or attended in the twelve months (AUD-7);
- agreements outstanding: kinds of agreement (confidentiality, truthfulness) not signed.
"""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Count, F, Func, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Agreement, TrainingRecord
from anxin.audit.models import Alert
from anxin.clients.models import Client, ClientStatus, ServiceRecord
from anxin.core.dates import day_start

from .models import KpiRow

# KPI key -> (label, higher is better)
KPIS: dict[str, tuple] = {
    "entries": (_("Service records entered"), True),
    "late_entries": (_("Service records entered late"), False),
    "timeliness": (_("Entered on time (%)"), True),
    "quality_issues": (_("Clients entered with information missing"), False),
    "alerts": (_("Security alerts"), False),
    "incidents": (_("Security incidents (store)"), False),
    "complaints": (_("Complaints"), False),
    "training_missing": (_("Security training missing"), False),
    "agreements_outstanding": (_("Agreements not signed"), False),
}
COUNTS = [k for k in KPIS if k != "timeliness"]


def entry_hours() -> int:
    return int(getattr(settings, "ANXIN_KPI_ENTRY_HOURS", 24))


def month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return day_start(first), day_start(nxt)


def _staff(store, month: dt.date):
    """(user id, staff file, department) of everyone with an account in post that month."""
    from anxin.org.models import Post
    from anxin.staff.models import StaffMember

    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    members = list(
        StaffMember.objects.filter(store=store, user__isnull=False, hire_date__lte=last)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=first))
        .only("pk", "user_id", "name", "post")
    )
    departments = {}
    for name, dept_id in Post.objects.values_list("name", "department_id").order_by("code"):
        departments.setdefault(name, dept_id)
    return [(m.user_id, departments.get(m.post)) for m in members]


class EnteredLate(Func):
    """The record was entered (``created_at``) more than ``hours`` after the service
    (``served_at``), in the database's own arithmetic. (Django's ``F(...) + timedelta`` calls
    back into Python for every row on SQLite: the month's aggregate over service records was
    three to four times slower than the same SQL written by hand.)"""

    output_field = BooleanField()

    def __init__(self, *, hours: int):
        super().__init__(F("created_at"), F("served_at"))
        self.hours = int(hours)

    def _columns(self, compiler):
        created, served = (compiler.compile(e) for e in self.get_source_expressions())
        return created[0], served[0], [*created[1], *served[1]]

    def as_sql(self, compiler, connection, **extra_context):
        # Chosen here, not in as_sqlite(): an aggregate's filter is compiled with as_sql().
        created, served, params = self._columns(compiler)
        if connection.vendor == "sqlite":
            # Julian days as floats: exact to well under a millisecond.
            return f"(julianday({created}) - julianday({served}) > %s)", [*params, self.hours / 24]
        return f"({created} > {served} + %s)", [*params, dt.timedelta(hours=self.hours)]


def _grouped(qs, field: str, **aggregates) -> dict:
    return {row[field]: row for row in qs.values(field).annotate(**aggregates).order_by()}


def _complaints(store, start, end) -> dict:
    if not apps.is_installed("anxin.complaints"):
        return {}
    Complaint = apps.get_model("complaints", "Complaint")
    return {
        row["practitioner"]: row["n"]
        for row in Complaint.objects.filter(
            store=store, received_at__gte=start, received_at__lt=end, practitioner__isnull=False
        )
        .values("practitioner")
        .annotate(n=Count("pk"))
        .order_by()
    }


def figures(*, store, month: dt.date) -> dict[int, dict]:
    """``{user id: {kpi: value}}`` for everyone in post in ``month``, plus the department of
    each under ``"department"``."""
    start, end = month_range(month)
    people = _staff(store, month)
    ids = [uid for uid, _dept in people]
    entries = _grouped(
        ServiceRecord.objects.filter(store=store, served_at__gte=start, served_at__lt=end).annotate(
            who=Coalesce("created_by", "practitioner")
        ),
        "who",
        n=Count("pk"),
        late=Count("pk", filter=EnteredLate(hours=entry_hours())),
    )
    quality = _grouped(
        # Everyone's, not ``created_by__in=ids``: a list of ids steers the database to the
        # created_by index (one probe per person) instead of the month's range.
        Client.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
        .exclude(status=ClientStatus.WITHDRAWN)
        .filter(
            Q(phone_index__isnull=True)
            | Q(birth_date__isnull=True)
            | Q(gender="U")
            | Q(general_consent=False)
        ),
        "created_by",
        n=Count("pk"),
    )
    alerts = _grouped(
        Alert.objects.filter(store=store, occurred_at__gte=start, occurred_at__lt=end),
        "user",
        n=Count("pk"),
    )
    complaints = _complaints(store, start, end)
    month_end = end.date() - dt.timedelta(days=1)
    trained = set(
        TrainingRecord.objects.filter(
            user__in=ids,
            topic=TrainingRecord.Topic.SECURITY,
            result__in=[TrainingRecord.Result.PASSED, TrainingRecord.Result.ATTENDED],
            date__gt=month_end - dt.timedelta(days=365),
            date__lte=month_end,
        ).values_list("user_id", flat=True)
    )
    signed: dict[int, set] = {}
    for uid, kind in Agreement.objects.filter(user__in=ids, signed_on__lte=month_end).values_list(
        "user_id", "kind"
    ):
        signed.setdefault(uid, set()).add(kind)
    kinds = len(Agreement.Kind.values)
    out = {}
    for uid, dept in people:
        e = entries.get(uid, {})
        n, late = e.get("n", 0), e.get("late", 0)
        out[uid] = {
            "department": dept,
            "entries": n,
            "late_entries": late,
            "timeliness": _percent(n - late, n),
            "quality_issues": quality.get(uid, {}).get("n", 0),
            "alerts": alerts.get(uid, {}).get("n", 0),
            "incidents": 0,
            "complaints": complaints.get(uid, 0),
            "training_missing": 0 if uid in trained else 1,
            "agreements_outstanding": kinds - len(signed.get(uid, ())),
        }
    return out


def _percent(part: int, whole: int):
    return None if not whole else round(100 * part / whole, 1)


def _total(rows) -> dict:
    total = {k: sum(r[k] for r in rows) for k in COUNTS}
    total["timeliness"] = _percent(total["entries"] - total["late_entries"], total["entries"])
    return total


def compute(*, store, month: dt.date, actor=None, now=None) -> list[KpiRow]:
    """Compute and store the month's rows (replacing earlier ones), logged in one entry."""
    from anxin.audit.services import operation_log

    month = month.replace(day=1)
    now = now or timezone.now()
    per_person = figures(store=store, month=month)
    start, end = month_range(month)
    incidents = 0
    if apps.is_installed("anxin.privacy"):
        from anxin.privacy.models import Incident

        incidents = Incident.objects.filter(
            store=store, found_at__gte=start, found_at__lt=end
        ).count()
    rows = []
    by_dept: dict = {}
    for uid, values in per_person.items():
        dept = values.pop("department")
        by_dept.setdefault(dept, []).append(values)
        rows.append(KpiRow(store=store, month=month, key=f"u{uid}", user_id=uid, figures=values))
    for dept, members in by_dept.items():
        rows.append(
            KpiRow(
                store=store,
                month=month,
                key=f"d{dept}" if dept else "d-",
                department_id=dept,
                figures=_total(members),
            )
        )
    store_total = _total(list(per_person.values()))
    store_total["incidents"] = incidents
    rows.append(KpiRow(store=store, month=month, key="store", figures=store_total))
    for row in rows:
        row.computed_at = now
    with transaction.atomic():
        KpiRow.objects.filter(store=store, month=month).delete()
        KpiRow.objects.bulk_create(rows)
        operation_log(
            actor=actor,
            action="compute",
            record_type="supervision.kpi",
            record_id=f"{month:%Y-%m}",
            changes={"rows": {"before": None, "after": len(rows)}},
            store=store,
        )
    return rows
