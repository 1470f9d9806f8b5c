from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.catalogue.models import ServiceItem
from anxin.clients.models import Channel
from anxin.core.forms import Form, ModelForm
from anxin.core.widgets import Select

from .models import MAX_AMOUNT, CardKind, CardType


def amount_field(label, *, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        max_digits=10,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class CardTypeForm(ModelForm):
    bonus_text = forms.CharField(
        label=_("Top-up bonus rules"),
        required=False,
        max_length=400,
        help_text=_(
            "Stored-value cards: one rule per line, “pay bonus”, e.g. “1000 200” (pay 1000 yuan, "
            "get 1200)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = CardType
        fields = [
            "name",
            "kind",
            "price",
            "sessions",
            "items",
            "discount_percent",
            "valid_days",
            "refund_rule",
            "active",
        ]
        widgets = {"items": forms.CheckboxSelectMultiple, "kind": forms.RadioSelect}

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = ServiceItem.objects.filter(store=store).order_by("code")
        self.fields["kind"].choices = CardKind.choices
        if self.instance.pk and self.instance.bonus_rules:
            self.initial["bonus_text"] = "\n".join(
                f"{r['pay']} {r['bonus']}" for r in self.instance.bonus_rules
            )

    def clean_bonus_text(self):
        rules = []
        for n, line in enumerate(self.cleaned_data["bonus_text"].splitlines(), start=1):
            parts = line.replace("，", " ").replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(
                    _("Line %(n)s: write the amount paid and the bonus, e.g. “1000 200”."),
                    params={"n": n},
                )
            rules.append({"pay": parts[0], "bonus": parts[1]})
        return rules


def seller_field():
    """Who sold the card (售卡), for the seller's card-sale commission (POS-3)."""
    return forms.ModelChoiceField(
        label=_("Sold by"),
        queryset=None,
        required=False,
        empty_label=_("nobody in particular (no commission)"),
        help_text=_("The practitioner who sold the card earns the card-sale commission."),
        widget=Select,  # sixty practitioners: options written in Python (issue 11)
    )


def _sellers(store):
    from anxin.delivery.services import practitioners_of

    return practitioners_of(store).order_by("pk")


class IssueForm(Form):
    client_code = forms.CharField(
        label=_("Client code"), max_length=12, help_text=_("For example KH23050123.")
    )
    card_type = forms.ModelChoiceField(label=_("Card type"), queryset=CardType.objects.none())
    paid = amount_field(
        _("Amount paid (yuan)"),
        required=False,
        help_text=_("Stored-value cards: the first top-up; the bonus rule adds its bonus."),
    )
    seller = seller_field()

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card_type"].queryset = CardType.objects.filter(store=store, active=True)
        self.fields["seller"].queryset = _sellers(store)

    def clean(self):
        data = super().clean()
        kind = getattr(data.get("card_type"), "kind", None)
        if kind == CardKind.STORED_VALUE and not data.get("paid"):
            self.add_error("paid", _("Enter the amount the client pays for the card."))
        return data


class TopUpForm(Form):
    paid = amount_field(_("Amount paid (yuan)"))
    seller = seller_field()

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seller"].queryset = _sellers(store)


class TransferForm(Form):
    to_card = forms.CharField(
        label=_("Receiving card number"), max_length=20, help_text=_("For example HY00000012.")
    )
    amount = amount_field(_("Amount (yuan)"), required=False)
    sessions = forms.IntegerField(label=_("Sessions"), required=False, min_value=1, max_value=1000)
    from_consent = forms.BooleanField(
        label=_("The client giving the balance agrees to the transfer"), required=False
    )
    from_channel = forms.ChoiceField(
        label=_("How the giving client agreed"), choices=Channel.choices, initial=Channel.IN_STORE
    )
    to_consent = forms.BooleanField(
        label=_("The client receiving the balance agrees to the transfer"), required=False
    )
    to_channel = forms.ChoiceField(
        label=_("How the receiving client agreed"),
        choices=Channel.choices,
        initial=Channel.IN_STORE,
    )

    def clean(self):
        data = super().clean()
        if not data.get("from_consent"):
            self.add_error("from_consent", _("The giving client's consent is required."))
        if not data.get("to_consent"):
            self.add_error("to_consent", _("The receiving client's consent is required."))
        return data


class RefundForm(Form):
    amount = amount_field(
        _("Balance to refund (yuan)"),
        required=False,
        help_text=_("Stored-value cards; a session or term card refunds all that is left."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReverseForm(Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=200)


class LiabilityForm(Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
