"""Demo appointments, rooms and today's rotation queue, consistent with the service records.

Every demo service record gets the appointment it came from: same client, practitioner, item,
clock type; ``start`` is the record's ``started_at`` (or ``served_at`` minus the item's
duration), ``end`` its ``ended_at`` (or ``served_at``), status done, linked by
``Appointment.service_record``. The services lie in the practitioners' clock records, one after
another with the rest gap, so no two holding appointments of a practitioner overlap. About one
booking in a hundred was cancelled or missed (with reasons), in a shift of its practitioner;
some bookings are still to come, in the coming shifts. Rows are written with one prepared INSERT per batch, like the service
records (demo history, not work done through the application: no per-row audit entries).

YY codes are ``YY`` + YYMM + a serial of the width the settings give (4 by default: 9,999 a
month). The store-scale demo has about 8,400 services a month over three years, inside that
range. A month that would exceed it (the current and coming months keep a quarter of the range
free for real bookings) leaves its remaining services as walk-ins without a booking, and the
demo says so (``ANXIN_CODE_WIDTHS=YY=5`` widens the range). The code counters
(``CodeSequence``) end at the last serial given, so new bookings continue from there.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter

from django.db import connection
from django.utils import timezone

from anxin.core.codes import FAMILIES
from anxin.core.models import CodeSequence
from anxin.delivery.demo import stamp

from .models import Appointment, QueueEntry, Room, Status
from .services import PRACTITIONER_ROLE, rest_gap

ROOMS = ["1号房", "2号房", "3号房", "4号房", "5号房", "6号房"]
# Past bookings that never became a service, and bookings still to come.
MISSED = {"small": 12, "store": 3_000, "chain": 12}
UPCOMING = {"small": 8, "store": 120, "chain": 8}
CANCEL_REASONS = ["客户临时有事", "客户身体不适", "改约其他时间", "天气原因"]
NO_SHOW_REASONS = ["电话未接通", "客户忘记预约", ""]
COLUMNS = (
    "created_at",
    "created_by_id",
    "updated_at",
    "updated_by_id",
    "code",
    "store_id",
    "client_id",
    "practitioner_id",
    "room_id",
    "item_id",
    "item_name",
    "start",
    "end",
    "busy_until",
    "clock_type",
    "status",
    "reason",
    "started_at",
    "ended_at",
    "service_record_id",
)


def demo_appointments(*, rnd, store, scale: str, missed=(), out=None) -> dict:
    """Rooms, one appointment per service record (within the code range), the ``missed``
    sessions (``delivery.demo.Session``: booked, then cancelled or not turned up), upcoming
    bookings in the practitioners' coming shifts, and today's queue. Returns the counts."""
    from anxin.accounts.models import User
    from anxin.catalogue.demo import holder
    from anxin.catalogue.models import ServiceItem
    from anxin.clients.models import ClockType, ServiceRecord

    began = time.perf_counter()
    front_desk = holder(store, "front_desk")
    rooms = Room.objects.bulk_create(
        [Room(store=store, name=n, created_by=front_desk, updated_by=front_desk) for n in ROOMS]
    )
    durations = dict(ServiceItem.objects.values_list("pk", "duration"))
    gap = rest_gap()
    width = FAMILIES["YY"].width
    limit = 10**width - 1
    serials: Counter[str] = Counter()
    sqlite = connection.vendor == "sqlite"
    now = timezone.now()
    now_s = stamp(now, sqlite)

    this_month = timezone.localdate().strftime("%y%m")
    # The current and coming months keep a quarter of the range free for real bookings.
    reserve = max(1, limit // 4)

    def code_for(start: dt.datetime) -> str | None:
        month = timezone.localtime(start).strftime("%y%m")
        if serials[month] >= (limit if month < this_month else limit - reserve):
            return None
        serials[month] += 1
        return f"YY{month}{serials[month]:0{width}d}"

    def row(*, code, client, who, room, item, name, start, end, clock, status, reason="",
            started=None, ended=None, record=None):  # fmt: skip
        creator = front_desk.pk if front_desk else who
        return (
            now_s,
            creator,
            now_s,
            creator,
            code,
            store.pk,
            client,
            who,
            room,
            item,
            name,
            stamp(start, sqlite),
            stamp(end, sqlite),
            stamp(end + gap, sqlite),
            clock,
            status,
            reason,
            stamp(started, sqlite) if started else None,
            stamp(ended, sqlite) if ended else None,
            record,
        )

    records = ServiceRecord.objects.filter(store=store).values_list(
        "pk",
        "client_id",
        "practitioner_id",
        "item_id",
        "item_name",
        "started_at",
        "served_at",
        "ended_at",
        "clock_type",
    )
    events = []  # (start, kind, payload): one sorted stream, so serials rise with time
    for pk, client, who, item, name, started, served, ended, clock in records.iterator(5_000):
        start = started or served - dt.timedelta(minutes=durations.get(item, 60))
        end = ended or served
        if end <= start:
            end = start + dt.timedelta(minutes=durations.get(item, 60) or 60)
        events.append((start, 0, (pk, client, who, item, name, end, clock)))
    client_ids = list(store.clients.values_list("pk", flat=True))
    practitioners = list(
        User.objects.filter(
            is_active=True,
            role_assignments__store=store,
            role_assignments__active=True,
            role_assignments__role__key=PRACTITIONER_ROLE,
        )
        .distinct()
        .order_by("pk")
    )
    items = list(ServiceItem.objects.filter(active=True).order_by("pk"))
    for session in missed:  # in a practitioner's shift; they do not hold the time
        events.append((session.start, 1, session))
    rows, given, capped, made = [], 0, Counter(), Counter()
    events.sort(key=lambda e: (e[0], e[1]))
    for start, kind, payload in events:
        code = code_for(start)
        if code is None:
            capped[timezone.localtime(start).strftime("%y%m")] += 1
            continue
        if kind == 0:
            pk, client, who, item, name, end, clock = payload
            rows.append(
                row(
                    code=code,
                    client=client,
                    who=who,
                    room=None,
                    item=item,
                    name=name,
                    start=start,
                    end=end,
                    clock=clock,
                    status=Status.DONE,
                    started=start,
                    ended=end,
                    record=pk,
                )
            )
            made["done"] += 1
        else:
            item = payload.item
            status = Status.CANCELLED if rnd.random() < 0.6 else Status.NO_SHOW
            reason = rnd.choice(CANCEL_REASONS if status == Status.CANCELLED else NO_SHOW_REASONS)
            rows.append(
                row(
                    code=code,
                    client=rnd.choice(client_ids),
                    who=payload.practitioner_id,
                    room=None,
                    item=item.pk,
                    name=item.name,
                    start=start,
                    end=payload.end,
                    clock=ClockType.NAMED,
                    status=status,
                    reason=reason,
                )
            )
            made[status] += 1
        given += 1
        if len(rows) >= 5_000:
            _insert(COLUMNS, Appointment, rows)
            rows = []
    if client_ids and items:
        for booking in _upcoming(rnd, store, practitioners, items, rooms, gap, UPCOMING[scale]):
            code = code_for(booking["start"])
            if code is None:
                continue
            rows.append(
                row(
                    code=code,
                    client=rnd.choice(client_ids),
                    clock=ClockType.NAMED,
                    status=Status.BOOKED,
                    **booking,
                )
            )
            made["booked"] += 1
            given += 1
    _insert(COLUMNS, Appointment, rows)
    # The counters end at the last serial given, so the next booking of a month gets the next
    # code (never one the demo used).
    for month, last in serials.items():
        CodeSequence.objects.update_or_create(
            family="YY", scope=month, defaults={"last_serial": last}
        )
    queued = _demo_queue(store=store, practitioners=practitioners)
    if capped:
        (out or sys.stderr).write(
            f"Appointments: YY codes have {width}-digit serials ({limit} a month); "
            f"{sum(capped.values())} services in {len(capped)} months stay walk-ins without a "
            f"booking (this month keeps {reserve} codes free for new bookings). Set ANXIN_CODE_WIDTHS=YY=5 to give every service its appointment.\n"
        )
    return {
        "appointments": given,
        "rooms": len(rooms),
        "queue": queued,
        "capped": sum(capped.values()),
        "seconds": round(time.perf_counter() - began, 1),
        **{str(k): v for k, v in made.items()},
    }


def _upcoming(rnd, store, practitioners, items, rooms, gap, count: int) -> list[dict]:
    """``count`` bookings in the coming week, inside each practitioner's shifts (work pattern
    and national calendar), one after another with the rest gap; a room when one is free."""
    from anxin.attendance.models import WorkPattern
    from anxin.attendance.selectors import pattern_shift

    patterns = {
        p.member.user_id: p
        for p in WorkPattern.objects.filter(member__store=store).select_related("member")
    }
    zone = timezone.get_current_timezone()
    room_free = {room.pk: timezone.now() for room in rooms}
    bookings = []
    for offset in range(1, 8):
        day = timezone.localdate() + dt.timedelta(days=offset)
        for who in practitioners:
            shift = pattern_shift(patterns.get(who.pk), day)
            if shift is None or len(bookings) >= count:
                continue
            cursor = dt.datetime.combine(day, shift[0], tzinfo=zone)
            close = dt.datetime.combine(day, shift[1], tzinfo=zone)
            for _n in range(rnd.randrange(0, 3)):
                item = rnd.choice(items)
                start = cursor + dt.timedelta(minutes=rnd.choice([0, 30, 60, 90]))
                end = start + dt.timedelta(minutes=item.duration or 60)
                if end > close or len(bookings) >= count:
                    break
                room = next((pk for pk, free in room_free.items() if free <= start), None)
                if room is not None:
                    room_free[room] = end + gap
                bookings.append(
                    {"who": who.pk, "room": room, "item": item.pk, "name": item.name,
                     "start": start, "end": end}
                )  # fmt: skip
                cursor = end + gap
    return bookings


def _insert(columns, model, rows) -> None:
    """Many rows in one prepared statement (as the service records); names quoted: ``end`` is
    a reserved word in PostgreSQL."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[i : i + 1000])


def _demo_queue(*, store, practitioners) -> int:
    """Today's rotation queue: the practitioner accounts whose work pattern has a shift today
    (everyone with an account when none has one)."""
    from anxin.attendance.models import WorkPattern
    from anxin.attendance.selectors import pattern_shift

    today = timezone.localdate()
    patterns = {
        p.member.user_id: p
        for p in WorkPattern.objects.filter(
            member__user__in=practitioners, member__store=store
        ).select_related("member")
    }
    on_duty = [p for p in practitioners if pattern_shift(patterns.get(p.pk), today)]
    chosen = on_duty or practitioners
    QueueEntry.objects.bulk_create(
        [
            QueueEntry(store=store, day=today, practitioner=p, position=i + 1)
            for i, p in enumerate(chosen)
        ]
    )
    return len(chosen)


__all__ = ["demo_appointments"]
