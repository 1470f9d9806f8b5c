"""The Python-rendered select gives Django's markup, option for option (issue 11)."""

import pytest
from django import forms

from anxin.core.widgets import CheckboxSelectMultiple, Select


class _Both(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "— choose —"), ("1", "A & B"), ("2", '"quoted" <x>')],
        widget=forms.Select(attrs={"autofocus": True, "data-x": "y"}),
    )
    fast = forms.ChoiceField(
        choices=[("", "— choose —"), ("1", "A & B"), ("2", '"quoted" <x>')],
        widget=Select(attrs={"autofocus": True, "data-x": "y"}),
    )
    grouped_plain = forms.ChoiceField(
        choices=[("Group <1>", [("a", "Alpha")]), ("b", "Beta")], required=False
    )
    grouped_fast = forms.ChoiceField(
        choices=[("Group <1>", [("a", "Alpha")]), ("b", "Beta")], required=False, widget=Select
    )


@pytest.mark.req("UX-1")
@pytest.mark.parametrize("data", [None, {"plain": "2", "fast": "2", "grouped_plain": "a"}])
def test_same_markup_as_django(data):
    form = _Both(data and {**data, "grouped_fast": data["grouped_plain"]})
    if data:
        form.is_valid()

    def markup(name):
        return str(form[name]).replace(f'name="{name}"', 'name="x"').replace(f"id_{name}", "id_x")

    assert markup("fast") == markup("plain")
    assert markup("grouped_fast") == markup("grouped_plain")
    if data:
        assert 'value="2" selected' in markup("fast")


class _Boxes(forms.Form):
    plain = forms.MultipleChoiceField(
        choices=[("1", "A & B"), ("2", "<b>"), ("G", [("3", "Three")])],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "x"}),
    )
    fast = forms.MultipleChoiceField(
        choices=[("1", "A & B"), ("2", "<b>"), ("G", [("3", "Three")])],
        widget=CheckboxSelectMultiple(attrs={"class": "x"}),
    )


@pytest.mark.req("UX-1")
@pytest.mark.parametrize("data", [None, {"plain": ["2", "3"], "fast": ["2", "3"]}])
def test_same_checkboxes_as_django(data):
    from django.http import QueryDict

    bound = None
    if data:
        bound = QueryDict(mutable=True)
        for key, values in data.items():
            bound.setlist(key, values)
    form = _Boxes(bound)

    def markup(name):
        return str(form[name]).replace(f'name="{name}"', 'name="x"').replace(f"id_{name}", "id_x")

    assert markup("fast") == markup("plain")


class _Kept(forms.Form):
    plain = forms.ChoiceField(choices=[], required=False)
    fast = forms.ChoiceField(choices=[], required=False, widget=Select)
    plain_many = forms.MultipleChoiceField(choices=[], required=False)
    fast_many = forms.MultipleChoiceField(
        choices=[],
        required=False,
        widget=type("Many", (Select,), {"allow_multiple_selected": True}),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.choices = choices


def _markup(form, name):
    return str(form[name]).replace(f'name="{name}"', 'name="x"').replace(f"id_{name}", "id_x")


@pytest.mark.req("UX-1")
def test_kept_options_follow_the_selection_and_the_choices():
    """The options' markup is kept per process for the same choices; a second form with
    another selection, or with one label changed, still gives Django's markup."""
    from django.http import QueryDict

    choices = [("", "—"), ("1", "A & B"), ("2", "<x>"), ("2", "again"), (None, "none")]
    for data in ({}, {"plain": "2", "fast": "2"}, {"plain": "1", "fast": "1"}, {}):
        form = _Kept(data or None, choices=choices)
        form.is_valid()
        assert _markup(form, "fast") == _markup(form, "plain")
        # Only the first of two options with the same value is selected, as in Django.
        assert _markup(form, "fast").count(" selected") == 1
    bound = QueryDict(mutable=True)
    bound.setlist("plain_many", ["1", "2"])
    bound.setlist("fast_many", ["1", "2"])
    form = _Kept(bound, choices=choices)
    form.is_valid()
    assert _markup(form, "fast_many") == _markup(form, "plain_many")
    assert _markup(form, "fast_many").count(" selected") == 3
    renamed = _Kept(None, choices=[*choices[:1], ("1", "A & C"), *choices[2:]])
    assert "A &amp; C" in _markup(renamed, "fast")
    assert _markup(renamed, "fast") == _markup(renamed, "plain")


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_model_choice_reads_only_the_columns_its_options_show(manager, store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anxin.catalogue.models import ServiceItem
    from anxin.catalogue.testing import make_item
    from anxin.core.widgets import ModelChoiceField

    item = make_item(actor=manager, store=store, name="足疗 <60>", duration=60)

    class ItemForm(forms.Form):
        plain = forms.ModelChoiceField(queryset=ServiceItem.objects.all())
        fast = ModelChoiceField(queryset=ServiceItem.objects.all(), choice_columns=["name"])

    form = ItemForm({"plain": item.pk, "fast": item.pk})
    with CaptureQueriesContext(connection) as queries:
        fast = _markup(form, "fast")
    assert fast == _markup(form, "plain")
    options = [q["sql"] for q in queries.captured_queries if '"id" = ' not in q["sql"]]
    assert len(options) == 1 and '"price"' not in options[0] and '"name"' in options[0]
    assert form.is_valid()
    assert form.cleaned_data["fast"].price == item.price  # what it cleans to is read whole
