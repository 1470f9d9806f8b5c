"""Dates and times inside inputs are ISO 8601 in every language (browsers reject anything else in
``<input type="date">``); dates shown as text follow the language (UX-2)."""

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.utils import translation

import anxin

LANGUAGES = ["zh-hans", "zh-hant", "en"]
DAY = dt.date(2026, 12, 2)
MOMENT = dt.datetime(2026, 12, 2, 9, 5)  # a naive value, as a form holds it


def every_form_class():
    for module_info in pkgutil.walk_packages(anxin.__path__, "anxin."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def date_widgets():
    found = []
    for cls in every_form_class():
        for name, field in getattr(cls, "base_fields", {}).items():
            widget = field.widget
            if isinstance(widget, forms.DateTimeInput):
                found.append((f"{cls.__name__}.{name}", widget, MOMENT, r"2026-12-02T09:05(:00)?"))
            elif isinstance(widget, forms.DateInput):
                found.append((f"{cls.__name__}.{name}", widget, DAY, r"2026-12-02"))
    return found


@pytest.mark.req("UX-2")
def test_the_search_finds_the_date_fields_of_the_forms():
    names = {name for name, *_ in date_widgets()}
    # The fields of the defect report: promotion dates, follow-up due date, the day views.
    assert {"PromotionForm.starts_on", "FollowUpForm.due_on"} <= names
    assert any(name.endswith(".day") for name in names)


@pytest.mark.req("UX-2")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_input_holds_an_iso_value_in_every_language(language):
    wrong = []
    with translation.override(language):
        for name, widget, value, pattern in date_widgets():
            shown = widget.format_value(value)
            if not re.fullmatch(pattern, str(shown)):
                wrong.append((name, shown))
    assert wrong == []


@pytest.mark.req("UX-2")
@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_a_promotion_saved_unchanged_in_chinese_keeps_its_dates(client, login, store, language):
    from anxin.catalogue.models import Promotion
    from anxin.catalogue.services import promotion_create

    marketing = _marketing(store)
    promotion = promotion_create(
        actor=marketing,
        store=store,
        name="国庆",
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 10, 7),
        discount_kind="percent",
        discount_value="10",
    )
    login(client, marketing)
    client.cookies["django_language"] = language
    page = client.get(f"/catalogue/promotions/{promotion.code}/edit/").content.decode()
    assert 'value="2026-10-01"' in page and 'value="2026-10-07"' in page
    shown = dict(re.findall(r'name="(starts_on|ends_on)"[^>]*value="([^"]*)"', page))
    values = {"name": "国庆", "discount_kind": "percent", "discount_value": "10", **shown}
    response = client.post(f"/catalogue/promotions/{promotion.code}/edit/", values)
    assert response.status_code == 302
    promotion = Promotion.objects.get(pk=promotion.pk)
    assert (promotion.starts_on, promotion.ends_on) == (dt.date(2026, 10, 1), dt.date(2026, 10, 7))


@pytest.mark.req("UX-2")
def test_shown_dates_still_follow_the_language():
    from django.utils.formats import date_format

    with translation.override("zh-hans"):
        assert date_format(DAY) == "2026年12月2日"
    with translation.override("en"):
        assert date_format(DAY) == "Dec. 2, 2026"


def _marketing(store):
    from anxin.accounts.services import role_assign, roles_ensure_defaults, user_create

    roles_ensure_defaults()
    user = user_create(
        username="marketing", password="correct horse battery staple", full_name="市场"
    )
    role_assign(user=user, store=store, role_key="marketing")
    return user
