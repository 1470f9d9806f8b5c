"""Demo service records over two years, with feedback, follow-up tasks and suggestions.

300,000 records at store scale are written in batches with one prepared INSERT each (no
per-row audit entries: demo history, not work done through the application).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from anxin.catalogue.rules import Purchase, discounted, eligible
from anxin.clients.models import Client, ClockType, ServiceRecord
from anxin.core.models import Category, CategoryKind

from .models import Feedback, FollowUpTask, Suggestion, TaskKind, TaskState

RECORD_COUNTS = {"small": 2_000, "store": 300_000, "chain": 2_000}
BATCH = 5_000
DAYS = 730
FEEDBACK_SHARE = 0.3
COMMENTS = ["手法很好", "力度合适", "环境安静", "等待时间有点长", "技师很专业", "希望多些时段", ""]
PRODUCTS = ["", "", "", "", "精油一瓶", "艾草贴", "足浴包", "护肤套装"]
SUGGESTIONS = ["希望延长营业时间", "建议增加停车位", "候诊区加些靠垫", "希望提供线上预约"]


def demo_services(*, rnd, store, items, promotions, scale: str) -> int:
    from anxin.catalogue.demo import holder

    practitioner, front_desk = holder(store, "practitioner"), holder(store, "front_desk")
    # One account per role in the demo (each printed with its password): the demo
    # practitioner gave every service.
    practitioners = [practitioner]
    client_ids = list(Client.objects.filter(store=store).values_list("pk", flat=True))
    items = [i for i in items if i.active]
    if not client_ids or not items:
        return 0
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
    total = RECORD_COUNTS[scale]
    # Oldest first, so "a new client" means the client's first service.
    offsets = sorted((rnd.random() for _ in range(total)), reverse=True)
    made = 0
    sqlite = connection.vendor == "sqlite"
    now_s = stamp(now, sqlite)
    for start in range(0, total, BATCH):
        rows, last_id = [], _max_id(ServiceRecord)
        for offset in offsets[start : start + BATCH]:
            served_at = now - dt.timedelta(days=offset * DAYS, hours=rnd.random() * 2)
            hour = 10 + int(rnd.random() * 12)
            served_at = served_at.replace(hour=hour % 24, minute=rnd.randrange(60))
            if served_at > now:
                served_at -= dt.timedelta(days=1)
            client_id = rnd.choice(client_ids)
            item = rnd.choice(items)
            amount, promotion = item.price, None
            purchase = Purchase(item.code, item.price, client_id not in seen)
            for p in by_day.get(timezone.localtime(served_at).date(), []):
                if eligible(p.rules, purchase):
                    price = discounted(item.price, p.discount_kind, p.discount_value)
                    if price < amount:
                        amount, promotion = price, p
            seen.add(client_id)
            who = rnd.choice(practitioners).pk
            clock = rnd.choice(CLOCKS)
            started = served_at - dt.timedelta(minutes=item.duration)
            rows.append(
                (
                    now_s,
                    who,
                    now_s,
                    who,
                    store.pk,
                    client_id,
                    who,
                    stamp(served_at, sqlite),
                    stamp(started, sqlite),
                    stamp(served_at, sqlite),
                    item.pk,
                    item.name,
                    promotion.pk if promotion else None,
                    amount,
                    rnd.choice(PRODUCTS),
                    "",
                    clock,
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
    _demo_follow_ups(rnd=rnd, store=store, front_desk=front_desk, practitioners=practitioners)
    return made


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
                assignee=rnd.choice([front_desk, *practitioners[:2]]),
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
