"""Demo service records over two years, with feedback, follow-up tasks and suggestions.

300,000 records at store scale are written with ``bulk_create`` in batches (no per-row audit
entries: demo history, not work done through the application).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from anxin.accounts.services import role_assign, user_create
from anxin.catalogue.rules import Purchase, discounted, eligible
from anxin.clients.models import Client, ClockType, ServiceRecord
from anxin.core.models import Category, CategoryKind

from .models import Feedback, FollowUpTask, Suggestion, TaskKind, TaskState

RECORD_COUNTS = {"small": 2_000, "store": 300_000, "chain": 2_000}
EXTRA_PRACTITIONERS = {"small": 3, "store": 11, "chain": 3}
BATCH = 5_000
DAYS = 730
FEEDBACK_SHARE = 0.3
COMMENTS = ["手法很好", "力度合适", "环境安静", "等待时间有点长", "技师很专业", "希望多些时段", ""]
PRODUCTS = ["", "", "", "", "精油一瓶", "艾草贴", "足浴包", "护肤套装"]
SUGGESTIONS = ["希望延长营业时间", "建议增加停车位", "候诊区加些靠垫", "希望提供线上预约"]


def demo_services(*, rnd, store, items, promotions, scale: str) -> int:
    from anxin.catalogue.demo import holder

    practitioner, front_desk = holder(store, "practitioner"), holder(store, "front_desk")
    practitioners = [practitioner]
    for i in range(EXTRA_PRACTITIONERS[scale]):
        extra = user_create(
            username=f"practitioner{i + 2}", password=None, full_name=rnd.person_name()
        )
        extra.is_active = True
        extra.save(update_fields=["is_active"])
        role_assign(user=extra, store=store, role_key="practitioner")
        practitioners.append(extra)
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
    for start in range(0, total, BATCH):
        batch = []
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
            who = rnd.choice(practitioners)
            batch.append(
                ServiceRecord(
                    store=store,
                    client_id=client_id,
                    practitioner=who,
                    served_at=served_at,
                    started_at=served_at - dt.timedelta(minutes=item.duration),
                    ended_at=served_at,
                    item=item,
                    item_name=item.name,
                    promotion=promotion,
                    amount=amount,
                    products_sold=rnd.choice(PRODUCTS),
                    clock_type=rnd.choice(
                        [
                            ClockType.ROTATION,
                            ClockType.ROTATION,
                            ClockType.NAMED,
                            ClockType.EXTENSION,
                        ]
                    ),
                    created_by=who,
                    updated_by=who,
                )
            )
        created = ServiceRecord.objects.bulk_create(batch, batch_size=1000)
        feedback = [
            Feedback(
                service_id=r.pk,
                score=rnd.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0],
                comments=rnd.choice(COMMENTS),
                created_by=front_desk,
                updated_by=front_desk,
            )
            for r in created
            if rnd.random() < FEEDBACK_SHARE
        ]
        Feedback.objects.bulk_create(feedback, batch_size=1000)
        made += len(created)
    _demo_follow_ups(rnd=rnd, store=store, front_desk=front_desk, practitioners=practitioners)
    return made


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
