"""Reading backup records and backup health (no personal data here)."""

from django.db.models import Max
from django.utils import timezone

from . import destinations
from .models import Backup, BackupCopy, Recovery, RecoveryKind, Result

STALE_HOURS = 36  # a nightly backup older than this is overdue


def backups():
    return Backup.objects.select_related("operator").prefetch_related("copies")


def recoveries():
    return Recovery.objects.select_related("operator")


def health() -> dict:
    """Per destination the newest good copy and its age; the last drill; the warnings."""
    dests = destinations.configured()
    now = timezone.now()
    newest = dict(
        BackupCopy.objects.filter(ok=True)
        .values_list("destination")
        .annotate(at=Max("at"))
        .values_list("destination", "at")
    )
    rows = []
    for dest in dests:
        at = newest.get(dest.label)
        hours = (now - at).total_seconds() / 3600 if at else None
        rows.append(
            {
                "label": dest.label,
                "description": destinations.describe(dest),
                "at": at,
                "age_hours": None if hours is None else round(hours, 1),
                "stale": hours is None or hours > STALE_HOURS,
            }
        )
    drill = Recovery.objects.filter(kind=RecoveryKind.DRILL).exclude(result=Result.RUNNING).first()
    last = Backup.objects.exclude(result=Result.RUNNING).first()
    return {
        "destinations": rows,
        "warnings": destinations.warnings(dests),
        "last_drill": drill,
        "last_backup": last,
        "healthy": bool(rows)
        and not any(r["stale"] for r in rows)
        and drill is not None
        and drill.result == Result.OK,
    }


def health_panel(request) -> dict:
    return health()
