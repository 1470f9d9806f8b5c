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
