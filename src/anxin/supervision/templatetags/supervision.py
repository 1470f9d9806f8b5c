from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from anxin.accounts.names import person_name

register = template.Library()


@register.filter
def figure(figures, key):
    """A KPI value from a row's figures, "—" when there is none (e.g. no entries)."""
    value = (figures or {}).get(key)
    return "—" if value is None else value


_KPI_ROW = '\n    <tr><th scope="row">{}</th>{}</tr>\n  '


@register.simple_tag(takes_context=True)
def kpi_rows(context, rows, kpis) -> SafeString:
    """The month's rows per person, written in Python (issue 11: 70 people's nine figures took
    the template language 60–80 ms at a store's scale); the markup is what the loop in
    ``kpis.html`` gave: the person's name and each figure as the template shows it."""
    store = context.get("current_store")
    keys = [key for key, _label in kpis]
    shown: dict = {}

    def cell(value):
        # The template's own rendering of a value (localized, escaped), once per value.
        if (type(value), value) not in shown:
            shown[type(value), value] = conditional_escape(localize(value))
        return shown[type(value), value]

    def cells(row):
        values = (figure(row.figures, key) for key in keys)
        return mark_safe("".join(f"<td>{cell(v)}</td>" for v in values))  # noqa: S308

    return format_html_join("", _KPI_ROW, ((person_name(r.user, store), cells(r)) for r in rows))


@register.simple_tag
def staff_sanctions(member):
    from anxin.supervision.selectors import staff_file_sanctions

    return staff_file_sanctions(member=member)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, key)
