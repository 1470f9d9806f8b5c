"""``{{ user|person }}``: a person's name (with the staff code where two share it)."""

from django import template

from anxin.accounts.names import person_name

register = template.Library()


@register.filter
def person(user, store=None):
    """``{{ a.practitioner|person }}`` or ``{{ a.practitioner|person:current_store }}``."""
    if user is None or user == "":
        return ""
    return person_name(user, store)
