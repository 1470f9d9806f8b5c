from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form


class RestoreForm(Form):
    confirm = forms.CharField(
        label=_("Type the backup's name to confirm"),
        max_length=80,
        help_text=_(
            "All current data is replaced by the data of this backup. The current database is "
            "kept aside."
        ),
    )

    def __init__(self, *args, backup_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.backup_name = backup_name

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value != self.backup_name:
            raise forms.ValidationError(_("This is not the backup's name."))
        return value
