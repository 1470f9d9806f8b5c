"""The checks an audit's checklist items run over the logs and records (AUD-4).

Each check is data in ``REGISTRY``: a key, the policy it enforces (in words), whether rows found
mean a problem or the proof, and a function ``(plan, limit) -> (count, rows)`` where each row is
``{"label", "detail", "url"}``. Counts are exact; the rows are the first ``limit``. The queries
on the use log read only the index ranges of the audited store and period (see
``tests/test_plans.py`` and ``bench/bench_supervision.py``).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.models import RoleAssignment, TrainingRecord
from anxin.accounts.names import person_name
from anxin.audit.models import UseLog
from anxin.core.dates import day_range, day_start

LIMIT = 50
MAX_GAP_DAYS = 400  # a use-log gap check looks at most this many days


@dataclass(frozen=True)
class Check:
    key: str
    label: object
    policy: object
    # True: rows found are problems (none = pass). False: rows are the proof (none = fail).
    rows_are_problems: bool
    run: Callable


def _uses_url(**params) -> str:
    return "/audit/uses/?" + urlencode({k: v for k, v in params.items() if v})


def reveals_without_purpose(plan, limit=LIMIT):
    start, end = day_range(plan.period_start, plan.period_end)
    qs = UseLog.objects.filter(
        store=plan.store, action="reveal", at__gte=start, at__lt=end, purpose=""
    )
    rows = [
        {
            "label": f"#{e.seq} {e.record_code or e.record_type}",
            "detail": _("%(who)s revealed a masked value at %(at)s without a purpose")
            % {
                "who": person_name(e.user, plan.store) if e.user else _("the system"),
                "at": f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}",
            },
            "url": _uses_url(
                action="reveal",
                record=e.record_code or e.record_id,
                date_from=f"{timezone.localtime(e.at):%Y-%m-%d}",
                date_to=f"{timezone.localtime(e.at):%Y-%m-%d}",
            ),
        }
        for e in qs.select_related("user").order_by("at")[:limit]
    ]
    return qs.count(), rows


def departed_staff_with_access(plan, limit=LIMIT):
    from anxin.staff.models import StaffMember

    active_role = RoleAssignment.objects.filter(user=OuterRef("user"), active=True)
    qs = (
        StaffMember.objects.filter(
            store=plan.store, left_on__isnull=False, left_on__lte=plan.period_end
        )
        .filter(Q(user__is_active=True) | Q(Exists(active_role)))
        .select_related("user")
        .order_by("left_on", "pk")
    )
    rows = [
        {
            "label": m.code or m.name,
            "detail": _("%(name)s left on %(left)s but the account is still active or has roles")
            % {"name": m.name, "left": f"{m.left_on:%Y-%m-%d}"},
            "url": f"/staff/{m.pk}/",
        }
        for m in qs[:limit]
    ]
    return qs.count(), rows


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def backups_drilled(plan, limit=LIMIT):
    from anxin.backups.models import Recovery, RecoveryKind, Result

    start, end = day_range(_quarter_start(plan.period_end), plan.period_end)
    qs = Recovery.objects.filter(
        kind=RecoveryKind.DRILL, result=Result.OK, started_at__gte=start, started_at__lt=end
    ).order_by("-started_at")
    rows = [
        {
            "label": r.backup_name or str(r.pk),
            "detail": _("Restore drill passed on %(at)s")
            % {"at": f"{timezone.localtime(r.started_at):%Y-%m-%d %H:%M}"},
            "url": f"/backups/recoveries/{r.token}/",
        }
        for r in qs[:limit]
    ]
    return qs.count(), rows


def training_completed(plan, limit=LIMIT):
    """Staff in post at the end of the period without a passed or attended security training
    in the twelve months before it (AUD-7 records)."""
    from anxin.staff.models import StaffMember

    since = plan.period_end - dt.timedelta(days=365)
    trained = TrainingRecord.objects.filter(
        user=OuterRef("user"),
        topic=TrainingRecord.Topic.SECURITY,
        result__in=[TrainingRecord.Result.PASSED, TrainingRecord.Result.ATTENDED],
        date__gt=since,
        date__lte=plan.period_end,
    )
    qs = (
        StaffMember.objects.filter(
            store=plan.store, user__isnull=False, hire_date__lte=plan.period_end
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=plan.period_end))
        .exclude(Exists(trained))
        .order_by("code", "name")
    )
    rows = [
        {
            "label": m.code or m.name,
            "detail": _("%(name)s has no security-awareness training in the last twelve months")
            % {"name": m.name},
            "url": f"/staff/{m.pk}/",
        }
        for m in qs[:limit]
    ]
    return qs.count(), rows


def grants_reviewed(plan, limit=LIMIT):
    """Sharing grants in force during the period that nobody reviewed during it."""
    from anxin.privacy.models import GrantReview, SharingGrant

    start, end = day_range(plan.period_start, plan.period_end)
    reviewed = GrantReview.objects.filter(
        grant=OuterRef("pk"), decided_at__gte=start, decided_at__lt=end
    )
    qs = (
        SharingGrant.objects.filter(store=plan.store, starts_at__lt=end, ends_at__gt=start)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .exclude(Exists(reviewed))
        .select_related("grantor")
        .order_by("starts_at", "pk")
    )
    rows = [
        {
            "label": f"#{g.pk}",
            "detail": _("Granted by %(who)s from %(start)s, not reviewed in the period")
            % {
                "who": person_name(g.grantor, plan.store),
                "start": f"{timezone.localtime(g.starts_at):%Y-%m-%d}",
            },
            "url": f"/privacy/grants/{g.pk}/",
        }
        for g in qs[:limit]
    ]
    return qs.count(), rows


def use_log_gaps(plan, limit=LIMIT):
    """Days of the period with no entry at all in the store's use log: logging may have stopped.

    One index probe a day (``at`` range, then the store), never a read of the whole log."""
    first = plan.period_start
    last = min(plan.period_end, first + dt.timedelta(days=MAX_GAP_DAYS - 1))
    rows, count, day = [], 0, first
    base = UseLog.objects.filter(store=plan.store)
    while day <= last:
        nxt = day + dt.timedelta(days=1)
        if not base.filter(at__gte=day_start(day), at__lt=day_start(nxt)).exists():
            count += 1
            if len(rows) < limit:
                rows.append(
                    {
                        "label": f"{day:%Y-%m-%d}",
                        "detail": _("No use of information was logged on this day"),
                        "url": _uses_url(date_from=f"{day:%Y-%m-%d}", date_to=f"{day:%Y-%m-%d}"),
                    }
                )
        day = nxt
    return count, rows


REGISTRY: dict[str, Check] = {
    c.key: c
    for c in (
        Check(
            "reveals_without_purpose",
            gettext_lazy("Every reveal of a masked value has a purpose"),
            gettext_lazy("Personal data is revealed only for a stated purpose"),
            True,
            reveals_without_purpose,
        ),
        Check(
            "departed_staff_access",
            gettext_lazy("Departed staff have no active access"),
            gettext_lazy("Access is removed the day a person leaves"),
            True,
            departed_staff_with_access,
        ),
        Check(
            "backups_drilled",
            gettext_lazy("Backups were restored in a drill this quarter"),
            gettext_lazy("Backups are tested by a restore drill every quarter"),
            False,
            backups_drilled,
        ),
        Check(
            "training_completed",
            gettext_lazy("Everyone completed security-awareness training"),
            gettext_lazy("Every employee is trained in information security once a year"),
            True,
            training_completed,
        ),
        Check(
            "grants_reviewed",
            gettext_lazy("Sharing grants were reviewed in the period"),
            gettext_lazy("Grants of client data are reviewed periodically"),
            True,
            grants_reviewed,
        ),
        Check(
            "use_log_gaps",
            gettext_lazy("The use log has no gaps"),
            gettext_lazy("Every use of important information is logged"),
            True,
            use_log_gaps,
        ),
    )
}


def check_choices() -> list[tuple[str, object]]:
    return [(c.key, c.label) for c in REGISTRY.values()]
