from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form

from .services import MAX_DAYS


class TokenForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_("What will use it, e.g. “booking kiosk”."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS, initial=90
    )
