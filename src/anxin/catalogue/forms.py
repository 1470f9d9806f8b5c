from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form, ModelForm
from anxin.core.models import Category, CategoryKind
from anxin.core.widgets import CheckboxSelectMultiple

from .models import MAX_PRICE, Promotion, ServiceItem
from .rules import MEMBER_LEVELS, validate_rules

MEMBER_LEVEL_LABELS = {
    "regular": _("regular"),
    "silver": _("silver"),
    "gold": _("gold"),
    "platinum": _("platinum"),
}


class ItemForm(ModelForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(kind=CategoryKind.ITEM, active=True),
    )

    class Meta:
        model = ServiceItem
        fields = [
            "category",
            "name",
            "description",
            "price",
            "duration",
            "active",
            "allows_parallel_bookings",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ItemEditForm(ModelForm):
    """Everything but the category (part of the code) and the price (a proposal)."""

    class Meta:
        model = ServiceItem
        fields = ["name", "description", "duration", "active", "allows_parallel_bookings"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PriceProposalForm(Form):
    price = forms.DecimalField(
        label=_("New price (yuan)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_PRICE,
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)


class PromotionForm(ModelForm):
    new_clients_only = forms.BooleanField(label=_("New clients only"), required=False)
    min_spend = forms.DecimalField(
        label=_("Minimum spend (yuan)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_PRICE,
    )
    items = forms.MultipleChoiceField(
        label=_("Only these items"),
        required=False,
        widget=CheckboxSelectMultiple,  # a store's 150 items: rendered in Python (issue 11)
        help_text=_("Leave all unticked for every item."),
    )
    member_levels = forms.MultipleChoiceField(
        label=_("Only these member levels"),
        required=False,
        choices=[(k, MEMBER_LEVEL_LABELS[k]) for k in MEMBER_LEVELS],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Promotion
        fields = [
            "name",
            "content",
            "starts_on",
            "ends_on",
            "discount_kind",
            "discount_value",
        ]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = ServiceItem.objects.filter(store=store).order_by("code") if store else []
        self.fields["items"].choices = [(i.code, str(i)) for i in items]
        if self.instance and self.instance.pk and not self.is_bound:
            rules = self.instance.rules or {}
            self.initial.update(
                {
                    "new_clients_only": rules.get("new_clients_only", False),
                    "min_spend": rules.get("min_spend"),
                    "items": rules.get("items", []),
                    "member_levels": rules.get("member_levels", []),
                }
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The promotion cannot end before it starts."))
        if (
            data.get("discount_kind") == "percent"
            and data.get("discount_value") is not None
            and data["discount_value"] > 100
        ):
            self.add_error("discount_value", _("A percentage cannot be more than 100."))
        try:
            data["rules"] = validate_rules(
                {
                    "new_clients_only": bool(data.get("new_clients_only")),
                    "min_spend": "" if data.get("min_spend") is None else str(data["min_spend"]),
                    "items": list(data.get("items") or []),
                    "member_levels": list(data.get("member_levels") or []),
                }
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    def service_data(self) -> dict:
        keys = [*self.Meta.fields, "rules"]
        return {k: self.cleaned_data[k] for k in keys}
