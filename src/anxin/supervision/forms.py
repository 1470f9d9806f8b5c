from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import RoleAssignment, User
from anxin.accounts.names import person_name, staff_secrets
from anxin.accounts.permissions import RUN_AUDITS
from anxin.core.forms import Form
from anxin.performance.forms import MonthForm  # noqa: F401  (the same month picker)

from .checks import check_choices
from .kpis import KPIS
from .models import Comparison, SanctionKind, Severity


def _people(store, perm: str | None = None):
    """(id, name) of the store's active people (holding ``perm`` there, when given), by name:
    the people with their staff files, then their roles' permissions, in two queries."""
    users = (
        User.objects.filter(
            role_assignments__store=store, role_assignments__active=True, is_active=True
        )
        .select_related("staff_file")
        .defer(*staff_secrets("staff_file"))
        .distinct()
    )
    if perm is not None:
        holding = {
            user_id
            for user_id, permissions in RoleAssignment.objects.filter(
                store=store, active=True
            ).values_list("user_id", "role__permissions")
            if perm in (permissions or ())
        }
        users = [u for u in users if u.pk in holding]
    return sorted(((u.pk, person_name(u, store)) for u in users), key=lambda p: p[1])


class PersonChoiceField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)


class AuditPlanForm(Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    scope = forms.CharField(
        label=_("Scope"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the audit covers: departments, records, processes."),
    )  # fmt: skip
    period_start = forms.DateField(
        label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    auditor = PersonChoiceField(label=_("Auditor"))
    checks = forms.MultipleChoiceField(
        label=_("Checklist: checks the system runs over the logs"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auditor"].choices = _people(store, RUN_AUDITS)
        self.fields["checks"].choices = check_choices()

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class AddCheckForm(Form):
    check_key = forms.ChoiceField(label=_("Check"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["check_key"].choices = check_choices()


class FindingForm(Form):
    title = forms.CharField(label=_("Finding"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    item = forms.TypedChoiceField(label=_("Checklist item"), coerce=int, required=False)
    owner = PersonChoiceField(label=_("Rectification owner"))
    deadline = forms.DateField(
        label=_("Rectify by"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _people(plan.store)
        self.fields["item"].choices = [
            ("", _("none")),
            *((i.pk, i.label) for i in plan.items.all()),
        ]
        self.fields["item"].empty_value = None

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline is in the past."))
        return deadline


class RectifyForm(Form):
    rectification = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.CharField(
        label=_("Evidence"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the auditor can check it: a record's code, a document, a log entry."),
    )  # fmt: skip


class VerifyForm(Form):
    verification = forms.CharField(
        label=_("What you checked"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    accepted = forms.TypedChoiceField(
        label=_("Outcome"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Accepted")), ("no", _("Not accepted: back to the owner"))],
        widget=forms.RadioSelect,
    )


class CloseForm(Form):
    note = forms.CharField(
        label=_("Note on closing"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the rectification was not verified."),
    )  # fmt: skip


class CompleteForm(Form):
    conclusion = forms.CharField(
        label=_("Conclusion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class RuleForm(Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    # A character field, so a rule naming an unknown KPI reaches the service's clear message.
    kpi = forms.CharField(label=_("KPI"), max_length=40, widget=forms.Select)
    comparison = forms.ChoiceField(label=_("Condition"), choices=Comparison.choices)
    threshold = forms.CharField(label=_("Threshold"), max_length=14)
    kind = forms.ChoiceField(label=_("Reward or penalty"), choices=SanctionKind.choices)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=14)
    text = forms.CharField(
        label=_("Rule as written"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].widget.choices = [(k, label) for k, (label, _b) in KPIS.items()]


class AppealForm(Form):
    comment = forms.CharField(
        label=_("Why you appeal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideForm(Form):
    decision = forms.CharField(
        label=_("Decision on the appeal"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    uphold = forms.TypedChoiceField(
        label=_("Outcome"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Upheld")), ("no", _("Withdrawn"))],
        widget=forms.RadioSelect,
    )
