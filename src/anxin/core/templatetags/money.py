"""``{% load money %}{{ amount|yuan }}``: money with two decimal places (see ``core.money``)."""

from django import template

from anxin.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    return format_yuan(value)
