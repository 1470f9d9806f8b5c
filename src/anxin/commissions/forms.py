from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core import widgets
from anxin.core.forms import Form
from anxin.staff.models import PractitionerLevel

from .models import Basis, Mode

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RuleForm(Form):
    """A new rule or a new version of one: the service checks the rest (translated errors)."""

    basis = forms.ChoiceField(label=_("Paid on"), choices=Basis.choices)
    # The store's items written in Python from their code and name (issue 11: a store's 145
    # items through Django's option templates made the form grow with the store).
    item = widgets.ModelChoiceField(
        choice_columns=("code", "name"),
        label=_("Service item"),
        queryset=None,
        required=False,
        empty_label=_("every item"),
        help_text=_("A rule for one item comes before a rule for its category or every item."),
    )
    category = forms.ModelChoiceField(
        label=_("Item category"), queryset=None, required=False, empty_label=_("every category")
    )
    level = forms.ChoiceField(
        label=_("Practitioner level"),
        choices=[("", _("every level")), *PractitionerLevel.choices],
        required=False,
    )
    min_volume = forms.CharField(
        label=_("From monthly volume (yuan)"),
        max_length=14,
        required=False,
        initial="0",
        help_text=_(
            "A tier: the rule applies once the practitioner's services paid this month reach "
            "this amount. 0 for the base rate."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    mode = forms.ChoiceField(label=_("Kind of rate"), choices=Mode.choices)
    rate = forms.CharField(
        label=_("Rate"),
        max_length=12,
        help_text=_("Percent (for example 15) or yuan per service or card (for example 20)."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    effective_from = forms.DateField(
        label=_("In force from"),
        widget=DATE,
        help_text=_("Today or later: a rule never changes commissions already earned."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, store, **kwargs):
        from anxin.catalogue.models import ServiceItem
        from anxin.core.models import Category

        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("effective_from", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.filter(store=store, active=True)
        self.fields["category"].queryset = Category.objects.filter(kind="item", active=True)
