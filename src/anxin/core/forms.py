from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category


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
