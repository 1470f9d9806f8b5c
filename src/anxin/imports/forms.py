from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form


class UploadForm(Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Fill in the template; the first row holds the column headings."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
