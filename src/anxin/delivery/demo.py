"""Demo service records, with feedback, follow-up tasks and suggestions, on the practitioners'
real working days.

Every service lies inside a clock record (attendance) of the practitioner who gave it: a
worked day's sessions follow one another with the rest gap between them and never overlap, so
the appointments made from them (``scheduling.demo``) are conflict-free and the monthly
utilisation is booked time over clocked time. Clients are served only once registered.
300,000 records at store scale (three years) are written in batches with one prepared INSERT
each (no per-row audit entries: demo history, not work done through the application). About
one booking in a hundred never became a service (cancelled or missed): those are returned for
the appointments demo.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from anxin.catalogue.rules import Purchase, discounted, eligible
from anxin.clients.models import Client, ClockType, ServiceRecord
from anxin.core.models import Category, CategoryKind

from .models import Feedback, FollowUpTask, Suggestion, TaskKind, TaskState

RECORD_COUNTS = {"small": 1_000, "store": 300_000, "chain": 1_000}
BATCH = 5_000
FEEDBACK_SHARE = 0.3
MISSED_SHARE = 0.01  # bookings that were cancelled or missed instead of served
COMMENTS = ["手法很好", "力度合适", "环境安静", "等待时间有点长", "技师很专业", "希望多些时段", ""]
PRODUCTS = ["", "", "", "", "精油一瓶", "艾草贴", "足浴包", "护肤套装"]
SUGGESTIONS = ["希望延长营业时间", "建议增加停车位", "候诊区加些靠垫", "希望提供线上预约"]


@dataclass(frozen=True)
class Session:
    """One booked session of a practitioner's worked day."""

    start: dt.datetime
    end: dt.datetime
    practitioner_id: int
    item: object
    missed: bool = False


def worked_days(store) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """(practitioner account, clock-in, clock-out) of every closed clock record of the store's
    practitioners who have an account."""
    from anxin.attendance.models import ClockRecord
    from anxin.staff.models import StaffKind

    return list(
        ClockRecord.objects.filter(
            store=store,
            member__kind=StaffKind.PRACTITIONER,
            member__user__isnull=False,
            clock_out__isnull=False,
        )
        .order_by("clock_in")
        .values_list("member__user_id", "clock_in", "clock_out")
    )


def _day(rnd, items, begin, end, want: int, gap: int) -> list:
    """``want`` sessions (fewer if they do not fit) spread over [begin, end]: idle time falls
    at random between them, each is followed by the rest gap."""
    window = int((end - begin).total_seconds() // 60)
    chosen = [rnd.choice(items) for _ in range(want)]
    while chosen and sum(i.duration for i in chosen) + gap * (len(chosen) - 1) > window:
        chosen.pop()
    slack = window - sum(i.duration for i in chosen) - gap * max(len(chosen) - 1, 0)
    idle = sorted(int(rnd.random() * slack) for _ in chosen)
    out, busy = [], 0
    for item, before in zip(chosen, idle, strict=True):
        start = begin + dt.timedelta(minutes=before + busy)
        out.append((start, start + dt.timedelta(minutes=item.duration), item))
        busy += item.duration + gap
    return out


def plan_sessions(*, rnd, store, items, total: int) -> list[Session]:
    """About ``total`` served sessions (plus the missed ones) over the worked days, in time order."""
    from anxin.scheduling.services import rest_gap

    days = worked_days(store)
    if not days or not items:
        return []
    gap = int(rest_gap().total_seconds() // 60)
    per_day = total * (1 + MISSED_SHARE) / len(days)
    sessions, owed = [], 0.0
    for who, begin, end in days:
        # What a full day could not take is owed to the next ones: the total comes out right.
        owed += per_day
        planned = _day(rnd, items, begin, end, int(owed + rnd.random()), gap)
        owed -= len(planned)
        for start, finish, item in planned:
            missed = rnd.random() < MISSED_SHARE
            sessions.append(Session(start, finish, who, item, missed))
    sessions.sort(key=lambda s: (s.start, s.practitioner_id))
    return sessions


def demo_services(*, rnd, store, items, promotions, scale: str) -> dict:
    """Service records (and their feedback) from the planned sessions. Returns the count and
    the sessions that were booked but never served."""
    from anxin.catalogue.demo import holder

    front_desk = holder(store, "front_desk")
    items = [i for i in items if i.active and i.duration]
    clients = list(
        Client.objects.filter(store=store).order_by("created_at").values_list("pk", "created_at")
    )
    if not clients or not items:
        return {"records": 0, "missed": []}
    registered = [at for _pk, at in clients]
    client_ids = [pk for pk, _at in clients]
    by_day: dict[dt.date, list] = {}
    for p in promotions:
        day = p.starts_on
        while day <= p.ends_on:
            by_day.setdefault(day, []).append(p)
            day += dt.timedelta(days=1)
    now = timezone.now()
    seen: set[int] = set(
        ServiceRecord.objects.filter(store=store).values_list("client_id", flat=True)
    )
    sessions = plan_sessions(rnd=rnd, store=store, items=items, total=RECORD_COUNTS[scale])
    missed = [s for s in sessions if s.missed]
    served = [s for s in sessions if not s.missed and s.end <= now]
    made = 0
    sqlite = connection.vendor == "sqlite"
    now_s = stamp(now, sqlite)
    # When each record was entered: minutes after the service, one in thirty the next day (the
    # information KPIs' entry timeliness). Its own random stream: ``rnd`` draws as before.
    entry_rnd = random.Random(len(served))  # noqa: S311 (demo data, not secrets)
    for start in range(0, len(served), BATCH):
        rows, last_id = [], _max_id(ServiceRecord)
        for session in served[start : start + BATCH]:
            known = bisect.bisect_right(registered, session.start)
            if not known:
                continue  # no client registered yet
            client_id = client_ids[rnd.randrange(known)]
            item = session.item
            amount, promotion = item.price, None
            purchase = Purchase(item.code, item.price, client_id not in seen)
            for p in by_day.get(timezone.localtime(session.start).date(), []):
                if eligible(p.rules, purchase):
                    price = discounted(item.price, p.discount_kind, p.discount_value)
                    if price < amount:
                        amount, promotion = price, p
            seen.add(client_id)
            who = session.practitioner_id
            entered = session.end + (
                dt.timedelta(hours=entry_rnd.randrange(25, 40))
                if entry_rnd.random() < 1 / 30
                else dt.timedelta(minutes=entry_rnd.randrange(2, 50))
            )
            rows.append(
                (
                    stamp(min(entered, now), sqlite),
                    who,
                    now_s,
                    who,
                    store.pk,
                    client_id,
                    who,
                    stamp(session.end, sqlite),
                    stamp(session.start, sqlite),
                    stamp(session.end, sqlite),
                    item.pk,
                    item.name,
                    promotion.pk if promotion else None,
                    amount,
                    rnd.choice(PRODUCTS),
                    "",
                    rnd.choice(CLOCKS),
                )
            )
        _insert(RECORD_COLUMNS, ServiceRecord, rows)
        new_ids = list(
            ServiceRecord.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)
        )
        feedback = [
            (
                now_s,
                front_desk.pk,
                now_s,
                front_desk.pk,
                pk,
                rnd.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0],
                rnd.choice(COMMENTS),
            )
            for pk in new_ids
            if rnd.random() < FEEDBACK_SHARE
        ]
        _insert(FEEDBACK_COLUMNS, Feedback, feedback)
        made += len(new_ids)
    practitioners = [holder(store, "practitioner")]
    _demo_follow_ups(rnd=rnd, store=store, front_desk=front_desk, practitioners=practitioners)
    return {"records": made, "missed": [s for s in missed if s.end <= now]}


RECORD_COLUMNS = (
    "created_at",
    "created_by_id",
    "updated_at",
    "updated_by_id",
    "store_id",
    "client_id",
    "practitioner_id",
    "served_at",
    "started_at",
    "ended_at",
    "item_id",
    "item_name",
    "promotion_id",
    "amount",
    "products_sold",
    "notes",
    "clock_type",
)
FEEDBACK_COLUMNS = (
    "created_at",
    "created_by_id",
    "updated_at",
    "updated_by_id",
    "service_id",
    "score",
    "comments",
)
CLOCKS = [ClockType.ROTATION, ClockType.ROTATION, ClockType.NAMED, ClockType.EXTENSION]


def stamp(value: dt.datetime, sqlite: bool):
    """A datetime as the database takes it (SQLite: naive UTC text, as Django writes it)."""
    if sqlite:
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _max_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _insert(columns, model, rows) -> None:
    """Many rows in one prepared statement: ten times faster than the ORM for demo history."""
    if not rows:
        return
    table = model._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names are constants
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[i : i + 1000])


def _demo_follow_ups(*, rnd, store, front_desk, practitioners) -> None:
    today = timezone.localdate()
    recent = list(
        ServiceRecord.objects.filter(store=store)
        .order_by("-served_at")[:40]
        .select_related("client")
    )
    tasks = []
    for i, record in enumerate(recent):
        done = i % 3 == 0
        tasks.append(
            FollowUpTask(
                store=store,
                client=record.client,
                service=record,
                kind=rnd.choice(TaskKind.values),
                # never the practitioner who gave the service (CLI-5: the client's channel)
                assignee=rnd.choice(
                    [p for p in [front_desk, *practitioners[:2]] if p.pk != record.practitioner_id]
                ),
                due_on=today + dt.timedelta(days=rnd.randrange(-5, 7)),
                state=TaskState.DONE if done else TaskState.OPEN,
                outcome="客户满意" if done else "",
                done_at=timezone.now() if done else None,
                created_by=front_desk,
                updated_by=front_desk,
            )
        )
    FollowUpTask.objects.bulk_create(tasks)
    departments = list(Category.objects.filter(kind=CategoryKind.DEPARTMENT))
    rows = []
    for text in SUGGESTIONS:
        state = rnd.choice(["open", "in_progress", "closed"])
        closed = state == "closed"
        rows.append(
            Suggestion(
                store=store,
                department=rnd.choice(departments),
                text=text,
                state=state,
                resolution="已落实" if closed else "",
                closed_at=timezone.now() if closed else None,
                created_by=front_desk,
                updated_by=front_desk,
            )
        )
    Suggestion.objects.bulk_create(rows)


__all__ = ["Decimal"]
