"""The day view's table rows, built in Python: a busy day has hundreds of bookings shown twice
(by practitioner, by room), and the template language spent most of a second on them
(a URL reversal, two date filters and a dozen look-ups per row). The markup is the same."""

import html

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.accounts.names import person_name
from anxin.scheduling.models import ClockType, Status

register = template.Library()

_ROW = (
    '<tr>\n      <th scope="row"><time datetime="{}">{}</time>–<time datetime="{}">{}</time></th>'
    '\n      <td><a href="{}">{}</a></td>\n      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>'
    "\n      <td>{}</td>\n      <td>{}</td>\n    </tr>\n"
)


class _Rows:
    """``<tr>`` per appointment: time, code (linked), client, item, room or practitioner,
    clock type, status. What a row shows is worked out once per page and appointment (a busy
    day shows each twice), the labels and people's names once per page."""

    def __init__(self, store=None):
        self.store = store
        # One reversal for all rows: the codes are plain (letters and digits).
        self.head, self.tail = reverse("scheduling:detail", args=["CODE"]).split("CODE", 1)
        # ``get_status_display`` would translate its label again for every row.
        self.clock_types = {value: str(label) for value, label in ClockType.choices}
        self.statuses = {value: str(label) for value, label in Status.choices}
        self.names: dict = {}
        self.done: dict = {}

    def practitioner(self, a) -> str:
        if a.practitioner_id not in self.names:
            self.names[a.practitioner_id] = person_name(a.practitioner, self.store)
        return self.names[a.practitioner_id]

    def cells(self, a, by_room: bool):
        common = self.done.get(a.pk)
        if common is None:
            start, end = timezone.localtime(a.start), timezone.localtime(a.end)
            common = self.done[a.pk] = (
                start.isoformat(),
                start.strftime("%H:%M"),
                end.isoformat(),
                end.strftime("%H:%M"),
                f"{self.head}{a.code}{self.tail}",
                a.code,
                a.client.name,
                a.item_name,
            )
        if by_room:
            other = self.practitioner(a)
        else:
            other = a.room.name if a.room is not None and a.room.name else "—"
        return (
            *common,
            other,
            self.clock_types.get(a.clock_type, a.clock_type),
            self.statuses.get(a.status, a.status),
        )

    def rows(self, appointments, by_room: bool) -> SafeString:
        return format_html_join(
            "", _ROW, (self.cells(a, by_room) for a in appointments)
        ) or format_html("")


_TABLE = (
    "\n    <table>\n  <caption>{}</caption>\n  <thead><tr>"
    + '<th scope="col">{}</th>' * 7
    + "</tr></thead>\n  <tbody>\n  {}\n  </tbody>\n</table>\n\n  "
)


@register.simple_tag(takes_context=True)
def day_tables(context, groups, by_room: bool) -> SafeString:
    """The day view's tables, one per practitioner (``by_room`` false) or per room: a caption
    with the name and number of bookings, then the rows. Built in Python: a busy day has some
    sixty tables, and including a template per table cost a third of the page."""
    store = context.get("current_store")
    maker = context.render_context.get("_appointment_rows")
    if maker is None:  # one for both sections: a row's common cells are worked out once
        maker = context.render_context["_appointment_rows"] = _Rows(store)
    term = context.get("practitioner_term") or ""
    heads = (
        _("Time"),
        _("Code"),
        _("Client"),
        _("Service item"),
        capfirst(term) if by_room else _("Room or bed"),
        _("Clock type"),
        _("Status"),
    )
    parts = []
    for key, appointments in groups.items():
        name = key.name if by_room else maker.practitioner(appointments[0])
        n = len(appointments)
        caption = ngettext("%(name)s: %(n)s booking", "%(name)s: %(n)s bookings", n) % {
            "name": conditional_escape(name),
            "n": n,
        }
        parts.append(
            format_html(_TABLE, mark_safe(caption), *heads, maker.rows(appointments, by_room))  # noqa: S308 — the name is escaped
        )
    return mark_safe("".join(parts))  # noqa: S308 — each part is built by format_html


_FLOOR = (
    '\n      <tr>\n        <th scope="row"><time datetime="{}">{}</time></th>\n        <td>{}</td>'
    "\n        <td>{}</td>\n        <td>{}</td>\n        <td>{}</td>\n        <td>\n          "
    '<form method="post" action="{}" class="inline-form">{}\n            '
    '<button type="submit">{}</button>\n          </form>\n        </td>\n      </tr>'
)


@register.simple_tag(takes_context=True)
def queue_floor(context, floor) -> SafeString:
    """The rotation queue's floor (today's booked and in-service bookings): a row each with
    the button to start or end the service. Built in Python as the day view's rows: a busy
    day's floor has hundreds of rows with a form each."""
    from django.template.backends.utils import csrf_input

    maker = _Rows(context.get("current_store"))
    token = csrf_input(context["request"])
    urls = {
        what: reverse("scheduling:serve", args=["CODE", what]).split("CODE", 1)
        for what in ("start", "end")
    }
    start_label = _("Start service (上钟): %(time)s %(item)s")
    end_label = _("End service (下钟): %(time)s %(item)s")

    def row(a):
        start = timezone.localtime(a.start)
        hm = start.strftime("%H:%M")
        what, label = ("start", start_label) if a.status == Status.BOOKED else ("end", end_label)
        head, tail = urls[what]
        return (
            start.isoformat(),
            hm,
            maker.practitioner(a),
            a.client.name,
            a.item_name,
            maker.statuses.get(a.status, a.status),
            f"{head}{a.code}{tail}",
            token,
            label % {"time": hm, "item": a.item_name},
        )

    return format_html_join("", _FLOOR, (row(a) for a in floor))


_QUEUE_ROW = '\n    <tr><td>{}</td><th scope="row">{}</th><td>{}</td><td>{}</td></tr>\n  '


@register.simple_tag(takes_context=True)
def queue_rows(context, order) -> SafeString:
    """The rotation queue's order, a ``<tr>`` per person: place, name, rotation services
    today, end of the last service. Built in Python: a store's sixty people in the queue went
    through the template's loop, a name filter and a time filter each (issue 11)."""
    store = context.get("current_store")

    def row(place, entry):
        last = timezone.localtime(entry.last_end).strftime("%H:%M") if entry.last_end else "—"
        return (place, person_name(entry.practitioner, store), entry.rotation_count, last)

    return format_html_join("", _QUEUE_ROW, (row(i, e) for i, e in enumerate(order, 1)))


@register.simple_tag(takes_context=True)
def queue_options(context, entries) -> SafeString:
    """The ``<option>`` per queue entry of the form adjusting the queue, named as above."""
    store = context.get("current_store")
    return format_html_join(
        "",
        '<option value="{}">{}</option>',
        ((e.pk, person_name(e.practitioner, store)) for e in entries),
    )


@register.simple_tag(takes_context=True)
def my_week_link(context) -> SafeString:
    """The site navigation's "My week" link, for a practitioner of the current store: their own
    week of shifts, leave and bookings in two keystrokes from any page."""
    from anxin.accounts.policy import Scope, scope_for
    from anxin.scheduling.services import RECORD

    request = context.get("request")
    store = getattr(request, "store", None)
    user = getattr(request, "user", None)
    if store is None or user is None or not user.is_authenticated:
        return SafeString("")
    # Those who see only their own bookings (practitioners): the store's permissions are
    # already loaded for the page, so this costs no query.
    if scope_for(user, store, RECORD, "view") not in (Scope.OWN, Scope.SERVED):
        return SafeString("")
    return format_html(
        '<li><a href="{}?view=week" class="my-week-link">{}</a></li>',
        reverse("scheduling:calendar"),
        _("My week"),
    )


# -- the calendar -----------------------------------------------------------------------------


def esc(value) -> str:
    """Django's ``escape`` without its lazy-string wrapper (the same characters replaced): the
    calendar escapes some ten thousand values on a busy day."""
    return html.escape(str(value))


@register.simple_tag(takes_context=True)
def calendar_rows(context, rows) -> SafeString:
    """The calendar grid's body: a row per half hour, a cell per column with the bookings that
    start there, "busy" where one started earlier, or a link to book. Built in Python: a busy
    day has sixty columns of twenty-six slots, some 1,500 cells, which took the template
    language over a second (issue 11). The markup is what the template gave."""
    store = context.get("current_store")
    by_room = context.get("view") == "day" and context.get("by") == "room"
    statuses = {value: str(label) for value, label in Status.choices}
    busy, book = esc(_("busy")), esc(_("Book"))
    names: dict = {}
    column_names: dict = {}

    def column_name(column) -> str:
        if id(column) not in column_names:
            column_names[id(column)] = esc(
                date_format(column.day, "D m-d") if column.day else column.label
            )
        return column_names[id(column)]

    def booking(a) -> str:
        who = ""
        if by_room:
            if a.practitioner_id not in names:
                names[a.practitioner_id] = person_name(a.practitioner, store)
            who = f" · {esc(names[a.practitioner_id])}"
        status = ""
        if a.status != Status.BOOKED:
            status = f" ({esc(statuses.get(a.status, a.status))})"
        return (
            f'<a href="{esc(a.calendar_url)}" class="calendar-booking status-{esc(a.status)}">'
            f'<time datetime="{esc(a.calendar_from_iso)}">{esc(a.calendar_from)}</time>–'
            f'<time datetime="{esc(a.calendar_to_iso)}">{esc(a.calendar_to)}</time> '
            f"{esc(a.client.name)} · {esc(a.item_name)}{who}{status}</a>"
        )

    parts = []
    for row in rows:
        hm = timezone.localtime(row.start).strftime("%H:%M")
        parts.append(
            f'\n    <tr>\n      <th scope="row"><time datetime="{hm}">{hm}</time></th>\n      '
        )
        for cell in row.cells:
            if cell.bookings:
                inner = "".join(booking(a) for a in cell.bookings)
            elif cell.continues:
                inner = f'<span class="calendar-continues">{busy}</span>'
            elif cell.book_url:
                inner = (
                    f'<a href="{esc(cell.book_url)}" class="calendar-free">{book}'
                    f'<span class="visually-hidden"> {column_name(cell.column)} '
                    f"{timezone.localtime(cell.start).strftime('%H:%M')}</span></a>"
                )
            else:
                inner = ""
            parts.append(f"<td>{inner}</td>")
        parts.append("\n    </tr>\n    ")
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped by format_html


_LISTED = (
    '<li><a href="{}"><time datetime="{}">{}</time>–<time datetime="{}">{}</time> {} · {}</a>'
    "{} · {}</li>"
)


@register.simple_tag(takes_context=True)
def calendar_list(context, columns) -> SafeString:
    """The calendar's list view: per column (practitioner, room or day) a heading and its
    bookings, or "No bookings." Built in Python, as the grid (``calendar_rows``)."""
    store = context.get("current_store")
    by_room = context.get("view") == "day" and context.get("by") == "room"
    statuses = {value: str(label) for value, label in Status.choices}
    none = _("No bookings.")
    names: dict = {}
    parts = []
    for column in columns:
        if column.day:
            heading = format_html(
                '<time datetime="{}">{} {}</time>',
                column.day.isoformat(),
                date_format(column.day, "l"),
                column.day.isoformat(),
            )
        else:
            heading = conditional_escape(column.label)
        parts.append(f"\n  <h3>{heading}</h3>\n  ")
        if not column.bookings:
            parts.append(format_html("\n  <p>{}</p>\n  \n  ", none))
            continue
        items = []
        for a in column.bookings:
            if by_room:
                if a.practitioner_id not in names:
                    names[a.practitioner_id] = person_name(a.practitioner, store)
                other = format_html(" · {}", names[a.practitioner_id])
            elif a.room is not None:
                other = format_html(" · {}", a.room.name)
            else:
                other = ""
            items.append(
                format_html(
                    _LISTED,
                    a.calendar_url,
                    a.calendar_from_iso,
                    a.calendar_from,
                    a.calendar_to_iso,
                    a.calendar_to,
                    a.client.name,
                    a.item_name,
                    other,
                    statuses.get(a.status, a.status),
                )
            )
        parts.append(f"\n  <ul>\n    {''.join(items)}\n  </ul>\n  \n  ")
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped by format_html


# -- free slots -------------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def free_rows(context, slots) -> SafeString:
    """The free-slot table's body: a row per practitioner with their free start times as
    ranges ("10:00 to 11:30"; a single time alone), "none" where there is none. Built in
    Python: sixty practitioners with a few ranges each went through a translation block and
    four date filters per range. The markup is what the template gave."""
    store = context.get("current_store")
    between = _(
        '<time datetime="%(first_iso)s">%(first_time)s</time> to '
        '<time datetime="%(last_iso)s">%(last_time)s</time>'
    )
    none = esc(_("none"))

    def times(first, last) -> str:
        first, last = timezone.localtime(first), timezone.localtime(last)
        if first == last:
            return f'<time datetime="{first.isoformat()}">{first.strftime("%H:%M")}</time>'
        return between % {
            "first_iso": esc(first.isoformat()),
            "first_time": first.strftime("%H:%M"),
            "last_iso": esc(last.isoformat()),
            "last_time": last.strftime("%H:%M"),
        }

    parts = []
    for person, ranges in slots:
        cells = "; ".join(times(first, last) for first, last in ranges) if ranges else none
        parts.append(
            f'\n    <tr><th scope="row">{esc(person_name(person, store))}</th>'
            f"\n      <td>{cells}</td></tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 — names escaped, times are digits
