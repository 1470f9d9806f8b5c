from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Client, HealthFile
from .services import EXPORTABLE


class ClientForm(forms.ModelForm):
    medical_history = forms.CharField(
        label=_("Medical history"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allergies = forms.CharField(
        label=_("Allergies"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    conditions = forms.CharField(
        label=_("Special conditions"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Client
        fields = ["name", "gender", "birth_date", "occupation", "phone", "id_number", "address"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}


class RevealForm(forms.Form):
    PURPOSES = [
        ("booking", _("Confirm or change a booking")),
        ("service", _("Provide the service")),
        ("invoice", _("Issue an invoice or receipt")),
        ("client_request", _("The client asked for it")),
        ("other", _("Other (write it below)")),
    ]
    field = forms.ChoiceField(
        choices=[("phone", _("phone")), ("id_number", _("ID number")), ("address", _("address"))],
        widget=forms.HiddenInput,
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=PURPOSES)
    detail = forms.CharField(label=_("Purpose, in your words"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "other" and not data.get("detail", "").strip():
            raise forms.ValidationError(_("Say why you need to see it."))
        return data

    def purpose_text(self) -> str:
        data = self.cleaned_data
        label = dict(self.PURPOSES)[data["purpose"]]
        return f"{label}: {data['detail'].strip()}" if data.get("detail") else str(label)


class ExportForm(forms.Form):
    fields = forms.MultipleChoiceField(
        label=_("Fields to export (only what the purpose needs)"),
        choices=[(k, v[0]) for k, v in EXPORTABLE.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)


__all__ = ["ClientForm", "ExportForm", "HealthFile", "RevealForm"]
