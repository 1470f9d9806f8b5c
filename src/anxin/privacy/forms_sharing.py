"""Forms of the sharing, transfer and disclosure pages (PRV-3, PRV-4, PRV-5)."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Role, User
from anxin.accounts.names import PeopleChoices, person_name, store_people
from anxin.catalogue.models import Promotion
from anxin.clients.models import Consent
from anxin.core.forms import Form
from anxin.core.widgets import CheckboxSelectMultiple, Select

from .documents import ACCEPT
from .models import (
    AgreementKind,
    GrantDecision,
    GrantScope,
    LegalBasis,
    LegalDocumentType,
    TransferChannel,
)
from .services_transfers import FIELDS

CODES_SPLIT = re.compile(r"[\s,，、;；]+")
LOCAL_DATETIME = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_DATETIME)


def _document_widget():
    return forms.ClearableFileInput(attrs={"accept": ACCEPT})


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return person_name(obj, self.store)


class PersonField(forms.ModelChoiceField):
    """One of the store's people by name; the choices read as names alone (issue 11)."""

    widget = Select
    iterator = PeopleChoices

    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return person_name(obj, self.store)


class RoleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return str(obj.label)


def split_codes(text: str) -> list[str]:
    return [c.upper() for c in CODES_SPLIT.split(text or "") if c]


class GrantForm(Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    scope = forms.ChoiceField(
        label=_("Which clients"), choices=GrantScope.choices, widget=forms.RadioSelect
    )
    clients = forms.CharField(
        label=_("Client codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For named clients: their codes, e.g. KH26120001 KH26120002."),
    )
    promotion = forms.ModelChoiceField(
        label=_("Promotion"), queryset=Promotion.objects.none(), required=False
    )
    contact = forms.BooleanField(label=_("Also contact details (masked)"), required=False)
    health = forms.BooleanField(label=_("Also the health file"), required=False)
    spending = forms.BooleanField(label=_("Also spending"), required=False)
    starts_at = forms.DateTimeField(label=_("From"), widget=_datetime_widget())
    ends_at = forms.DateTimeField(label=_("Until"), widget=_datetime_widget())
    users = PeopleField(
        label=_("Granted to these people"), queryset=User.objects.none(), required=False
    )
    roles = RoleField(
        label=_("Or to everyone holding these roles"), queryset=Role.objects.none(), required=False
    )
    agreement = forms.FileField(
        label=_("Signed sharing agreement (PDF, JPEG or PNG)"),
        required=False,
        widget=_document_widget(),
    )
    agreement_location = forms.CharField(
        label=_("Or: where the paper agreement is archived"), max_length=100, required=False
    )

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["promotion"].queryset = Promotion.objects.filter(store=store)
        self.fields["users"].queryset = store_people(store)
        self.fields["users"].store = store
        self.fields["roles"].queryset = Role.objects.all()
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now)
            self.initial.setdefault("ends_at", now + timezone.timedelta(days=30))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "scope": data["scope"],
            "client_codes": split_codes(data["clients"]),
            "promotion": data["promotion"],
            "contact": data["contact"],
            "health": data["health"],
            "spending": data["spending"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "users": list(data["users"]),
            "roles": list(data["roles"]),
            "agreement_upload": data["agreement"] or None,
            "agreement_location": data["agreement_location"],
        }


class GrantReviewForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=GrantDecision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PartnerForm(Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)


class AgreementForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    valid_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("In force until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.FileField(
        label=_("Signed agreement (PDF, JPEG or PNG)"), required=False, widget=_document_widget()
    )
    location = forms.CharField(
        label=_("Or: where the paper agreement is archived"), max_length=100, required=False
    )


class TransferConsentForm(Form):
    client = forms.CharField(label=_("Client code"), max_length=20)
    action = forms.ChoiceField(
        label=_("Consent"), choices=Consent.Action.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Where the signed consent is archived"), max_length=200, required=False
    )


def field_choices():
    return [(k, label) for k, (label, _sensitive) in FIELDS.items()]


class TransferForm(Form):
    partner = forms.ChoiceField(label=_("Recipient"))
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    fields_sent = forms.MultipleChoiceField(
        label=_("Fields sent (only what the recipient needs)"),
        choices=field_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    clients = forms.CharField(
        label=_("Client codes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separate the codes with spaces or commas."),
    )
    channel = forms.ChoiceField(label=_("Handed over by"), choices=TransferChannel.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—")] + [(str(p.pk), p.name) for p in partners]


class DisclosureForm(Form):
    document_type = forms.ChoiceField(
        label=_("Legal document"), choices=LegalDocumentType.choices, widget=Select
    )
    document_number = forms.CharField(label=_("Document number"), max_length=80)
    issuing_body = forms.CharField(label=_("Issued by"), max_length=120)
    document = forms.FileField(
        label=_("Scan of the legal document (PDF, JPEG or PNG)"),
        required=False,
        widget=_document_widget(),
    )
    verified_by = PersonField(label=_("Verified by"), queryset=User.objects.none())
    verification = forms.CharField(label=_("How it was verified"), max_length=200)
    recipient = forms.CharField(label=_("Handed to (officer, unit)"), max_length=120)
    fields_sent = forms.MultipleChoiceField(
        label=_("Fields disclosed"), choices=field_choices, widget=CheckboxSelectMultiple
    )
    clients = forms.CharField(
        label=_("Client codes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separate the codes with spaces or commas."),
    )
    disclosed_at = forms.DateTimeField(label=_("Disclosed at"), widget=_datetime_widget())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verified_by"].queryset = store_people(store)
        self.fields["verified_by"].store = store
        if not self.is_bound:
            self.initial.setdefault(
                "disclosed_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class CorrectionForm(Form):
    note = forms.CharField(label=_("What the correction corrects"), max_length=200)
    clients = forms.CharField(
        label=_("Client codes (if the list was wrong)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
