"""Each role's "today" on the home page (issue 12): what to do next, not a list of links.

Three panels, each shown only to who may see its content; every figure in a panel is gated by
the permission or policy grant that its own page checks, and every read is bounded (one day of
one store) so the number of queries does not grow with the data:

- ``my_day``: a practitioner's clock state (in service / free), next client, place in the
  rotation queue and today's bookings with the 上钟/下钟 buttons;
- ``desk``: the store's day for the front desk and the manager — arrivals, who is waiting or in
  service, who is free now, bookings and utilisation so far, quick actions;
- ``waiting``: what waits for this person — approvals, leave requests, alerts, staff present,
  today's takings — with links.
"""

import datetime as dt

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Least
from django.utils import timezone

from anxin.accounts.permissions import APPROVE_CHANGES, VIEW_ALERTS

from .home import has_grant

OWN_DAY = "scheduling.appointment.view:own"
STORE_DAY = "scheduling.appointment.view:store"
# How many upcoming arrivals the front desk sees; the rest are on the day view.
ARRIVALS = 8


def _perms(request) -> set[str]:
    # The home view has filled the memo: no query.
    return set(request.user.permissions_in(request.store))


def _today(request):
    """Today's appointments this person may see (a queryset: nothing read yet)."""
    from anxin.scheduling.selectors import day_bounds, scoped_appointments

    start, end = day_bounds(timezone.localdate())
    return scoped_appointments(actor=request.user, store=request.store).filter(
        start__gte=start, start__lt=end
    )


def _listed(qs, limit: int | None = None) -> list:
    """Bookings as the panels show them, in time order: the client's code and name with each,
    nothing encrypted (a client's or a staff file's encrypted fields were decrypted for every
    booking of the day, most of a cold home's time)."""
    from anxin.scheduling.selectors import LIST_FIELDS

    qs = qs.select_related(None).select_related("client").only(*LIST_FIELDS)
    return list(qs.order_by("start", "code")[:limit])


def my_day(request) -> dict | None:
    """The practitioner's own day; the first line says what matters most now."""
    from anxin.scheduling.models import Status
    from anxin.scheduling.services import queue_order

    if request.store is None:
        return None
    perms, now = _perms(request), timezone.now()
    rows = _listed(
        _today(request).filter(status__in=(Status.BOOKED, Status.IN_SERVICE, Status.DONE))
    )
    current = next((a for a in rows if a.status == Status.IN_SERVICE), None)
    upcoming = [a for a in rows if a.status == Status.BOOKED]
    queue_place = None
    if has_grant(perms, "scheduling.queue.view"):
        order = queue_order(store=request.store, day=timezone.localdate())
        queue_place = next(
            (i for i, e in enumerate(order, 1) if e.practitioner_id == request.user.pk), None
        )
    return {
        "current": current,
        "next": upcoming[0] if upcoming else None,
        "late": bool(upcoming) and upcoming[0].start < now,
        "rows": rows,
        "queue_place": queue_place,
        "can_serve": True,  # the buttons' view checks the appointment's scope again
    }


def _utilisation(used: dt.timedelta | None, people: int, now: dt.datetime) -> int | None:
    """Booked practitioner time so far over open practitioner time so far, in per cent."""
    from anxin.scheduling.selectors import opening_hours

    opens, _closes = opening_hours()
    day = timezone.localdate()
    open_at = timezone.make_aware(dt.datetime.combine(day, opens))
    available = (now - open_at).total_seconds() * people
    if available <= 0:
        return None
    return round(100 * (used or dt.timedelta()).total_seconds() / available)


def desk(request) -> dict | None:
    """The store's day: arrivals next first, who waits, who is in service, who is free.

    The day's figures (bookings, done, booked time so far) are one aggregate; only the bookings
    shown are read as rows: the next arrivals, who waits and who is in service. A busy day's
    300 bookings are not turned into Python objects."""
    from anxin.accounts.models import User
    from anxin.scheduling.models import Appointment, Status
    from anxin.scheduling.selectors import PERSON_FIELDS, practitioners

    if request.store is None:
        return None
    perms, now = _perms(request), timezone.now()
    day = _today(request).filter(status__in=(Status.BOOKED, Status.IN_SERVICE, Status.DONE))
    figures = day.aggregate(
        count=Count("pk"),
        done=Count("pk", filter=Q(status=Status.DONE)),
        # What each booking that has begun took of the day so far: until its end or now.
        used=Sum(
            ExpressionWrapper(
                Least("end", Value(now, output_field=DateTimeField())) - F("start"),
                output_field=DurationField(),
            ),
            filter=Q(start__lt=now),
        ),
    )
    # Who is in service or waits (booked, their time begun), then the next arrivals.
    rows = _listed(day.filter(Q(status=Status.IN_SERVICE) | Q(status=Status.BOOKED, start__lt=now)))
    arrivals = _listed(day.filter(status=Status.BOOKED, start__gte=now), ARRIVALS)
    booked = [a for a in rows if a.status == Status.BOOKED]
    in_service = [a for a in rows if a.status == Status.IN_SERVICE]
    # "Record a service" is the services panel's link (delivery/_home_panel.html).
    people = list(practitioners(request.store))
    # The bookings' practitioners are named from the store's practitioners read here; someone
    # no longer a practitioner (rare) is read with the others who are not, in one query.
    names = {p.pk: p for p in people}
    missing = {a.practitioner_id for a in (*rows, *arrivals)} - names.keys() - {None}
    if missing:
        names.update(
            (p.pk, p)
            for p in User.objects.filter(pk__in=missing)
            .select_related("staff_file")
            .only(*PERSON_FIELDS)
        )
    for a in (*rows, *arrivals):
        Appointment.practitioner.field.set_cached_value(a, names.get(a.practitioner_id))
    busy = {a.practitioner_id for a in in_service} | {
        a.practitioner_id for a in booked if a.start <= now < a.end
    }
    return {
        "arrivals": arrivals,
        "waiting": booked,
        "in_service": in_service,
        "free": [p for p in people if p.pk not in busy],
        "count": figures["count"],
        "done": figures["done"],
        "utilisation": _utilisation(figures["used"], len(people), now) if people else None,
        "can_register": "clients.client.create:store" in perms,
        "can_book": has_grant(perms, "scheduling.appointment.create"),
    }


def waiting(request) -> dict | None:
    """Counts of what waits for this person, each only with the permission its page needs."""
    store = request.store
    if store is None:
        return None
    perms, user = _perms(request), request.user
    items: dict[str, object] = {}
    if APPROVE_CHANGES in perms:
        from anxin.approvals.models import ChangeRequest, ChangeState

        items["approvals"] = (
            ChangeRequest.objects.filter(store=store, state=ChangeState.PENDING)
            .exclude(proposer=user)
            .count()
        )
    if "attendance.attendance.approve:store" in perms:
        from anxin.attendance.selectors import leave_to_decide

        items["leave"] = leave_to_decide(actor=user, store=store).count()
    if VIEW_ALERTS in perms:
        from anxin.audit.models import Alert, AlertState

        items["alerts"] = Alert.objects.filter(
            Q(store=store) | Q(store__isnull=True), state=AlertState.OPEN
        ).count()
    if "attendance.attendance.view:store" in perms:
        from anxin.accounts.names import staff_secrets
        from anxin.attendance.models import ClockRecord

        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
        present = (
            ClockRecord.objects.filter(store=store, clock_out__isnull=True, clock_in__gte=start)
            .select_related("member__user__staff_file")
            # Names only: the staff files' pay, ID and bank card numbers are not decrypted.
            .defer(*staff_secrets("member"), *staff_secrets("member__user__staff_file"))
            .order_by("clock_in")
        )
        items["present"] = [c.member.user for c in present if c.member.user_id]
    if "delivery.service.view:store" in perms and "clients.client.view_spending:store" in perms:
        from anxin.clients.models import ServiceRecord

        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
        items["takings"] = ServiceRecord.objects.filter(
            store=store, served_at__gte=start, served_at__lt=start + dt.timedelta(days=1)
        ).aggregate(n=Count("pk"), total=Sum("amount"))
    if has_grant(perms, "staff.staff.create"):
        items["can_add_staff"] = True
    return items or None


def _unread(request) -> int:
    from anxin.notifications.selectors import unread_count_kept

    return unread_count_kept(request)


def register() -> None:
    from . import home

    home.register_panel(
        "core/_today_mine.html",
        context=my_day,
        order=1,
        visible=lambda perms, request: OWN_DAY in perms,
        # Theirs, until their own next change (上钟/下钟 are POSTs) or a minute; the inbox
        # line shows the header's count.
        cache_key=lambda perms, request: (*home.personal_key(request), _unread(request)),
    )
    home.register_panel(
        "core/_today_desk.html",
        context=desk,
        order=2,
        visible=lambda perms, request: STORE_DAY in perms,
        cache_key=lambda perms, request: (),  # the store's day: the same for all who see it
    )
    home.register_panel(
        "core/_today_waiting.html",
        context=waiting,
        order=3,
        visible=lambda perms, request: True,
        # Approvals and leave are theirs: kept for them until their own next change (deciding
        # one is a POST) or a minute.
        cache_key=lambda perms, request: home.personal_key(request),
    )
