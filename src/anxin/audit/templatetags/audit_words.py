"""Template filters that show logged data in words (see ``anxin.audit.display``)."""

from django import template

from anxin.audit import display

register = template.Library()


@register.filter
def record_words(entry):
    """``{{ entry|record_words }}``: 客户 KH26120001."""
    return display.record_label(entry)


@register.filter
def record_type_words(record_type):
    return display.record_type_label(record_type)


@register.filter
def purpose_words(purpose):
    return display.purpose_label(purpose)


@register.filter
def use_action_words(action):
    return display.use_action_label(action)


@register.filter
def operation_action_words(action):
    return display.operation_action_label(action)


@register.filter
def change_lines(entry):
    return display.change_lines(entry)


@register.filter
def grant_words(grant):
    return display.grant_label(grant)


@register.filter
def promotion_rules_words(rules):
    return display.promotion_rules_words(rules)


@register.filter
def local_time(value):
    return display.local_time(value)


@register.filter
def promotion_rule_lines(rules):
    return display.promotion_rule_lines(rules)
