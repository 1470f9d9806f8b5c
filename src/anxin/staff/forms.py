from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.accounts.forms import AgreementForm, TrainingForm  # noqa: F401 - reused as they are
from anxin.accounts.models import TrainingRecord, User
from anxin.core.forms import Form, ModelForm, PersonNameField

from .models import SkillLevel, StaffMember
from .services import FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffForm(ModelForm):
    user = forms.ModelChoiceField(
        label=_("Account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "The person's own account, if they have one: agreements and trainings are kept on it."
        ),
    )

    class Meta:
        model = StaffMember
        fields = FIELDS
        field_classes = {"name": PersonNameField}
        widgets = {
            "birth_date": DATE,
            "hire_date": DATE,
            "left_on": DATE,
            "education": forms.Textarea(attrs={"rows": 3}),
            "work_history": forms.Textarea(attrs={"rows": 3}),
            "benefits": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, store, pay: bool = True, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        taken = StaffMember.objects.exclude(user__isnull=True)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        self.fields["user"].queryset = (
            User.objects.filter(role_assignments__store=store)
            .exclude(pk__in=taken.values("user_id"))
            .distinct()
            .order_by("username")
        )
        if self.instance.pk and self.instance.user_id:
            self.fields["user"].initial = self.instance.user_id
        if editing:
            for name in ("kind", "hire_date"):
                del self.fields[name]
        else:
            del self.fields["left_on"]
        if not pay:
            for name in StaffMember.PAY_FIELDS:
                del self.fields[name]


class SkillForm(Form):
    technique = forms.CharField(label=_("Technique"), max_length=60)
    body_areas = forms.CharField(label=_("Body areas"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=SkillLevel.choices)


class SkillProposeForm(SkillForm):
    reason = forms.CharField(
        label=_("How you learnt it"),
        max_length=300,
        help_text=_("A manager reads this before approving."),
    )


class TrainingProposeForm(Form):
    course = forms.CharField(label=_("Course"), max_length=100)
    date = forms.DateField(label=_("Date"), widget=DATE)
    result = forms.ChoiceField(label=_("Result"), choices=TrainingRecord.Result.choices)
    reason = forms.CharField(
        label=_("Note for the manager"),
        max_length=300,
        help_text=_("e.g. where the certificate is kept"),
    )
