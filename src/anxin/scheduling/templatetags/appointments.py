"""The day view's table rows, built in Python: a busy day has hundreds of bookings shown twice
(by practitioner, by room), and the template language spent most of a second on them
(a URL reversal, two date filters and a dozen look-ups per row). The markup is the same."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name

register = template.Library()

_ROW = (
    '<tr>\n      <th scope="row"><time datetime="{}">{}</time>–<time datetime="{}">{}</time></th>'
    '\n      <td><a href="{}">{}</a></td>\n      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>'
    "\n      <td>{}</td>\n      <td>{}</td>\n    </tr>\n"
)


@register.simple_tag
def appointment_rows(rows, by_room: bool, store=None) -> SafeString:
    """``<tr>`` per appointment: time, code (linked), client, item, room or practitioner,
    clock type, status."""
    # One reversal for all rows: the codes are plain (letters and digits).
    link = reverse("scheduling:detail", args=["CODE"])
    head, tail = link.split("CODE", 1)

    def cells(a):
        start, end = timezone.localtime(a.start), timezone.localtime(a.end)
        if by_room:
            other = person_name(a.practitioner, store)
        else:
            other = a.room.name if a.room is not None and a.room.name else "—"
        return (
            start.isoformat(),
            start.strftime("%H:%M"),
            end.isoformat(),
            end.strftime("%H:%M"),
            f"{head}{a.code}{tail}",
            a.code,
            a.client.name,
            a.item_name,
            other,
            a.get_clock_type_display(),
            a.get_status_display(),
        )

    return format_html_join("", _ROW, (cells(a) for a in rows)) or format_html("")


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
