from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form
from anxin.core.validators import validate_date_bounds


class MonthForm(Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )

    def clean_month(self):
        import datetime as dt

        text = self.cleaned_data["month"].strip()
        try:
            year, month = (int(part) for part in text.split("-"))
            first = dt.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(
                _("Give a month as year and month, e.g. 2026-11.")
            ) from None
        validate_date_bounds(first)
        return first


class DisputeForm(Form):
    comment = forms.CharField(
        label=_("What is wrong with the figures"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(Form):
    resolution = forms.CharField(
        label=_("How the dispute was resolved"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
