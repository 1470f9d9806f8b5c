"""Anomaly rules over the use log (AUD-3): alerts for the supervisor.

Thresholds come from ``ANXIN_ALERT_RULES`` (each rule may be switched off with
``"enabled": False``). ``scan()`` is idempotent: every alert has a key derived from its
evidence, and windowed rules do not fire again for a window an earlier alert overlaps.

- denied: every use with outcome "denied" (one alert each; also raised at once on commit).
- export: every export (one alert each; also raised at once on commit).
- bulk_reads: more than ``records`` distinct client records read by one user within
  ``minutes``. Fires at the first read that crosses the threshold.
- repeated_reveals: more than ``reveals`` reveals by one user within ``minutes``.
- off_hours: any use outside ``start``–``end`` local time; one alert per user and night,
  new uses joining it while it is open (a new alert once it has been handled).
"""

import datetime as dt
import logging
from collections import Counter, defaultdict, deque

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Alert, AlertRule, AlertState, UseLog, UseOutcome

log = logging.getLogger(__name__)

DEFAULT_RULES = {
    "bulk_reads": {
        "enabled": True,
        "records": 50,
        "minutes": 10,
        "record_types": ["clients.client"],
        "actions": ["view", "view_health", "reveal"],
    },
    "off_hours": {"enabled": True, "start": "08:00", "end": "22:00"},
    "denied": {"enabled": True},
    "repeated_reveals": {"enabled": True, "reveals": 5, "minutes": 10},
    "export": {"enabled": True},
}

_COLUMNS = ("id", "at", "user_id", "store_id", "record_type", "record_id", "action", "outcome")


def rule_settings() -> dict:
    """The defaults, overridden rule by rule (and key by key) by ``ANXIN_ALERT_RULES``."""
    configured = getattr(settings, "ANXIN_ALERT_RULES", {}) or {}
    return {
        name: {**defaults, **configured.get(name, {})} for name, defaults in DEFAULT_RULES.items()
    }


def parse_hhmm(text: str) -> dt.time:
    hours, _sep, minutes = str(text).partition(":")
    return dt.time(int(hours), int(minutes or 0))


# -- immediate alerts ------------------------------------------------------------------------


def is_immediate(entry: UseLog) -> bool:
    rules = rule_settings()
    return (entry.outcome == UseOutcome.DENIED and rules["denied"]["enabled"]) or (
        entry.action == "export" and rules["export"]["enabled"]
    )


def raise_immediate(use_id: int) -> list[Alert]:
    """After commit: the alert for a denied attempt or an export, unless scan() made it."""
    events = list(UseLog.objects.filter(pk=use_id).values(*_COLUMNS))
    return _per_event(events, since=None, rules=rule_settings(), now=timezone.now())


# -- scanning --------------------------------------------------------------------------------


def scan(since: dt.datetime | None = None, *, now: dt.datetime | None = None) -> list[Alert]:
    """Evaluate every rule over uses at or after ``since`` (all when None); returns new alerts.

    Earlier uses are read too, as far back as the rules' windows need.
    """
    rules = rule_settings()
    now = now or timezone.now()
    longest = max(rules["bulk_reads"]["minutes"], rules["repeated_reveals"]["minutes"], 24 * 60)
    events = UseLog.objects.order_by("at", "seq")
    if since is not None:
        # Context: a full window before the first use considered, or the whole night.
        events = events.filter(at__gte=since - dt.timedelta(minutes=longest))
    events = list(events.values(*_COLUMNS))
    created: list[Alert] = []
    created += _per_event(events, since=since, rules=rules, now=now)
    created += _windowed(events, since, rules, now, "bulk_reads")
    created += _windowed(events, since, rules, now, "repeated_reveals")
    created += _off_hours(events, since, rules, now)
    return created


def _recent(event, since) -> bool:
    return since is None or event["at"] >= since


def _create(key: str, **fields) -> Alert | None:
    """Create the alert unless its key exists (a concurrent scan or on-commit hook won)."""
    try:
        with transaction.atomic():
            alert, created = Alert.objects.get_or_create(key=key, defaults=fields)
    except IntegrityError:
        return None
    return alert if created else None


def _per_event(events, *, since, rules, now) -> list[Alert]:
    wanted = []
    for e in events:
        if not _recent(e, since):
            continue
        if e["outcome"] == UseOutcome.DENIED and rules["denied"]["enabled"]:
            wanted.append((AlertRule.DENIED, e))
        if e["action"] == "export" and rules["export"]["enabled"]:
            wanted.append((AlertRule.EXPORT, e))
    keys = {f"{rule}:{e['id']}" for rule, e in wanted}
    existing = set(Alert.objects.filter(key__in=keys).values_list("key", flat=True))
    out = []
    for rule, e in wanted:
        key = f"{rule}:{e['id']}"
        if key in existing:
            continue
        facts = {
            "action": e["action"],
            "record_type": e["record_type"],
            "record_id": e["record_id"],
        }
        alert = _create(
            key,
            rule=rule,
            user_id=e["user_id"],
            store_id=e["store_id"],
            window_start=e["at"],
            occurred_at=e["at"],
            raised_at=now,
            evidence=[e["id"]],
            facts=facts,
        )
        if alert:
            out.append(alert)
    return out


def _windowed(events, since, rules, now, rule: str) -> list[Alert]:
    """Bulk reads (distinct records) and repeated reveals (count), per user, sliding window."""
    config = rules[rule]
    if not config["enabled"]:
        return []
    window = dt.timedelta(minutes=config["minutes"])
    if rule == "bulk_reads":
        threshold = config["records"]
        types, actions = set(config["record_types"]), set(config["actions"])

        def counts(e):
            return e["record_type"] in types and e["action"] in actions and e["record_id"]
    else:
        threshold = config["reveals"]

        def counts(e):
            return e["action"] == "reveal"

    per_user = defaultdict(list)
    for e in events:
        if e["user_id"] is not None and e["outcome"] == UseOutcome.ALLOWED and counts(e):
            per_user[e["user_id"]].append(e)
    if not per_user:
        return []
    earliest = min(e["at"] for group in per_user.values() for e in group)
    fired = defaultdict(list)
    for user_id, start, end in Alert.objects.filter(
        rule=rule, user_id__in=per_user, occurred_at__gte=earliest - window
    ).values_list("user_id", "window_start", "occurred_at"):
        fired[user_id].append((start, end))
    out = []
    for user_id, group in per_user.items():
        inside: deque = deque()
        distinct: Counter = Counter()
        for e in group:
            inside.append(e)
            distinct[(e["record_type"], e["record_id"])] += 1
            while inside[0]["at"] <= e["at"] - window:
                old = inside.popleft()
                key = (old["record_type"], old["record_id"])
                distinct[key] -= 1
                if not distinct[key]:
                    del distinct[key]
            amount = len(distinct) if rule == "bulk_reads" else len(inside)
            if amount <= threshold or not _recent(e, since):
                continue
            low = e["at"] - window
            if any(end > low and start <= e["at"] for start, end in fired[user_id]):
                continue  # this episode has its alert already
            first = inside[0]["at"]
            facts = {"amount": amount, "threshold": threshold, "minutes": config["minutes"]}
            alert = _create(
                f"{rule}:{user_id}:{e['id']}",
                rule=rule,
                user_id=user_id,
                store_id=e["store_id"],
                window_start=first,
                occurred_at=e["at"],
                raised_at=now,
                evidence=[x["id"] for x in inside],
                facts=facts,
            )
            fired[user_id].append((first, e["at"]))
            if alert:
                out.append(alert)
    return out


def _off_hours(events, since, rules, now) -> list[Alert]:
    config = rules["off_hours"]
    if not config["enabled"]:
        return []
    start, end = parse_hhmm(config["start"]), parse_hhmm(config["end"])
    shift = dt.timedelta(hours=start.hour, minutes=start.minute)

    def working(t: dt.time) -> bool:
        return start <= t < end if start <= end else (t >= start or t < end)

    nights = defaultdict(list)
    for e in events:
        if e["user_id"] is None:
            continue
        local = timezone.localtime(e["at"])
        if working(local.time()):
            continue
        # The night from one working day's end to the next one's start belongs to one date.
        night = (local - shift).date().isoformat()
        nights[(e["user_id"], night)].append(e)
    out = []
    for (user_id, night), group in nights.items():
        if not any(_recent(e, since) for e in group):
            continue
        prefix = f"off_hours:{user_id}:{night}:"
        alerts = list(Alert.objects.filter(key__startswith=prefix).order_by("id"))
        covered = {i for a in alerts for i in a.evidence}
        fresh = [e for e in group if e["id"] not in covered]
        if not fresh:
            continue
        facts = {"night": night, "start": config["start"], "end": config["end"]}
        still_open = next((a for a in alerts if a.state == AlertState.OPEN), None)
        if still_open is not None:
            with transaction.atomic():
                alert = Alert.objects.select_for_update().get(pk=still_open.pk)
                ids = sorted(set(alert.evidence) | {e["id"] for e in fresh})
                alert.evidence = ids
                alert.occurred_at = max(alert.occurred_at, fresh[-1]["at"])
                alert.facts = {**facts, "amount": len(ids)}
                alert.save(update_fields=["evidence", "occurred_at", "facts"])
            continue
        alert = _create(
            prefix + str(fresh[0]["id"]),
            rule=AlertRule.OFF_HOURS,
            user_id=user_id,
            store_id=fresh[-1]["store_id"],
            window_start=fresh[0]["at"],
            occurred_at=fresh[-1]["at"],
            raised_at=now,
            evidence=[e["id"] for e in fresh],
            facts={**facts, "amount": len(fresh)},
        )
        if alert:
            out.append(alert)
    return out


# -- words for people ------------------------------------------------------------------------


def alert_summary(alert: Alert) -> str:
    f = alert.facts or {}
    if alert.rule == AlertRule.BULK_READS:
        return (
            _(
                "%(amount)s different client records read within %(minutes)s minutes "
                "(more than %(threshold)s raises an alert)."
            )
            % f
        )
    if alert.rule == AlertRule.REPEATED_REVEALS:
        return (
            _(
                "%(amount)s masked values revealed within %(minutes)s minutes "
                "(more than %(threshold)s raises an alert)."
            )
            % f
        )
    if alert.rule == AlertRule.OFF_HOURS:
        return _(
            "%(amount)s uses outside working hours (%(start)s–%(end)s) in the night after %(night)s."
        ) % {**f, "amount": len(alert.evidence)}
    if alert.rule == AlertRule.DENIED:
        from .display import use_action_label

        return _("A refused attempt to %(action)s %(record)s.") % {
            "action": use_action_label(f.get("action", "")),
            "record": _record(f),
        }
    if alert.rule == AlertRule.EXPORT:
        return _("An export of %(record)s.") % {"record": _record(f)}
    if alert.rule == AlertRule.INTEGRITY:
        return _("Verification of the audit logs failed: %(problem)s") % {
            "problem": f.get("problem", "")
        }
    return ""


def _record(facts: dict) -> str:
    """The record in words (客户（编号 7）), not its model label (issue 12)."""
    from types import SimpleNamespace

    from .display import record_label

    return record_label(
        SimpleNamespace(
            record_type=facts.get("record_type", ""),
            record_id=facts.get("record_id") or "",
            record_code=facts.get("record_code") or "",
        )
    )
