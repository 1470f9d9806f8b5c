"""The promotion list's rows, built in Python (issue 11): every promotion of three years, each
through the template language with an include, two date filters and a translated discount (the
list grew 3–5x from small to store scale). The markup is what ``promotion_list.html`` and
``_discount.html`` gave."""

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from anxin.core.money import format_yuan

register = template.Library()


@register.simple_tag
def promotion_rows(promotions) -> SafeString:
    """A ``<tr>`` per promotion: code (linked), name, period, discount. The link is reversed
    and the discount's words translated once a page."""
    head, tail = reverse("catalogue:promotion_detail", args=["CODE"]).split("CODE", 1)
    head, tail = escape(head), escape(tail)
    percent, yuan = _("%(v)s%% off"), _("%(v)s yuan off")

    def discount(p) -> str:
        if p.discount_kind == "percent":
            return percent % {"v": escape(floatformat(p.discount_value, "-2"))}
        return yuan % {"v": escape(format_yuan(p.discount_value))}

    def day(d) -> str:
        return f"{d:%Y-%m-%d}" if d else ""

    def row(p) -> str:
        code = escape(p.code)
        return (
            f'\n    <tr><td><a href="{head}{code}{tail}">{code}</a></td>'
            f'<th scope="row">{escape(p.name)}</th><td>{day(p.starts_on)} – {day(p.ends_on)}</td>'
            f"<td>{discount(p)}\n</td></tr>\n  "  # the include's file ended in a newline
        )

    return mark_safe("".join(row(p) for p in promotions))  # noqa: S308 — values are escaped
