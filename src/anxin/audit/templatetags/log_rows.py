"""The use log's and the operation log's rows, built in Python (issue 11): fifty entries a page
went through the template language with a ``person`` filter, a date filter and three or four
word filters per row. The markup is what ``use_list.html`` and ``operation_list.html`` gave."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.audit import display

register = template.Library()

_USE_ROW = (
    '\n    <tr><th scope="row">{}</th><td><time datetime="{}">{}</time></td><td>{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
)
_OPERATION_ROW = (
    '\n    <tr><th scope="row">{}</th><td><time datetime="{}">{}</time></td><td>{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
)


class _Words:
    """Names and labels worked out once per page: a page holds few people and kinds."""

    def __init__(self, context):
        self.store = context.get("current_store")
        self.store_name = str(self.store) if self.store is not None else ""
        self.system = _("the system")
        self.memo: dict = {}

    def once(self, kind, key, make):
        if (kind, key) not in self.memo:
            self.memo[kind, key] = make()
        return self.memo[kind, key]

    def person(self, user_id, user):
        if not user_id:
            return self.system
        return self.once("person", user_id, lambda: person_name(user, self.store))

    def time(self, at):
        local = timezone.localtime(at)
        return local.isoformat(), local.strftime("%Y-%m-%d %H:%M:%S")

    def store_of(self, entry):
        return self.store_name if entry.store_id else "—"


@register.simple_tag(takes_context=True)
def use_log_rows(context, entries) -> SafeString:
    """A ``<tr>`` per use-log entry: number, time, person, store, action, record, purpose,
    outcome, rows, IP address."""
    words = _Words(context)

    def cells(e):
        iso, shown = words.time(e.at)
        return (
            e.seq,
            iso,
            shown,
            words.person(e.user_id, e.user if e.user_id else None),
            words.store_of(e),
            words.once("action", e.action, lambda: display.use_action_label(e.action)),
            display.record_label(e),
            words.once("purpose", e.purpose, lambda: display.purpose_label(e.purpose)),
            words.once("outcome", e.outcome, e.get_outcome_display),
            e.count,
            e.ip or "",
        )

    return format_html_join("", _USE_ROW, (cells(e) for e in entries))


@register.simple_tag(takes_context=True)
def operation_log_rows(context, entries) -> SafeString:
    """A ``<tr>`` per operation-log entry: number, time, operator, store, action, record, the
    changes (one line per field), reason, IP address."""
    words = _Words(context)

    def changes(e):
        if not e.changes:
            return ""
        lines = format_html_join("", "<li>{}</li>", ((line,) for line in display.change_lines(e)))
        return format_html("<ul>{}</ul>", lines)

    def cells(e):
        iso, shown = words.time(e.at)
        return (
            e.seq,
            iso,
            shown,
            words.person(e.operator_id, e.operator if e.operator_id else None),
            words.store_of(e),
            words.once("action", e.action, lambda: display.operation_action_label(e.action)),
            display.record_label(e),
            changes(e),
            e.reason,
            e.ip or "",
        )

    entries = list(entries)
    with display.people_named(entries):  # the people the changes name: one query a page
        return format_html_join("", _OPERATION_ROW, (cells(e) for e in entries))


_ALERT_ROW = (
    '\n    <tr>\n      <td><time datetime="{}">{}</time></td>\n      <th scope="row">{}</th>'
    "\n      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>"
    '\n      <td><a href="{}">{}</a></td>\n    </tr>\n  '
)


@register.simple_tag(takes_context=True)
def alert_rows(context, alerts) -> SafeString:
    """A ``<tr>`` per alert: when, rule, person, what happened, how many entries it cites,
    state, the link to review it. Labels and names once a page, the link reversed once."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from anxin.audit.models import Alert

    words = _Words(context)
    head, tail = reverse("audit:alert_detail", args=[0]).rsplit("0", 1)
    rules = {value: str(label) for value, label in Alert._meta.get_field("rule").flatchoices}
    states = {value: str(label) for value, label in Alert._meta.get_field("state").flatchoices}
    review = _("Review alert %(n)s")

    def cells(a):
        local = timezone.localtime(a.occurred_at)
        n = len(a.evidence)
        return (
            local.isoformat(),
            local.strftime("%Y-%m-%d %H:%M"),
            rules.get(a.rule, a.rule),
            words.person(a.user_id, a.user if a.user_id else None),
            a.summary,
            ngettext("%(n)s use log entry", "%(n)s use log entries", n) % {"n": n},
            states.get(a.state, a.state),
            f"{head}{a.pk}{tail}",
            review % {"n": a.pk},
        )

    return format_html_join("", _ALERT_ROW, (cells(a) for a in alerts))
