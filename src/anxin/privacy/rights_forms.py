from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form

from .models import IdentityCheck, RequestKind, RuleKind
from .rights_services import CORRECTABLE


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RequestForm(Form):
    client_code = forms.CharField(
        label=_("Client's code"), max_length=20, help_text=_("For example KH26120001.")
    )
    kind = forms.ChoiceField(label=_("The client asks for"), choices=RequestKind.choices)
    identity = forms.ChoiceField(label=_("Identity verified by"), choices=IdentityCheck.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    details = forms.CharField(
        label=_("What the client asks (in their words)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class AnswerForm(Form):
    answer = forms.CharField(
        label=_("Answer given to the client"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    refused = forms.BooleanField(
        label=_("The request is refused (say why in the answer)"), required=False
    )


class NoteForm(Form):
    answer = forms.CharField(
        label=_("Answer given to the client (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _field_choices():
    from anxin.clients.models import Client

    return [(n, Client._meta.get_field(n).verbose_name) for n in CORRECTABLE]


class CorrectionForm(Form):
    field = forms.ChoiceField(label=_("What to correct"), choices=())
    value = forms.CharField(label=_("Correct value"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = _field_choices()


class RuleForm(Form):
    kind = forms.ChoiceField(label=_("Which records"), choices=RuleKind.choices)
    months = forms.IntegerField(label=_("Period (months)"), min_value=1, max_value=600)


class RunNoteForm(Form):
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
