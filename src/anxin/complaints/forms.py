import time

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.translation import gettext_lazy as _

from anxin.accounts.names import PeopleChoices, person_name, store_people
from anxin.core.forms import Form
from anxin.core.widgets import Select

from .models import (
    Channel,
    CompensationForm,
    ComplainantKind,
    ReportState,
    Severity,
    Subject,
)

TEXT_LIMIT = 4000
PUBLIC_LIMIT = 2000
User = get_user_model()


class PersonChoiceField(forms.ModelChoiceField):
    widget = Select
    iterator = PeopleChoices

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", _("— none —"))
        super().__init__(*args, queryset=User.objects.none(), **kwargs)
        self.store = None

    def label_from_instance(self, obj):
        return person_name(obj, self.store)


def _people(form, store, *names):
    for name in names:
        form.fields[name].queryset = store_people(store)
        form.fields[name].store = store


def _text(label, *, required=True, limit=TEXT_LIMIT, rows=4, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


def _date(label, *, required=False, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ComplaintForm(Form):
    """A complaint taken at the desk or by phone."""

    channel = forms.ChoiceField(
        label=_("Received"),
        choices=[
            (Channel.FRONT_DESK, Channel.FRONT_DESK.label),
            (Channel.PHONE, Channel.PHONE.label),
        ],
        widget=forms.RadioSelect,
    )
    complainant_kind = forms.ChoiceField(
        label=_("Who complains"), choices=ComplainantKind.choices, widget=forms.RadioSelect
    )
    client_code = forms.CharField(
        label=_("Client code"),
        required=False,
        max_length=12,
        help_text=_("When a client complains: their code, e.g. KH26120001."),
    )
    complainant_staff = PersonChoiceField(label=_("Staff member complaining"), required=False)
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=60)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=30)
    subject = forms.ChoiceField(label=_("About"), choices=Subject.choices, widget=forms.RadioSelect)
    practitioner = PersonChoiceField(label=_("Practitioner concerned"), required=False)
    appointment_code = forms.CharField(
        label=_("Appointment code"),
        required=False,
        max_length=20,
        help_text=_("The appointment the complaint is about, if any."),
    )
    description = _text(_("Description"))
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    owner = PersonChoiceField(label=_("Owner"), required=False)
    due_on = _date(_("Due on"))

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self, store, "complainant_staff", "practitioner", "owner")


class AdvanceForm(Form):
    note = _text(_("What was done"), rows=3)


class DismissForm(Form):
    note = _text(_("Why the draft is dismissed"), rows=2, limit=1000)


class AssignForm(Form):
    owner = PersonChoiceField(label=_("Owner"), required=False)
    due_on = _date(_("Due on"))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self, store, "owner")


class CompensationOfferForm(Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=10, decimal_places=2, min_value=0.01
    )
    form = forms.ChoiceField(label=_("Form"), choices=CompensationForm.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class LimitForm(Form):
    compensation_limit = forms.DecimalField(
        label=_("Compensation limit (yuan)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        help_text=_("Compensation above this amount needs a second person's approval."),
    )


class PeriodForm(Form):
    start = _date(_("From"), required=True)
    end = _date(_("To"), required=True)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data


# -- the public pages -------------------------------------------------------------------------

SIGNING_SALT = "anxin.complaints.public-form"


class PublicComplaintForm(Form):
    """No log-in, no CAPTCHA: a trap field people do not see, a minimum time between showing
    the form and sending it (signed, so it cannot be forged), length limits, and a rate limit
    per address (in the view)."""

    subject = forms.ChoiceField(
        label=_("What is it about?"), choices=Subject.choices, widget=forms.RadioSelect
    )
    description = _text(_("What happened"), limit=PUBLIC_LIMIT, rows=6)
    contact_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=60)
    contact_phone = forms.CharField(
        label=_("Your phone (optional)"),
        required=False,
        max_length=30,
        help_text=_("Only if you want us to call you back."),
    )
    # The trap: hidden from people (and from screen readers), filled in by robots.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this empty"))
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def stamp() -> str:
        """When the form was shown, signed."""
        return signing.Signer(salt=SIGNING_SALT).sign(str(int(time.time())))

    def elapsed(self) -> float | None:
        """Seconds since the form was shown; None if the stamp is missing or forged."""
        try:
            shown = int(
                signing.Signer(salt=SIGNING_SALT).unsign(self.cleaned_data.get("started") or "")
            )
        except (signing.BadSignature, ValueError):
            return None
        return time.time() - shown


class FollowForm(Form):
    reference = forms.CharField(label=_("Reference number"), max_length=16)
    secret = forms.CharField(
        label=_("Secret"), max_length=20, help_text=_("Given with the reference number.")
    )


class ReportForm(Form):
    description = _text(
        _("What happened"),
        help_text=_("What you saw, when and where. Do not copy client data into the report."),
    )
    reported_person = PersonChoiceField(label=_("Person concerned (optional)"), required=False)
    occurred_on = _date(_("When it happened (optional)"))
    named = forms.TypedChoiceField(
        label=_("Your name"),
        choices=[
            ("0", _("Report anonymously")),
            ("1", _("Give my name (kept sealed; only unsealed with a reason and approval)")),
        ],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, store, actor, **kwargs):
        super().__init__(*args, **kwargs)
        _people(self, store, "reported_person")
        self.fields["reported_person"].queryset = self.fields["reported_person"].queryset.exclude(
            pk=actor.pk
        )


class ReportNoteForm(Form):
    state = forms.ChoiceField(label=_("State after this step"), choices=ReportState.choices)
    note = _text(_("What was done"), rows=3)


class UnsealForm(Form):
    reason = _text(
        _("Why the identity must be unsealed"),
        limit=1000,
        rows=3,
        help_text=_("The reporter will see this reason. A second person must approve."),
    )
