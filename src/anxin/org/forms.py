from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import ModelForm
from anxin.core.models import Category, CategoryKind

from .models import Post


class PostForm(ModelForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Category.objects.filter(kind=CategoryKind.DEPARTMENT, active=True),
    )

    class Meta:
        model = Post
        fields = ["department", "name", "duties", "headcount"]


class PostEditForm(ModelForm):
    class Meta:
        model = Post
        fields = ["name", "duties", "headcount"]
