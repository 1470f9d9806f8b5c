from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Role
from anxin.accounts.names import person_name, staff_secrets
from anxin.core.forms import Form

DECISIONS = ("approve", "reject", "withdraw")


class DecisionForm(Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked, or why. Required to reject a change."),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.action == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the change is rejected."))
        return data


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj.label)


class RoleGrantForm(Form):
    account = AccountChoiceField(label=_("Account"), queryset=None)
    role = RoleChoiceField(
        label=_("Role to grant"), queryset=Role.objects.all(), to_field_name="key"
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this person needs the role, e.g. the change of post it follows."),
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        # Each option names the person (their staff file's name): read with the accounts, not
        # one staff-file query per account, and without the files' encrypted fields (issue 11).
        self.fields["account"].queryset = accounts.select_related("staff_file").defer(
            *staff_secrets("staff_file")
        )
