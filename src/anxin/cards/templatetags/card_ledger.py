"""A card's ledger rows, built in Python (issue 11): the busiest card's hundred lines went
through the template with two or three translation blocks, a date filter, a name filter and a
URL each. The markup is what ``cards/detail.html`` gave."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.cards.models import CardMovement
from anxin.core.money import format_yuan

register = template.Library()

_REVERSIBLE = ("consumption", "top_up", "bonus")


@register.simple_tag(takes_context=True)
def ledger_rows(context, card, ledger, reversed_ids, can_reverse) -> SafeString:
    """A ``<tr>`` per movement: line, time, movement (and the line it reverses), amount,
    sessions (a sessions card), balance after, reference and reason, who recorded it, and the
    reversal link or mark for whoever may reverse."""
    store = context.get("current_store")
    sessions = card.card_type.kind == "sessions"
    kinds = {value: str(label) for value, label in CardMovement._meta.get_field("kind").flatchoices}
    head, tail = reverse("cards:reverse", args=[card.number, 0]).rsplit("0", 1)
    system, done = _("the system"), _("reversed")
    names: dict = {}

    def money(value):
        return _("%(amount)s yuan") % {"amount": format_yuan(value)}

    def by(m):
        if not m.created_by_id:
            return system
        if m.created_by_id not in names:
            names[m.created_by_id] = person_name(m.created_by, store)
        return names[m.created_by_id]

    def action(m):
        if m.kind not in _REVERSIBLE:
            return format_html("<td></td>")
        if m.pk in reversed_ids:
            return format_html("<td>{}</td>", done)
        return format_html(
            '<td><a href="{}{}{}">{}</a></td>',
            head,
            m.seq,
            tail,
            _("Reverse line %(seq)s") % {"seq": m.seq},
        )

    def row(m):
        of = (
            format_html(" ({})", _("of line %(seq)s") % {"seq": m.reverses.seq})
            if m.reverses_id
            else ""
        )
        return format_html(
            '<tr><td>{}</td><td>{}</td><th scope="row">{}{}</th><td>{}</td>{}<td>{}</td>'
            "<td>{}{}</td><td>{}</td>{}</tr>",
            m.seq,
            timezone.localtime(m.at).strftime("%Y-%m-%d %H:%M"),
            kinds.get(m.kind, m.kind),
            of,
            money(m.amount),
            format_html("<td>{}</td>", m.sessions) if sessions else "",
            money(m.balance_after),
            m.reference or "—",
            format_html(" · {}", m.reason) if m.reason else "",
            by(m),
            action(m) if can_reverse else "",
        )

    return format_html_join("", "{}", ((row(m),) for m in ledger))
