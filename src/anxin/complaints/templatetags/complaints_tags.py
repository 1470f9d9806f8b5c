from django import template

from anxin.complaints.selectors import complaints_about

register = template.Library()


@register.simple_tag
def complaint_count(user, store):
    """How many complaints name this person as the practitioner concerned (count only)."""
    if user is None:
        return 0
    return complaints_about(user, store=store)
