from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Category


def add_errors(form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` shown on the form: by field where it names one of the
    form's fields, else at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class CategoryForm(forms.ModelForm):
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("Two digits, 01–99. Leave empty for the next free number."),
    )

    class Meta:
        model = Category
        fields = ["number", "name", "description"]


class CategoryEditForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "description", "active"]


class CodeSearchForm(forms.Form):
    q = forms.CharField(label=_("Find by code"), max_length=40, strip=True)
