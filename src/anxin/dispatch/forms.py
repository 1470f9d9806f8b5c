from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.accounts.names import person_name
from anxin.core.forms import Form
from anxin.scheduling.forms import DateTimeInput


class JobForm(Form):
    client_code = forms.CharField(label=_("Client code"), max_length=20)
    workers = forms.MultipleChoiceField(label=_("Workers"), widget=forms.CheckboxSelectMultiple)
    item_name = forms.CharField(label=_("Service"), max_length=60)
    start = forms.DateTimeField(label=_("Start"), widget=DateTimeInput)
    minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=720)
    travel_minutes = forms.IntegerField(
        label=_("Travel time (minutes)"), min_value=0, max_value=600, initial=30
    )

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].choices = [(str(p.pk), person_name(p)) for p in practitioners]


class NotesForm(Form):
    notes = forms.CharField(
        label=_("Notes (required when closing the job)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedbackForm(Form):
    score = forms.TypedChoiceField(
        label=_("Client's satisfaction"),
        coerce=int,
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Client's comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
