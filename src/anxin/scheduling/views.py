import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name, staff_secrets
from anxin.accounts.policy import scope_for
from anxin.clients.forms import client_initial
from anxin.core.forms import add_errors
from anxin.core.post_only import post_only

from . import calendar as cal
from . import integrations, selectors, services
from .forms import (
    ROTATION,
    BookingForm,
    CalendarForm,
    DayForm,
    FreeSlotForm,
    QueueAdjustForm,
    QueueOpenForm,
    ReasonForm,
    RescheduleForm,
)
from .models import QueueEntry, QueueState, Room, Status


def _can(request, record, action) -> bool:
    return scope_for(request.user, request.store, record, action) is not None


def _with_pages(request, pager):
    """The links to the previous and next page of ``pager`` (the rest of the query kept)."""
    if pager is None:
        return None

    def at(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    pager.previous_url = at(pager.number - 1) if pager.number > 1 else ""
    pager.next_url = at(pager.number + 1) if pager.number < pager.pages else ""
    return pager


def day(request):
    form = DayForm(request.GET or {"day": timezone.localdate()})
    chosen = form.cleaned_data["day"] if form.is_valid() else timezone.localdate()
    rooms = request.GET.get("by") == "room"
    view = selectors.day_view(
        actor=request.user,
        store=request.store,
        day=chosen,
        request=request,
        page=selectors.page_number(request.GET.get("page")),
        rooms=rooms,
    )
    _with_pages(request, view["pager"])
    return render(
        request,
        "scheduling/day.html",
        {
            "form": form,
            "day": chosen,
            "can_book": _can(request, services.RECORD, "create"),
            "rooms": rooms,
            "practitioner_url": f"?{urlencode({'day': chosen.isoformat()})}",
            "room_url": f"?{urlencode({'day': chosen.isoformat(), 'by': 'room'})}",
            **view,
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


def calendar(request):
    """Day (columns: practitioners or rooms) and week (one practitioner, columns: days) grids
    of the bookings this person may see, with a list view of the same data."""
    store, actor = request.store, request.user
    everyone = selectors.sees_every_practitioner(actor=actor, store=store)
    people = list(selectors.practitioners(store)) if everyone else [actor]
    form = CalendarForm(request.GET or None, store=store, practitioners=people)
    if not everyone:
        del form.fields["practitioner"]
    valid = not form.is_bound or form.is_valid()
    day = form.value("day", timezone.localdate())
    view = form.value("view", "day")
    by = form.value("by", "practitioner") if view == "day" else "practitioner"
    can_book = _can(request, services.RECORD, "create")
    who, week, pager, roomless = None, None, None, False
    if view == "week":
        days = cal.week_of(day)
        chosen = form.value("practitioner", None) if everyone else None
        who = next((p for p in people if p.pk == chosen), None)
        if who is None:
            who = actor if any(p.pk == actor.pk for p in people) else next(iter(people), actor)
        bookings = selectors.calendar_view(
            actor=actor,
            store=store,
            first=days[0],
            last=days[-1],
            practitioner=who,
            request=request,
        )
        if everyone:
            form.show_practitioner(who)
        columns = [cal.Column(key=d, label="", practitioner_pk=who.pk, day=d) for d in days]
        week = integrations.week_attendance(actor=actor, store=store, practitioner=who, days=days)
        rows = cal.grid(
            columns=columns,
            bookings=bookings,
            days=days,
            key=lambda b, start: start.date(),
            can_book=can_book and everyone,
        )
        step = dt.timedelta(days=7)
    else:
        days = [day]
        ids, room_ids, rooms = None, None, []
        if by == "room":  # a page of twelve rooms: those booked that day first
            rooms = list(Room.objects.filter(store=store, active=True))
            booked = selectors.booked_rooms(actor=actor, store=store, day=day)
            # Bookings without a room hold no room: they are on the calendar by practitioner
            # (a busy day's hundreds of them made one column of a 140 KB page).
            roomless = None in booked
            pager = _with_pages(
                request,
                selectors.rooms_page(
                    ordered=[r.pk for r in rooms],
                    booked=booked,
                    number=selectors.page_number(request.GET.get("page")),
                ),
            )
            room_ids = pager.ids
        elif by == "practitioner":  # a page of twelve: the actor's own, those booked, the others
            booked = selectors.booked_practitioners(actor=actor, store=store, day=day)
            known = {p.pk for p in people}
            ordered = [p.pk for p in people] + [pk for pk in booked if pk not in known]
            pager = _with_pages(
                request,
                selectors.people_page(
                    actor=actor,
                    ordered=ordered,
                    booked=booked,
                    number=selectors.page_number(request.GET.get("page")),
                ),
            )
            ids = pager.ids
        bookings = selectors.calendar_view(
            actor=actor,
            store=store,
            first=day,
            last=day,
            practitioner_ids=ids,
            room_ids=room_ids,
            request=request,
        )
        if by == "room":
            named = {r.pk: r.name for r in rooms}
            columns = [cal.Column(key=pk, label=named[pk], room_pk=pk) for pk in room_ids]
            key = lambda b, start: b.room_id  # noqa: E731
        else:
            bookable = {p.pk: p for p in people}
            # Someone no longer bookable who still has bookings that day: named from those.
            former = {b.practitioner_id: b.practitioner for b in bookings}
            columns = [
                cal.Column(key=pk, label=person_name(bookable[pk], store), practitioner_pk=pk)
                if pk in bookable
                else cal.Column(key=pk, label=person_name(former[pk], store))
                for pk in ids
                if pk in bookable or pk in former
            ]
            key = lambda b, start: b.practitioner_id  # noqa: E731
        rows = cal.grid(columns=columns, bookings=bookings, days=days, key=key, can_book=can_book)
        step = dt.timedelta(days=1)

    def link(target: dt.date) -> str:
        query = {"day": target.isoformat(), "view": view}
        if view == "day":
            query["by"] = by
        elif who is not None and everyone:
            query["practitioner"] = who.pk
        return f"?{urlencode(query)}"

    return render(
        request,
        "scheduling/calendar.html",
        {
            "form": form,
            "day": day,
            "days": days,
            "view": view,
            "by": by,
            "who": who,
            "week": [(d, (week or {}).get(d)) for d in days] if week is not None else None,
            "columns": columns,
            "rows": rows,
            "pager": pager,
            "roomless": roomless,
            "can_book": can_book,
            "previous_url": link(day - step),
            "next_url": link(day + step),
            "today_url": link(timezone.localdate()),
            "day_url": f"?{urlencode({'day': day.isoformat(), 'view': 'day'})}",
            "week_url": f"?{urlencode({'day': day.isoformat(), 'view': 'week'})}",
            "room_url": f"?{urlencode({'day': day.isoformat(), 'view': 'day', 'by': 'room'})}",
            "practitioner_url": "?"
            + urlencode({"day": day.isoformat(), "view": "day", "by": "practitioner"}),
        },
        status=200 if valid else 400,
    )


def new(request):
    if not _can(request, services.RECORD, "create"):
        raise PermissionDenied
    store = request.store
    people = list(selectors.practitioners(store))
    form = BookingForm(
        request.POST or None,
        store=store,
        practitioners=people,
        actor=request.user,
        request=request,
        initial={**client_initial(request), **booking_initial(request, people)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booking = {
            "client": data["client"],
            "minutes": data["minutes"],
            "item": data["item"],
            "room": data["room"],
            "request": request,
        }
        try:
            if data["practitioner"] == ROTATION:
                appointment = services.appointment_book_rotation(
                    actor=request.user, store=store, start=data["start"], **booking
                )
            else:
                chosen = next(p for p in people if str(p.pk) == data["practitioner"])
                appointment = services.appointment_book(
                    actor=request.user,
                    store=store,
                    practitioner=chosen,
                    start=data["start"],
                    **booking,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Booked %(client)s for %(item)s with %(name)s at %(time)s (%(code)s).")
                % _words(appointment, store),
            )
            return redirect("scheduling:detail", code=appointment.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "scheduling/new.html", {"form": form}, status=status)


def booking_initial(request, people) -> dict:
    """A booking opened from an empty calendar slot: ``?practitioner=<pk>&start=…&room=<pk>``
    start the form with them; anything unknown or malformed is ignored."""
    if request.method != "GET":
        return {}
    initial = {}
    pk = request.GET.get("practitioner", "")
    if any(str(p.pk) == pk for p in people):
        initial["practitioner"] = pk
    text = request.GET.get("start", "")[:16]
    try:
        start = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 (made aware below)
    except ValueError:
        start = None
    if start is not None and 1900 < start.year < 2100:
        initial["start"] = timezone.make_aware(start)
    room = request.GET.get("room", "")
    if room.isascii() and room.isdigit() and len(room) <= 18:
        found = Room.objects.filter(store=request.store, active=True, pk=int(room)).first()
        if found is not None:
            initial["room"] = found.pk
    return initial


def detail(request, code):
    appointment = selectors.appointment_get(
        actor=request.user, store=request.store, code=code, request=request
    )
    can_change = _can(request, services.RECORD, "change") and appointment.status == Status.BOOKED
    return render(
        request,
        "scheduling/detail.html",
        {
            "appointment": appointment,
            "can_change": can_change,
            "cancel_form": ReasonForm(prefix="cancel"),
            "no_show_form": ReasonForm(prefix="noshow"),
            "move_form": RescheduleForm(prefix="move", initial={"start": appointment.start}),
        },
    )


@post_only(form_at=lambda request, code, what: reverse("scheduling:detail", args=[code]))
def change(request, code, what):
    appointment = selectors.appointment_get(
        actor=request.user, store=request.store, code=code, action="change", request=request
    )
    forms = {
        "cancel": ReasonForm(request.POST, prefix="cancel"),
        "noshow": ReasonForm(request.POST, prefix="noshow"),
        "move": RescheduleForm(request.POST, prefix="move"),
    }
    if what not in forms:
        raise Http404
    form = forms[what]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if what == "cancel":
                services.appointment_cancel(
                    actor=request.user,
                    appointment=appointment,
                    reason=data["reason"],
                    request=request,
                )
            elif what == "noshow":
                services.appointment_no_show(
                    actor=request.user,
                    appointment=appointment,
                    reason=data["reason"],
                    request=request,
                )
            else:
                services.appointment_reschedule(
                    actor=request.user,
                    appointment=appointment,
                    start=data["start"],
                    reason=data["reason"],
                    request=request,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            appointment.refresh_from_db()
            done = {
                "cancel": _(
                    "Cancelled the booking of %(client)s for %(item)s at %(time)s (%(code)s)."
                ),
                "noshow": _(
                    "Recorded that %(client)s did not come for %(item)s at %(time)s (%(code)s)."
                ),
                "move": _(
                    "Moved the booking of %(client)s for %(item)s to %(time)s, with %(name)s (%(code)s)."
                ),
            }[what]
            messages.success(request, done % _words(appointment, request.store))
            return redirect("scheduling:detail", code=code)
    context = {
        "appointment": appointment,
        "can_change": True,
        "cancel_form": ReasonForm(prefix="cancel"),
        "no_show_form": ReasonForm(prefix="noshow"),
        "move_form": RescheduleForm(prefix="move", initial={"start": appointment.start}),
        {"cancel": "cancel_form", "noshow": "no_show_form", "move": "move_form"}[what]: form,
    }
    return render(request, "scheduling/detail.html", context, status=400)


def free(request):
    if not _can(request, services.RECORD, "create"):
        raise PermissionDenied
    form = FreeSlotForm(
        request.GET or None, store=request.store, initial={"day": timezone.localdate()}
    )
    slots = None
    if request.GET and form.is_valid():
        found = selectors.free_slots(
            store=request.store, day=form.cleaned_data["day"], minutes=form.cleaned_data["minutes"]
        )
        slots = [(person, selectors.slot_ranges(times)) for person, times in found]
    status = 400 if request.GET and not form.is_valid() else 200
    return render(request, "scheduling/free.html", {"form": form, "slots": slots}, status=status)


def queue(request):
    if not _can(request, services.QUEUE, "view"):
        raise PermissionDenied
    store, today = request.store, timezone.localdate()
    can_adjust = _can(request, services.QUEUE, "change")
    people = list(selectors.practitioners(store))
    open_form = QueueOpenForm(
        request.POST if request.POST.get("do") == "open" else None, practitioners=people
    )
    adjust_form = QueueAdjustForm(request.POST if request.POST.get("do") == "adjust" else None)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("do") == "open" and open_form.is_valid():
                chosen = [p for p in people if str(p.pk) in open_form.cleaned_data["practitioners"]]
                services.queue_open(
                    actor=request.user,
                    store=store,
                    day=today,
                    practitioners=chosen,
                    request=request,
                )
                return redirect("scheduling:queue")
            if request.POST.get("do") == "adjust" and adjust_form.is_valid():
                entry_id = request.POST.get("entry", "")
                entry = (
                    QueueEntry.objects.filter(store=store, day=today, pk=int(entry_id)).first()
                    if entry_id.isascii() and entry_id.isdigit() and len(entry_id) <= 18
                    else None
                )
                if entry is None:
                    raise Http404
                services.queue_adjust(
                    actor=request.user,
                    entry=entry,
                    action=adjust_form.cleaned_data["action"],
                    reason=adjust_form.cleaned_data["reason"],
                    request=request,
                )
                return redirect("scheduling:queue")
        except ValidationError as exc:
            add_errors(adjust_form if request.POST.get("do") == "adjust" else open_form, exc)
        status = 400
    order = services.queue_order(store=store, day=today)
    start, end = selectors.day_bounds(today)
    floor = selectors.listed(
        selectors.scoped_appointments(actor=request.user, store=store)
        .filter(start__gte=start, start__lt=end, status__in=[Status.BOOKED, Status.IN_SERVICE])
        .order_by("start", "code")
    )
    suspended = (
        QueueEntry.objects.filter(store=store, day=today, state=QueueState.SUSPENDED)
        .select_related("practitioner__staff_file")
        .defer(*staff_secrets("practitioner__staff_file"))
    )
    return render(
        request,
        "scheduling/queue.html",
        {
            "order": order,
            "suspended": suspended,
            "today": today,
            "can_adjust": can_adjust,
            "open_form": open_form,
            "adjust_form": adjust_form,
            "entries": [*order, *suspended],
            "floor": floor,
        },
        status=status,
    )


def _words(appointment, store) -> dict:
    """What a message says of a booking: the client's and the practitioner's names, the item,
    the local time and the code ("已为 林小雨 预约 全身按摩 …")."""
    return {
        "client": appointment.client.name,
        "item": appointment.item_name,
        "name": person_name(appointment.practitioner, store),
        "time": date_format(timezone.localtime(appointment.start), "Y-m-d H:i"),
        "code": appointment.code,
    }


def _serve_button(request, code, what):
    if what == "start":
        return _("Start service (上钟): %(code)s") % {"code": code}
    if what != "end":
        raise Http404
    return _("End service (下钟): %(code)s") % {"code": code}


@post_only(button=_serve_button)
def serve(request, code, what):
    """上钟 / 下钟 from the queue page: the practitioner themselves or the front desk."""
    appointment = selectors.appointment_get(
        actor=request.user, store=request.store, code=code, request=request
    )
    try:
        if what == "start":
            services.service_start(actor=request.user, appointment=appointment, request=request)
            messages.success(
                request,
                _("Service started (上钟): %(item)s for %(client)s, with %(name)s (%(code)s).")
                % _words(appointment, request.store),
            )
        elif what == "end":
            services.service_end(actor=request.user, appointment=appointment, request=request)
            messages.success(
                request,
                _(
                    "Service ended (下钟): %(item)s for %(client)s, with %(name)s (%(code)s); "
                    "the service record is saved."
                )
                % _words(appointment, request.store),
            )
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    # From the practitioner's home the result is shown there, with the next booking.
    return redirect("core:home" if request.POST.get("next") == "home" else "scheduling:queue")
