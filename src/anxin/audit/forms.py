from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form
from anxin.core.widgets import Select

from .display import operation_action_choices, record_type_choices
from .models import AlertState, UseAction, UseOutcome


class _LogFilterForm(Form):
    user = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=60,
        help_text=_("Part of the name, or the account name."),
    )
    # A select of record types in words: nobody should have to know ``clients.client``. A
    # character field behind it, so a link with a type no longer offered still filters.
    record_type = forms.CharField(
        label=_("Record type"), required=False, max_length=100, widget=Select
    )
    record = forms.CharField(
        label=_("Record"), required=False, max_length=64, help_text=_("Its code or id.")
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].widget.choices = [("", _("any")), *record_type_choices()]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class UseLogFilterForm(_LogFilterForm):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("any")), *UseAction.choices],
        widget=Select,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("any")), *UseOutcome.choices],
        widget=Select,
    )


class OperationLogFilterForm(_LogFilterForm):
    action = forms.CharField(label=_("Action"), required=False, max_length=40, widget=Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].widget.choices = [
            ("", _("any")),
            *operation_action_choices(),
        ]


class AlertFilterForm(Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("open and acknowledged")),
            *AlertState.choices,
            ("all", _("all")),
        ],
    )

    def states(self) -> list[str]:
        chosen = self.cleaned_data.get("state") if self.is_valid() else ""
        if chosen == "all":
            return list(AlertState.values)
        return [chosen] if chosen else [AlertState.OPEN, AlertState.ACKNOWLEDGED]


class AlertHandleForm(Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you found and did. Needed to close the alert."),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.action == "close" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say how the alert was resolved before closing it."))
        return data
