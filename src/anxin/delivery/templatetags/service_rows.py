"""The service list's rows, built in Python (issue 11): fifty rows a page went through the
template language with a ``person`` and a ``yuan`` filter, a date filter and a URL reversal per
row. The markup is what ``_services_table.html`` gave."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from anxin.accounts.names import person_name
from anxin.core.money import format_yuan

register = template.Library()

_ROW = (
    '\n    <tr><td><a href="{}">{}</a></td><th scope="row">{} {}</th><td>{}</td><td>{}</td>'
    "<td>{}</td><td>{}</td></tr>"
)


def _feedback(record):
    try:
        return record.feedback
    except ObjectDoesNotExist:
        return None


@register.simple_tag(takes_context=True)
def service_rows(context, records) -> SafeString:
    """A ``<tr>`` per service record: time (linked to the record), client's name and code,
    item, practitioner, amount, satisfaction. Names and the link's parts worked out once."""
    store = context.get("current_store")
    head, tail = reverse("delivery:service_detail", args=[0]).rsplit("0", 1)
    names: dict = {}

    def cells(r):
        if r.practitioner_id not in names:
            names[r.practitioner_id] = (
                person_name(r.practitioner, store) if r.practitioner_id else ""
            )
        feedback = _feedback(r)
        return (
            getattr(r, "detail_url", "") or f"{head}{r.pk}{tail}",
            timezone.localtime(r.served_at).strftime("%Y-%m-%d %H:%M"),
            r.client.name,
            r.client.code,
            r.item_name,
            names[r.practitioner_id],
            format_yuan(r.amount),
            f"{feedback.score}/5" if feedback else "—",
        )

    return format_html_join("", _ROW, (cells(r) for r in records))
