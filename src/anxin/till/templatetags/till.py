"""``{{ amount|amount }}``: money as people read and hear it, "128.00 元" (not a digit string)."""

from django import template
from django.utils.translation import gettext as _

from anxin.core.money import format_yuan

register = template.Library()


@register.filter
def amount(value) -> str:
    text = format_yuan(value)
    if not text:
        return "—"
    return _("%(amount)s yuan") % {"amount": text}
