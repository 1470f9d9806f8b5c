"""The store's day on the home page (``core/_today_desk.html``): its lists built in Python.

A busy afternoon's desk lists dozens of bookings waiting and sixty practitioners free; through
the template language (a translation block, two date filters, a name filter and a URL per row)
that was half of working the panel out. Same markup, byte for byte
(``core/tests/test_today_homes.py``)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from anxin.accounts.names import person_name

register = template.Library()

# (message, the row's start shown, its link shown) per list.
_LISTS = {
    "arrivals": ("%(client)s, %(item)s, with %(who)s", True, True),
    "waiting": ("%(client)s, with %(who)s", True, True),
    "in_service": ("%(who)s with %(client)s until %(until)s", False, False),
}


@register.simple_tag(takes_context=True)
def desk_rows(context, bookings, kind: str) -> SafeString:
    """The list items of the desk's ``kind`` of bookings (arrivals, waiting, in_service)."""
    store = context.get("current_store")
    message, timed, linked = _LISTS[kind]
    message = gettext(message)
    head, _sep, tail = reverse("scheduling:detail", args=["CODE"]).partition("CODE")
    parts = []
    for a in bookings:
        values = {
            "client": conditional_escape(a.client.name),
            "item": conditional_escape(a.item_name),
            "who": conditional_escape(person_name(a.practitioner, store) if a.practitioner else ""),
            "until": conditional_escape(timezone.localtime(a.end).strftime("%H:%M")),
        }
        text = message % values
        if timed:
            start = timezone.localtime(a.start)
            text = f'<time datetime="{start.isoformat()}">{start.strftime("%H:%M")}</time> {text}'
        if linked:
            code = conditional_escape(a.code)
            text = f'{text} <a href="{head}{code}{tail}">{code}</a>'
        parts.append(f"<li>{text}</li>")
    return mark_safe("".join(parts))  # noqa: S308 — every value is escaped above


@register.simple_tag(takes_context=True)
def people_items(context, people) -> SafeString:
    """``<li>`` with each person's name (as ``{{ p|person:current_store }}``)."""
    store = context.get("current_store")
    return mark_safe(  # noqa: S308 — the names are escaped
        "".join(f"<li>{conditional_escape(person_name(p, store))}</li>" for p in people)
    )
