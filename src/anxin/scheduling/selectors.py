"""Reads of appointments and the queue, scoped by the policy; each list is use-logged."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from anxin.accounts.models import User
from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log
from anxin.core.dates import day_range

from . import services
from .models import HOLDING, Appointment, Room, Status

RECORD = services.RECORD


def scoped_appointments(*, actor, store, action: str = "view") -> QuerySet[Appointment]:
    scope = scope_for(actor, store, RECORD, action)
    if scope is None:
        return Appointment.objects.none()
    qs = Appointment.objects.filter(store=store)
    if scope in (Scope.OWN, Scope.SERVED):
        qs = qs.filter(practitioner=actor)  # a practitioner: their own bookings only
    return qs.select_related("client", "practitioner__staff_file", "room")


# What a list of bookings shows (the day view, the calendar): no encrypted field of the client
# or of the practitioner's staff file is read, so none is decrypted for a busy day's hundreds
# of rows; the practitioners and rooms are read once each, not joined to every row (issue 11).
LIST_FIELDS = (
    "code",
    "store_id",
    "start",
    "end",
    "item_name",
    "clock_type",
    "status",
    "practitioner",
    "room",
    "client__code",
    "client__name",
    "client__store_id",
)
PERSON_FIELDS = (
    "username",
    "full_name",
    "first_name",
    "last_name",
    "staff_file__code",
    "staff_file__name",
)


def listed(qs) -> list[Appointment]:
    """The bookings of ``qs`` as a list shows them: the client's code and name, the
    practitioner (with the staff file's name and code) and the room, in three queries."""
    rows = list(qs.select_related(None).select_related("client").only(*LIST_FIELDS))
    people = {
        p.pk: p
        for p in User.objects.filter(pk__in={a.practitioner_id for a in rows})
        .select_related("staff_file")
        .only(*PERSON_FIELDS)
    }
    rooms = {r.pk: r for r in Room.objects.filter(pk__in={a.room_id for a in rows} - {None})}
    practitioner, room = Appointment.practitioner.field, Appointment.room.field
    for a in rows:
        practitioner.set_cached_value(a, people.get(a.practitioner_id))
        room.set_cached_value(a, rooms.get(a.room_id))
    return rows


def booked_with(*, actor, since):
    """For the clients' scope: a practitioner also sees the clients booked with them (from the
    start of the served window on, upcoming bookings included), cancelled ones excepted."""
    return Appointment.objects.filter(
        practitioner=actor,
        status__in=[Status.BOOKED, Status.IN_SERVICE, Status.DONE],
        start__gte=since,
    ).values("client_id")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return day_range(day, day)


def _refuse_unless_may_view(actor, store, record_id: str, request) -> None:
    """404, logged as a denied use, for someone who may not see the store's bookings."""
    if scope_for(actor, store, RECORD, "view") is None:
        use_log(
            actor=actor,
            action="view",
            record_type=RECORD,
            record_id=record_id,
            outcome="denied",
            request=request,
            store=store,
        )
        raise Http404


PRACTITIONERS_PER_PAGE = 12


@dataclass
class PeoplePage:
    """One page of a day's practitioners (issue 11: sixty columns of a busy day made a 200 KB
    page): ``ids`` in the order shown, the person looking at the page first when they are one
    of them, then those with bookings that day, then the others (by username)."""

    ids: list[int] = field(default_factory=list)
    number: int = 1
    pages: int = 1
    total: int = 0
    rooms: bool = False  # a page of rooms and beds (the calendar by room), not of people

    @property
    def first(self) -> int:
        return (self.number - 1) * PRACTITIONERS_PER_PAGE + 1 if self.ids else 0

    @property
    def last(self) -> int:
        return self.first + len(self.ids) - 1 if self.ids else 0


def page_number(text) -> int:
    """A ``page`` query value as a number from 1; anything else is the first page."""
    text = str(text or "")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 4 else 1


def booked_practitioners(*, actor, store, day: dt.date) -> list[int]:
    """The ids of the practitioners with bookings on ``day`` that this person may see, by
    username: one query on (store, start) whatever the number of bookings."""
    start, end = day_bounds(day)
    rows = (
        scoped_appointments(actor=actor, store=store)
        .filter(start__gte=start, start__lt=end)
        .values_list("practitioner_id", "practitioner__username")
        .distinct()
        .order_by("practitioner__username")
    )
    return [pk for pk, _username in rows]


def people_page(*, actor, ordered: list[int], booked, number: int) -> PeoplePage:
    """Page ``number`` (clamped to the last) of ``ordered`` practitioner ids: the actor's own
    column first, then those in ``booked``, each group in the given order."""
    booked = set(booked)
    return _page(sorted(ordered, key=lambda pk: (pk != actor.pk, pk not in booked)), number)


def booked_rooms(*, actor, store, day: dt.date) -> set[int | None]:
    """The ids of the rooms with bookings on ``day`` that this person may see (``None``: a
    booking without a room): one query on (store, start) whatever the number of bookings."""
    start, end = day_bounds(day)
    return set(
        scoped_appointments(actor=actor, store=store)
        .filter(start__gte=start, start__lt=end)
        .order_by()
        .values_list("room_id", flat=True)
        .distinct()
    )


def rooms_page(*, ordered: list, booked, number: int) -> PeoplePage:
    """Page ``number`` of ``ordered`` room ids (``None``: no room): those in ``booked`` first,
    each group in the given order; twelve a page, as the practitioners are paged."""
    booked = set(booked)
    page = _page(sorted(ordered, key=lambda pk: pk not in booked), number)
    page.rooms = True
    return page


def _page(ids: list, number: int) -> PeoplePage:
    total = len(ids)
    pages = max(1, -(-total // PRACTITIONERS_PER_PAGE))
    number = min(max(1, number), pages)
    chosen = ids[(number - 1) * PRACTITIONERS_PER_PAGE : number * PRACTITIONERS_PER_PAGE]
    return PeoplePage(ids=chosen, number=number, pages=pages, total=total)


def day_view(
    *, actor, store, day: dt.date, request=None, page: int = 1, rooms: bool = False
) -> dict:
    """The day's bookings, in time order: by practitioner, a page of twelve practitioners
    (those with bookings that day; the actor's own first), or with ``rooms`` every booking by
    room."""
    _refuse_unless_may_view(actor, store, day.isoformat(), request)
    start, end = day_bounds(day)
    qs = scoped_appointments(actor=actor, store=store).filter(start__gte=start, start__lt=end)
    pager = None
    if not rooms:
        booked = booked_practitioners(actor=actor, store=store, day=day)
        pager = people_page(actor=actor, ordered=booked, booked=booked, number=page)
        qs = qs.filter(practitioner__in=pager.ids)
    rows = listed(qs.order_by("start", "code"))
    use_log(
        actor=actor,
        action="search",
        record_type=RECORD,
        record_id=day.isoformat(),
        count=len(rows),
        purpose="day view",
        request=request,
        store=store,
    )
    by_practitioner: dict[User, list[Appointment]] = {}
    by_room: dict[Room, list[Appointment]] = {}
    if pager is not None:
        for pk in pager.ids:  # in the page's order: the actor's own first
            by_practitioner[pk] = []
        for a in rows:
            by_practitioner[a.practitioner_id].append(a)
        by_practitioner = {
            group[0].practitioner: group for group in by_practitioner.values() if group
        }
    else:
        for a in rows:
            if a.room is not None:
                by_room.setdefault(a.room, []).append(a)
    return {
        "appointments": rows,
        "by_practitioner": by_practitioner,
        "by_room": by_room,
        "pager": pager,
    }


def appointment_get(*, actor, store, code: str, action: str = "view", request=None) -> Appointment:
    appointment = (
        scoped_appointments(actor=actor, store=store, action=action).filter(code=code).first()
    )
    use_log(
        actor=actor,
        action=action,
        record_type=RECORD,
        record_id=code,
        outcome="allowed" if appointment else "denied",
        request=request,
        store=store,
    )
    if appointment is None:
        raise Http404
    return appointment


def practitioners(store) -> QuerySet[User]:
    """The store's practitioners with what their names need (the staff file's name and code,
    nothing encrypted): one query for a form's or calendar's sixty names."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__store=store,
            role_assignments__active=True,
            role_assignments__role__key=services.PRACTITIONER_ROLE,
        )
        .select_related("staff_file")
        .only(*PERSON_FIELDS)
        .distinct()
        .order_by("username")
    )


def opening_hours() -> tuple[dt.time, dt.time]:
    text = getattr(settings, "ANXIN_OPENING_HOURS", "10:00-22:00")
    first, _sep, last = text.partition("-")
    return dt.time.fromisoformat(first.strip()), dt.time.fromisoformat(last.strip())


def free_slots(
    *, store, day: dt.date, minutes: int, step: int = 15, now: dt.datetime | None = None
) -> list[tuple[User, list[dt.datetime]]]:
    """For every practitioner of the store, the start times on ``day`` where a booking of
    ``minutes`` fits: within opening hours, not in the past, clear of their bookings and rest
    gaps, and free by every registered filter (working hours and leave, on-site jobs)."""
    opens, closes = opening_hours()
    first = timezone.make_aware(dt.datetime.combine(day, opens))
    last = timezone.make_aware(dt.datetime.combine(day, closes))
    length, gap = dt.timedelta(minutes=minutes), services.rest_gap()
    now = now or timezone.now()
    people = list(practitioners(store))
    held: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {p.pk: [] for p in people}
    for pid, start, busy_until in Appointment.objects.filter(
        practitioner__in=people,
        status__in=HOLDING,
        start__gt=first - services.LONGEST_HOLD,  # bounded: the day, not the whole history
        start__lt=last + gap,
        busy_until__gt=first,
    ).values_list("practitioner_id", "start", "busy_until"):
        held[pid].append((start, busy_until))
    filters = [
        make(store=store, day=day, people=people) for make in services.FREE_SLOT_FILTERS.values()
    ]
    starts = []  # the day's start times, once for everyone
    t = first
    while t + length <= last:
        if t >= now:
            starts.append(t)
        t += dt.timedelta(minutes=step)
    result = []
    for person in people:
        # A start t is taken by a booking (s, b) when s - length - gap < t < b: the bookings
        # merged once into such open intervals, then one pass over the day's start times.
        taken = _merged(sorted((s - length - gap, b) for s, b in held[person.pk]))
        checks = [f[person.pk] for f in filters if person.pk in f]
        slots, i = [], 0
        for t in starts:
            while i < len(taken) and taken[i][1] <= t:
                i += 1
            if i < len(taken) and taken[i][0] < t:
                continue
            if all(check(t, t + length) for check in checks):
                slots.append(t)
        result.append((person, slots))
    return result


def _merged(intervals):
    """Sorted open intervals merged where they overlap (touching ones stay apart: the point
    between them is free)."""
    merged: list[list] = []
    for lo, hi in intervals:
        if merged and lo < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def slot_ranges(times: list[dt.datetime], step: int = 15) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive start times (``step`` minutes apart) merged into (first, last) ranges: a
    practitioner's free day reads as a few ranges, not dozens of times."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for t in times:
        if ranges and t - ranges[-1][1] == dt.timedelta(minutes=step):
            ranges[-1] = (ranges[-1][0], t)
        else:
            ranges.append((t, t))
    return ranges


def own_service_activity(*, actor, since: dt.datetime) -> dt.datetime | None:
    """Until when the person's own services count as activity for their session's idle clock
    (docs/security.md, *Sessions*): now while a service of theirs is in progress (上钟, not yet
    下钟), else the end of their last service after ``since``; None when neither.

    Reads only the actor's own appointments' times: nothing about a client."""
    row = (
        Appointment.objects.filter(practitioner=actor)
        .filter(Q(status=Status.IN_SERVICE) | Q(status=Status.DONE, ended_at__gte=since))
        .aggregate(serving=Count("pk", filter=Q(status=Status.IN_SERVICE)), last=Max("ended_at"))
    )
    if row["serving"]:
        return timezone.now()
    return row["last"]


def calendar_view(
    *,
    actor,
    store,
    first: dt.date,
    last: dt.date,
    practitioner=None,
    practitioner_ids=None,
    room_ids=None,
    request=None,
) -> list[Appointment]:
    """The bookings starting on the days ``first`` to ``last`` that this person may see (the
    day view's scope: a practitioner sees their own), optionally of one practitioner. One
    bounded query on (store, start) whatever the number of bookings; use-logged."""
    _refuse_unless_may_view(actor, store, first.isoformat(), request)
    start, end = day_range(first, last)
    qs = scoped_appointments(actor=actor, store=store).filter(start__gte=start, start__lt=end)
    if practitioner is not None:
        qs = qs.filter(practitioner=practitioner)
    if practitioner_ids is not None:  # one page of a day's practitioners
        qs = qs.filter(practitioner__in=practitioner_ids)
    if room_ids is not None:  # one page of the store's rooms (None: bookings without a room)
        rooms = Q(room__in=[pk for pk in room_ids if pk is not None])
        qs = qs.filter(rooms | Q(room__isnull=True) if None in room_ids else rooms)
    rows = listed(qs.order_by("start", "code"))
    use_log(
        actor=actor,
        action="search",
        record_type=RECORD,
        record_id=f"{first.isoformat()}/{last.isoformat()}",
        count=len(rows),
        purpose="calendar",
        request=request,
        store=store,
    )
    return rows


def sees_every_practitioner(*, actor, store) -> bool:
    """Whether this person sees the whole store's book (front desk, manager), not only their
    own bookings (a practitioner)."""
    return scope_for(actor, store, RECORD, "view") == Scope.STORE


UPCOMING_LIMIT = 5


def client_upcoming(*, actor, store, client, limit: int = UPCOMING_LIMIT, request=None) -> list:
    """The client's next bookings in this store (booked or in service, not yet over), soonest
    first, as this person may see them (a practitioner: their own); at most ``limit``, in one
    query however many bookings the client has (the (client, start) rows via the client's FK)."""
    if scope_for(actor, store, RECORD, "view") is None:
        return []
    rows = list(
        scoped_appointments(actor=actor, store=store)
        .filter(
            client=client, status__in=[Status.BOOKED, Status.IN_SERVICE], end__gte=timezone.now()
        )
        .order_by("start", "code")[:limit]
    )
    if rows:
        use_log(
            actor=actor,
            action="search",
            record_type=RECORD,
            record_id=client.code,
            count=len(rows),
            purpose="list",
            request=request,
            store=store,
        )
    return rows
