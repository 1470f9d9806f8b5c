"""A card's ledger rows, built in Python (issue 11): each line went through the template
language with three translation blocks, two money filters, a date filter, a ``person`` filter
and a URL reversal (most of a card's page at a store's scale). Labels are translated, people
named and the reversal link reversed once a page. The markup is what ``detail.html`` gave."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.core.money import format_yuan

from .. import references
from ..models import CardKind, MovementKind

register = template.Library()

REVERSIBLE = (MovementKind.CONSUMPTION, MovementKind.TOP_UP, MovementKind.BONUS)


@register.simple_tag(takes_context=True)
def ledger_rows(context, card, ledger, reversed_ids, can_reverse) -> SafeString:
    """A ``<tr>`` per line of ``ledger``: line, time, movement (and the line it reverses),
    amount, sessions (session cards), balance after, reference and reason, who recorded it,
    and the reversal link or "reversed" (for those who may reverse)."""
    lines = list(ledger)
    if not lines:
        return format_html('<tr><td colspan="9">{}</td></tr>', _("No movements yet."))
    store = context.get("current_store")
    sessions = card.card_type.kind == CardKind.SESSIONS
    kinds = {value: str(label) for value, label in MovementKind.choices}
    yuan = _("%(amount)s yuan")
    of_line = _("of line %(seq)s")
    system = conditional_escape(_("the system"))
    reversed_word = conditional_escape(_("reversed"))
    reverse_line = _("Reverse line %(seq)s")
    head, tail = reverse("cards:reverse", args=[card.number, 0]).rsplit("0", 1)
    names: dict = {}
    described = references.describe_all(m.reference for m in lines)

    def money(value) -> str:
        return yuan % {"amount": format_yuan(value)}

    def row(m) -> SafeString:
        movement = conditional_escape(kinds.get(m.kind, m.kind))
        if m.reverses_id:
            movement = format_html("{} ({})", movement, of_line % {"seq": m.reverses.seq})
        if m.reference in described:
            words, url = described[m.reference]
            reference = format_html('<a href="{}">{}</a>', url, words)
        else:
            reference = conditional_escape(m.reference or "—")
        if m.reason:
            reference = format_html("{} · {}", reference, m.reason)
        if m.created_by_id:
            if m.created_by_id not in names:
                names[m.created_by_id] = conditional_escape(person_name(m.created_by, store))
            who = names[m.created_by_id]
        else:
            who = system
        cells = [
            format_html(
                '<tr><td>{}</td><td>{}</td><th scope="row">{}</th><td>{}</td>',
                m.seq,
                timezone.localtime(m.at).strftime("%Y-%m-%d %H:%M"),
                movement,
                money(m.amount),
            )
        ]
        if sessions:
            cells.append(format_html("<td>{}</td>", m.sessions))
        cells.append(
            format_html("<td>{}</td><td>{}</td><td>{}</td>", money(m.balance_after), reference, who)
        )
        if can_reverse:
            action = ""
            if m.kind in REVERSIBLE:
                if m.pk in reversed_ids:
                    action = reversed_word
                else:
                    action = format_html(
                        '<a href="{}{}{}">{}</a>',
                        head,
                        m.seq,
                        tail,
                        reverse_line % {"seq": m.seq},
                    )
            cells.append(format_html("<td>{}</td>", action))
        cells.append("</tr>")
        return SafeString("".join(cells))

    return SafeString("".join(row(m) for m in lines))
