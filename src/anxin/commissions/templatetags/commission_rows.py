"""Commission rows built in Python (issue 11): a practitioner's lines of a month (the busiest
month's 173 lines went through the template language with three money filters, a date filter,
a choice label and up to three translations a line: most of the page's 0.3-0.4 s at a store's
scale) and the month's row per practitioner. Labels are translated and links reversed once a
page. The markup is what ``person.html`` and ``month.html`` gave."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.core.money import format_yuan

from ..models import Basis

register = template.Library()

_ROW = (
    '\n    <tr><th scope="row">{}{}{}</th>\n'
    "      <td>{}</td><td>{}</td><td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}</td></tr>\n  "
)


@register.simple_tag
def commission_rows(lines) -> SafeString:
    """A ``<tr>`` per commission line: what it was for (a refund, money taken back, an
    adjustment of an earlier month), when, the basis, the amount paid, the rate, the
    commission."""
    small = "<small>{}</small>"
    refund = format_html(" " + small, _("(refund)"))
    taken_back = format_html(
        " " + small, _("(taken back: the card's money was refunded, transferred or reversed)")
    )
    adjustment = format_html(" " + small, _("(adjustment of an earlier month)"))
    yuan = _("%(amount)s yuan")
    each = _("%(amount)s each")
    bases = {value: str(label) for value, label in Basis.choices}

    def money(value) -> str:
        text = format_yuan(value)
        return yuan % {"amount": text} if text else "—"

    def rate(rule) -> str:
        if rule is not None and rule.mode == "percent":
            return f"{conditional_escape(localize(rule.rate.normalize()))}%"
        # The template's words: the translation as it is, the amount escaped.
        amount = conditional_escape(money(rule.rate if rule else ""))
        return mark_safe(each % {"amount": amount})  # noqa: S308

    def cells(c):
        return (
            c.description,
            refund if c.refund_of_id else taken_back if c.amount < 0 else "",
            adjustment if c.adjustment else "",
            timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"),
            bases.get(c.basis, c.basis),
            money(c.base),
            rate(c.rule),
            money(c.amount),
        )

    return format_html_join("", _ROW, (cells(c) for c in lines))


_MONTH_ROW = (
    '\n    <tr><th scope="row"><a href="{}{}{}?month={}">{}</a></th>\n'
    "      <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n  "
)


@register.simple_tag(takes_context=True)
def month_rows(context, rows, month) -> SafeString:
    """A ``<tr>`` per practitioner of ``commissions.selectors.month_overview``: their name
    (linked to their month), requested, rotation, card sales, adjustments and the total. The
    markup is what ``month.html`` gave; the link reversed once a page."""
    store = context.get("current_store")
    head, tail = reverse("commissions:person", args=[0]).rsplit("0", 1)
    yuan = _("%(amount)s yuan")
    chosen = f"{month:%Y-%m}"

    def money(value) -> str:
        text = format_yuan(value)
        return yuan % {"amount": text} if text else "—"

    def cells(r):
        t = r.totals
        return (
            head,
            r.practitioner.pk,
            tail,
            chosen,
            person_name(r.practitioner, store),
            money(t.requested),
            money(t.rotation),
            money(t.card_sale),
            money(t.adjustments),
            money(t.total),
        )

    return format_html_join("", _MONTH_ROW, (cells(r) for r in rows))
