from django import template

register = template.Library()


@register.filter
def figure(figures, key):
    """A KPI value from a row's figures, "—" when there is none (e.g. no entries)."""
    value = (figures or {}).get(key)
    return "—" if value is None else value


@register.simple_tag
def staff_sanctions(member):
    from anxin.supervision.selectors import staff_file_sanctions

    return staff_file_sanctions(member=member)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, key)
