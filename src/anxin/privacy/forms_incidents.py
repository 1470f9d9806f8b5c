"""Forms of the incident pages (PRV-7)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.accounts.names import person_name
from anxin.core.forms import Form

from .forms_sharing import LOCAL_DATETIME, store_people
from .models import ActionKind, IncidentState, NoticeChannel, Severity


def _dt():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_DATETIME)


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        super().__init__(*args, queryset=User.objects.none(), **kwargs)

    def label_from_instance(self, obj):
        return person_name(obj, self.store)


class _StorePeopleMixin:
    people_fields: tuple = ()

    def _people(self, store):
        for name in self.people_fields:
            self.fields[name].queryset = store_people(store)
            self.fields[name].store = store


class IncidentForm(_StorePeopleMixin, Form):
    people_fields = ("found_by",)
    title = forms.CharField(label=_("What happened (short)"), max_length=120)
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    found_at = forms.DateTimeField(label=_("Found at"), widget=_dt())
    found_by = PersonChoiceField(label=_("Found by"))
    scope = forms.CharField(
        label=_("Scope (systems, records, period)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(store)
        if not self.is_bound:
            self.initial.setdefault(
                "found_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class IncidentStateForm(Form):
    state = forms.ChoiceField(label=_("State"), choices=IncidentState.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


class RegulatorForm(Form):
    regulator_reported_at = forms.DateTimeField(
        label=_("Reported to the regulator at"), widget=_dt()
    )
    regulator_reference = forms.CharField(
        label=_("Regulator's reference"), max_length=80, required=False
    )


class ActionForm(_StorePeopleMixin, Form):
    people_fields = ("owner",)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    description = forms.CharField(label=_("Action"), max_length=300)
    owner = PersonChoiceField(label=_("Owner"))
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(store)


class ReadsForm(_StorePeopleMixin, Form):
    people_fields = ("account",)
    account = PersonChoiceField(label=_("Account"))
    start = forms.DateTimeField(label=_("From"), widget=_dt())
    end = forms.DateTimeField(label=_("Until"), widget=_dt())

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._people(store)


class RecordNumberForm(Form):
    number = forms.IntegerField(label=_("Number"), min_value=1)

    LABELS = {
        "transfer": _("Transfer number"),
        "disclosure": _("Disclosure number"),
        "export": _("Use log number of the export"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].label = self.LABELS.get(self.prefix, self.fields["number"].label)


class NoticeTextForm(Form):
    what_happened = forms.CharField(
        label=_("What happened, and why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    data_involved = forms.CharField(
        label=_("Which personal data is involved"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    measures = forms.CharField(
        label=_("What we have done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    client_steps = forms.CharField(
        label=_("What the person can do to reduce harm"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact = forms.CharField(label=_("Whom to contact"), max_length=200)


class NoticeRecordForm(Form):
    client = forms.CharField(label=_("Client code"), max_length=20)
    channel = forms.ChoiceField(label=_("Channel"), choices=NoticeChannel.choices)
    delivered = forms.BooleanField(label=_("Delivered (the person got it)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
