"""Booking without double booking, and the rotation queue (BIZ-3, 排钟).

Every write is one transaction that first takes the locks it needs — the practitioner's, the
client's and the room's calendars (PostgreSQL: transaction-level advisory locks, always in the
same order; SQLite: ``BEGIN IMMEDIATE`` already serialises writers) — then checks for overlaps,
then writes. So N concurrent attempts at one slot give exactly one booking and N−1 clear conflict
messages. A client is in one booking at a time, unless both overlapping bookings are for items
that allow it (``ServiceItem.allows_parallel_bookings``: couple, group, several practitioners).
"""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.names import person_name
from anxin.accounts.policy import scope_for
from anxin.audit.services import operation_log, use_log
from anxin.core.codes import allocate_code

from .models import HOLDING, Appointment, ClockType, QueueEntry, QueueState, Room, Status

RECORD = "scheduling.appointment"
QUEUE = "scheduling.queue"
PRACTITIONER_ROLE = "practitioner"
PAST_TOLERANCE = dt.timedelta(minutes=5)
MAX_DURATION = dt.timedelta(hours=12)
# No booking holds its practitioner or room longer than this (12 hours and its rest gap): a
# search for what overlaps a time starts this much earlier, so it reads a range of the
# (practitioner, start) or (room, start) index, not every booking ever made before it.
LONGEST_HOLD = dt.timedelta(days=1)

# Other apps say when a practitioner cannot be booked (working hours, leave, holidays):
# ``check(*, practitioner, store, start, end) -> list[str]`` (translated reasons; empty = free).
AVAILABILITY_CHECKS: dict[str, Callable[..., list[str]]] = {}
# The same, in bulk for the free-slot search: ``filter(*, store, day, people)`` returns, per
# practitioner id, a predicate ``(start, end) -> bool`` (True = free); absent ids are free.
FREE_SLOT_FILTERS: dict[str, Callable[..., dict]] = {}

_LOCK_PRACTITIONER, _LOCK_ROOM, _LOCK_QUEUE, _LOCK_CLIENT = 71, 72, 73, 74


def rest_gap() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "ANXIN_REST_GAP_MINUTES", 10))


def _lock(*keys: tuple[int, int]) -> None:
    """Serialise writers of the same calendars; sorted, so two bookings cannot deadlock."""
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction holds the database's write lock already
    with connection.cursor() as cursor:
        for kind, pk in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [kind, pk])


def _require(actor, store, record_type: str, action: str, request=None) -> None:
    if scope_for(actor, store, record_type, action) is None:
        use_log(
            actor=actor,
            action=action,
            record_type=record_type,
            record_id="*",
            outcome="denied",
            request=request,
            store=store,
        )
        raise PermissionDenied


def is_practitioner(user, store) -> bool:
    return (
        user is not None
        and user.is_active
        and user.roles_in(store).filter(key=PRACTITIONER_ROLE).exists()
    )


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _validate(*, store, client, practitioner, room, start, end, now) -> None:
    errors: dict[str, list[str]] = {}
    if client is None or client.store_id != store.pk:
        errors.setdefault("client", []).append(_("Choose a client of this store."))
    if not is_practitioner(practitioner, store):
        errors.setdefault("practitioner", []).append(
            _("Choose a %(term)s who works in this store.") % {"term": store.practitioner_term}
        )
    if room is not None and (room.store_id != store.pk or not room.active):
        errors.setdefault("room", []).append(_("Choose a room or bed of this store in use."))
    if start is None or end is None or end <= start:
        errors.setdefault("duration", []).append(_("A booking must last at least one minute."))
    elif end - start > MAX_DURATION:
        errors.setdefault("duration", []).append(_("A booking cannot last more than 12 hours."))
    if start is not None and start < now - PAST_TOLERANCE:
        errors.setdefault("start", []).append(_("The start time has already passed."))
    if errors:
        raise ValidationError(errors)
    reasons = [
        reason
        for check in AVAILABILITY_CHECKS.values()
        for reason in check(practitioner=practitioner, store=store, start=start, end=end)
    ]
    if reasons:
        raise ValidationError({"start": reasons})


def _calendars(*, practitioner_id: int, client_id: int, room) -> list[tuple[int, int]]:
    """The lock keys of the calendars a booking touches."""
    keys = [(_LOCK_PRACTITIONER, practitioner_id), (_LOCK_CLIENT, client_id)]
    if room is not None:
        keys.append((_LOCK_ROOM, room.pk))
    return keys


def _client_conflicts(*, client, item, start, end, holding) -> list[str]:
    """The client's other bookings this one would overlap; none between two bookings whose
    items both allow parallel bookings (a couple's or group service)."""
    overlapping = holding.filter(client=client, start__lt=end, end__gt=start)
    if item is not None and item.allows_parallel_bookings:
        overlapping = overlapping.exclude(item__allows_parallel_bookings=True)
    return [
        _("This client is already booked %(start)s–%(end)s (%(code)s).")
        % {
            "start": _local(a.start),
            "end": timezone.localtime(a.end).strftime("%H:%M"),
            "code": a.code,
        }
        for a in overlapping
    ]


def _conflicts(
    *, practitioner, room, start, end, client=None, item=None, exclude=None
) -> list[str]:
    """Translated messages for every booking this one would overlap (no other client named);
    with a ``client``, also the client's own overlapping bookings."""
    busy_until = end + rest_gap()
    holding = Appointment.objects.filter(status__in=HOLDING)
    if exclude is not None:
        holding = holding.exclude(pk=exclude.pk)
    messages = [
        _("%(name)s is booked %(start)s–%(end)s (%(code)s), with the rest gap.")
        % {
            "name": person_name(practitioner),
            "start": _local(a.start),
            "end": timezone.localtime(a.end).strftime("%H:%M"),
            "code": a.code,
        }
        for a in holding.filter(
            practitioner=practitioner,
            start__gt=start - LONGEST_HOLD,
            start__lt=busy_until,
            busy_until__gt=start,
        )
    ]
    if room is not None:
        messages += [
            _("%(room)s is taken %(start)s–%(end)s (%(code)s).")
            % {
                "room": room.name,
                "start": _local(a.start),
                "end": timezone.localtime(a.end).strftime("%H:%M"),
                "code": a.code,
            }
            for a in holding.filter(
                room=room, start__gt=start - LONGEST_HOLD, start__lt=end, end__gt=start
            )
        ]
    if client is not None:
        messages += _client_conflicts(
            client=client, item=item, start=start, end=end, holding=holding
        )
    return messages


def appointment_book(
    *,
    actor,
    store,
    client,
    practitioner,
    start: dt.datetime,
    minutes: int | None = None,
    item_name: str = "",
    item=None,
    room: Room | None = None,
    clock_type: str = ClockType.NAMED,
    request=None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book; refuse with a clear message if the practitioner or the room is taken. With a
    service ``item``, its name and duration are the defaults."""
    _require(actor, store, RECORD, "create", request)
    if item is not None:
        if item.store_id != store.pk or not item.active:
            raise ValidationError({"item": _("Choose a service item of this store.")})
        item_name = item_name or item.name
        minutes = minutes or item.duration
    if clock_type not in ClockType.values:
        raise ValidationError({"clock_type": _("Choose how the practitioner was chosen.")})
    end = start + dt.timedelta(minutes=minutes) if start is not None and minutes else start
    _validate(
        store=store,
        client=client,
        practitioner=practitioner,
        room=room,
        start=start,
        end=end,
        now=now or timezone.now(),
    )
    with transaction.atomic():
        _lock(*_calendars(practitioner_id=practitioner.pk, client_id=client.pk, room=room))
        conflicts = _conflicts(
            practitioner=practitioner, room=room, start=start, end=end, client=client, item=item
        )
        if conflicts:
            raise ValidationError({"start": conflicts}, code="conflict")
        appointment = Appointment.objects.create(
            code=allocate_code("YY", on=timezone.localdate(start)),
            store=store,
            client=client,
            practitioner=practitioner,
            room=room,
            item=item,
            item_name=(item_name or "")[:60],
            start=start,
            end=end,
            busy_until=end + rest_gap(),
            clock_type=clock_type,
            created_by=actor,
            updated_by=actor,
        )
        _tell_practitioner(appointment, _("New booking %(when)s: %(item)s (%(code)s)"))
        operation_log(
            actor=actor,
            action="create",
            instance=appointment,
            request=request,
            changes={
                "practitioner": {"before": None, "after": practitioner.pk},
                "start": {"before": None, "after": start},
                "end": {"before": None, "after": end},
                "room": {"before": None, "after": room.pk if room else None},
            },
        )
    return appointment


def _tell_practitioner(appointment, template) -> None:
    """In-app, to the practitioner: when and what, with the code; no client details."""
    from anxin.notifications.services import notify

    notify(
        recipients=[appointment.practitioner],
        store=appointment.store,
        kind="scheduling.appointment",
        subject=template
        % {
            "when": _local(appointment.start),
            "item": appointment.item_name,
            "code": appointment.code,
        },
        url=f"/appointments/{appointment.code}/",
    )


def _reminder_text(appointment) -> str:
    """What the client's phone shows: store, time and code; the service only if the store
    says so (whoever sees the phone would learn it), never the client's name."""
    values = {
        "store": appointment.store.name,
        "when": _local(appointment.start),
        "item": appointment.item_name,
        "code": appointment.code,
    }
    if appointment.store.reminder_names_service and appointment.item_name:
        return _("%(store)s: your appointment %(when)s, %(item)s (%(code)s)") % values
    return _("%(store)s: reminder of your appointment at %(when)s (%(code)s)") % values


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind clients (SMS) and practitioners (inbox) of bookings starting within
    ``ANXIN_REMINDER_HOURS``; each booking once. Reading the client's number is logged."""
    from anxin.notifications.services import send_external

    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=getattr(settings, "ANXIN_REMINDER_HOURS", 24))
    sent = 0
    due = Appointment.objects.filter(
        status=Status.BOOKED, reminded_at__isnull=True, start__gt=now, start__lte=horizon
    ).select_related("client", "practitioner", "store")
    for appointment in due.iterator():
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue  # another worker got it
            client = appointment.client
            if client.phone:
                send_external(
                    channel="sms",
                    address=client.phone,
                    subject=_reminder_text(appointment),
                    kind="scheduling.reminder",
                )
                use_log(
                    actor=None,
                    action="notify",
                    instance=client,
                    purpose="appointment reminder",
                    store=appointment.store,
                )
            _tell_practitioner(appointment, _("Reminder %(when)s: %(item)s (%(code)s)"))
            sent += 1
    return sent


def _change_status(*, actor, appointment, status, reason, request, allowed_from) -> Appointment:
    _require(actor, appointment.store, RECORD, "change", request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status not in allowed_from:
            raise ValidationError(
                _("This appointment is %(status)s; that cannot be done now.")
                % {"status": current.get_status_display()}
            )
        before = current.status
        current.status, current.reason, current.updated_by = status, reason[:200], actor
        current.save(update_fields=["status", "reason", "updated_by", "updated_at"])
        operation_log(
            actor=actor,
            action=status,
            instance=current,
            request=request,
            reason=reason,
            changes={"status": {"before": before, "after": status}},
        )
    return current


def appointment_cancel(*, actor, appointment, reason: str, request=None) -> Appointment:
    return _change_status(
        actor=actor,
        appointment=appointment,
        status=Status.CANCELLED,
        reason=reason,
        request=request,
        allowed_from=(Status.BOOKED,),
    )


def appointment_no_show(
    *, actor, appointment, reason: str, request=None, now: dt.datetime | None = None
) -> Appointment:
    if (now or timezone.now()) < appointment.start:
        raise ValidationError(_("A no-show can only be recorded once the start time has passed."))
    return _change_status(
        actor=actor,
        appointment=appointment,
        status=Status.NO_SHOW,
        reason=reason,
        request=request,
        allowed_from=(Status.BOOKED,),
    )


def appointment_reschedule(
    *,
    actor,
    appointment,
    start: dt.datetime,
    reason: str,
    minutes: int | None = None,
    room: Room | None = None,
    request=None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move a booking: the new slot is checked exactly like a new booking (itself excluded)."""
    store = appointment.store
    _require(actor, store, RECORD, "change", request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    length = dt.timedelta(minutes=minutes) if minutes else appointment.end - appointment.start
    room = room if room is not None else appointment.room
    end = start + length if start is not None else None
    _validate(
        store=store,
        client=appointment.client,
        practitioner=appointment.practitioner,
        room=room,
        start=start,
        end=end,
        now=now or timezone.now(),
    )
    keys = _calendars(
        practitioner_id=appointment.practitioner_id, client_id=appointment.client_id, room=room
    )
    with transaction.atomic():
        _lock(*keys)
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.BOOKED:
            raise ValidationError(_("Only a booked appointment can be moved."))
        conflicts = _conflicts(
            practitioner=current.practitioner,
            room=room,
            start=start,
            end=end,
            client=current.client,
            item=current.item,
            exclude=current,
        )
        if conflicts:
            raise ValidationError({"start": conflicts}, code="conflict")
        before = {"start": current.start, "end": current.end, "room": current.room_id}
        current.start, current.end, current.room = start, end, room
        current.busy_until = end + rest_gap()
        current.reason, current.updated_by = reason[:200], actor
        current.save()
        operation_log(
            actor=actor,
            action="reschedule",
            instance=current,
            request=request,
            reason=reason,
            changes={
                k: {"before": before[k], "after": v}
                for k, v in {"start": start, "end": end, "room": room.pk if room else None}.items()
                if before[k] != v
            },
        )
    return current


# -- the rotation queue (排钟) -----------------------------------------------------------------


def queue_open(*, actor, store, day: dt.date, practitioners: list[User], request=None) -> int:
    """Put on-duty practitioners at the tail of the day's queue, in the order given."""
    _require(actor, store, QUEUE, "change", request)
    unknown = [p for p in practitioners if not is_practitioner(p, store)]
    if unknown:
        raise ValidationError(
            _("Only a %(term)s of this store can join its queue.")
            % {"term": store.practitioner_term}
        )
    added = 0
    with transaction.atomic():
        _lock((_LOCK_QUEUE, store.pk))
        present = set(
            QueueEntry.objects.filter(store=store, day=day).values_list("practitioner", flat=True)
        )
        last = QueueEntry.objects.filter(store=store, day=day).aggregate(m=Max("position"))["m"]
        position = last or 0
        for person in practitioners:
            if person.pk in present:
                continue
            position += 1
            QueueEntry.objects.create(store=store, day=day, practitioner=person, position=position)
            present.add(person.pk)
            added += 1
        operation_log(
            actor=actor,
            action="queue_open",
            record_type=QUEUE,
            record_id=f"{store.pk}:{day.isoformat()}",
            store=store,
            request=request,
            changes={"added": {"before": None, "after": added}},
        )
    return added


def _in_service(practitioner_ids, at) -> set[int]:
    return set(
        Appointment.objects.filter(
            practitioner_id__in=practitioner_ids, status=Status.IN_SERVICE
        ).values_list("practitioner_id", flat=True)
    )


def queue_order(*, store, day: dt.date) -> list[QueueEntry]:
    """Who is next, in order: fewest rotation services today, then longest since their last
    service ended (no service yet counts as longest), then queue position."""
    from anxin.accounts.names import staff_secrets

    entries = list(
        QueueEntry.objects.filter(store=store, day=day, state=QueueState.WAITING)
        .select_related("practitioner__staff_file")  # their names: one query for the queue
        .defer(*staff_secrets("practitioner__staff_file"))
    )
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(entries, key=lambda e: (e.rotation_count, e.last_end or never, e.position))


def rotation_next(*, actor, store, day: dt.date, request=None, at=None) -> QueueEntry:
    """轮钟: take the head of the queue (skipping anyone in service) and move them to the tail."""
    _require(actor, store, RECORD, "create", request)
    with transaction.atomic():
        _lock((_LOCK_QUEUE, store.pk))
        order = queue_order(store=store, day=day)
        busy = _in_service([e.practitioner_id for e in order], at or timezone.now())
        free = [e for e in order if e.practitioner_id not in busy]
        if not free:
            raise ValidationError(_("Nobody in the rotation queue is free now."))
        head = free[0]
        tail = QueueEntry.objects.filter(store=store, day=day).aggregate(m=Max("position"))["m"]
        QueueEntry.objects.filter(pk=head.pk).update(
            rotation_count=F("rotation_count") + 1, position=(tail or 0) + 1
        )
        head.refresh_from_db()
        operation_log(
            actor=actor,
            action="rotation_assign",
            instance=head,
            store=store,
            request=request,
            changes={"practitioner": {"before": None, "after": head.practitioner_id}},
        )
    return head


QUEUE_ACTIONS = ("head", "tail", "suspend", "resume")


def queue_adjust(*, actor, entry: QueueEntry, action: str, reason: str, request=None) -> QueueEntry:
    """A manager moves someone to the head or tail, or suspends or resumes them; with a reason,
    logged, so that a fairness dispute can be checked against the log."""
    store = entry.store
    _require(actor, store, QUEUE, "change", request)
    reason = (reason or "").strip()
    if action not in QUEUE_ACTIONS:
        raise ValidationError(_("Unknown queue action."))
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    with transaction.atomic():
        _lock((_LOCK_QUEUE, store.pk))
        current = QueueEntry.objects.get(pk=entry.pk)
        before = {"position": current.position, "state": current.state}
        same_day = QueueEntry.objects.filter(store=store, day=current.day)
        if action == "head":
            first = same_day.exclude(pk=current.pk).order_by("position").first()
            # Ahead of everyone: also reset the tie-breakers that would keep them back.
            low = min([e.rotation_count for e in same_day.exclude(pk=current.pk)], default=0)
            current.position = (first.position - 1) if first else 1
            if current.position < 0:
                same_day.update(position=F("position") + 1 - current.position)
                current.position = 0
            current.rotation_count = min(current.rotation_count, low)
            current.last_end = None
        elif action == "tail":
            last = same_day.aggregate(m=Max("position"))["m"] or 0
            current.position = last + 1
        elif action == "suspend":
            current.state = QueueState.SUSPENDED
        else:
            current.state = QueueState.WAITING
        current.save()
        operation_log(
            actor=actor,
            action=f"queue_{action}",
            instance=current,
            store=store,
            request=request,
            reason=reason,
            changes={
                k: {"before": before[k], "after": getattr(current, k)}
                for k in before
                if before[k] != getattr(current, k)
            },
        )
    return current


def appointment_book_rotation(*, actor, store, start: dt.datetime, request=None, **booking):
    """轮钟 booking: the head of today's queue gets it, or — if the booking cannot be made —
    nobody's turn is used up (one transaction)."""
    _require(actor, store, RECORD, "create", request)
    with transaction.atomic():
        head = rotation_next(
            actor=actor, store=store, day=timezone.localdate(start), request=request
        )
        return appointment_book(
            actor=actor,
            store=store,
            practitioner=head.practitioner,
            start=start,
            clock_type=ClockType.ROTATION,
            request=request,
            **booking,
        )


# -- 上钟 / 下钟: the service itself ----------------------------------------------------------


def _may_serve(actor, appointment, request) -> None:
    """The appointment's own practitioner, or someone who may change appointments."""
    if actor.pk == appointment.practitioner_id:
        return
    _require(actor, appointment.store, RECORD, "change", request)


def service_start(*, actor, appointment, request=None, now=None) -> Appointment:
    """上钟: the service begins now."""
    _may_serve(actor, appointment, request)
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.BOOKED:
            raise ValidationError(
                _("This appointment is %(status)s; that cannot be done now.")
                % {"status": current.get_status_display()}
            )
        busy = Appointment.objects.filter(
            practitioner_id=current.practitioner_id, status=Status.IN_SERVICE
        ).exclude(pk=current.pk)
        if busy.exists():
            raise ValidationError(
                _("This %(term)s is still in another service.")
                % {"term": current.store.practitioner_term}
            )
        current.status, current.started_at, current.updated_by = Status.IN_SERVICE, now, actor
        current.save(update_fields=["status", "started_at", "updated_by", "updated_at"])
        operation_log(
            actor=actor,
            action="service_start",
            instance=current,
            request=request,
            changes={"status": {"before": Status.BOOKED, "after": Status.IN_SERVICE}},
        )
    return current


def service_end(*, actor, appointment, amount=None, request=None, now=None) -> Appointment:
    """下钟: the service ends now; its service record is written with the clock type, the real
    start and end, and the item's price (after any promotion) unless an amount is given."""
    from anxin.delivery.services import service_record

    _may_serve(actor, appointment, request)
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status != Status.IN_SERVICE:
            raise ValidationError(_("Only a service in progress can end."))
        if current.item is None:
            raise ValidationError({"item": _("Choose a service item of this store.")})
        record = service_record(
            actor=actor,
            store=current.store,
            client=current.client,
            item=current.item,
            served_at=now,
            started_at=current.started_at,
            ended_at=now,
            amount=amount,
            clock_type=current.clock_type,
            practitioner=current.practitioner,
            refuse_overlap=False,  # ending a service always writes its record
            request=request,
        )
        current.status, current.ended_at, current.service_record = Status.DONE, now, record
        current.updated_by = actor
        current.save(
            update_fields=["status", "ended_at", "service_record", "updated_by", "updated_at"]
        )
        QueueEntry.objects.filter(
            store=current.store,
            day=timezone.localdate(now),
            practitioner_id=current.practitioner_id,
        ).update(last_end=now)
        operation_log(
            actor=actor,
            action="service_end",
            instance=current,
            request=request,
            changes={
                "status": {"before": Status.IN_SERVICE, "after": Status.DONE},
                "service_record": {"before": None, "after": record.pk},
            },
        )
    return current
