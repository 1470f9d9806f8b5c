"""The till's forms: checkout, refund request, daily close, products, receipts, stocktaking."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.clients.forms import ClientField
from anxin.clients.models import ClockType
from anxin.core.forms import Form, ModelForm
from anxin.core.widgets import Select

from .models import E_PAYMENT, MAX_MONEY, MAX_QUANTITY, Method, Product
from .services import REFUND_METHODS
from .templatetags.till import amount as amount_text

SERVICE_ROWS = 2
PRODUCT_ROWS = 3


def _money_field(label, **kw):
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_MONEY,
        decimal_places=2,
        max_digits=12,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kw,
    )


class CheckoutForm(Form):
    client = ClientField(required=False, help_text=_("Leave empty for a walk-in client."))
    records = forms.MultipleChoiceField(
        label=_("Services given"), required=False, widget=forms.CheckboxSelectMultiple
    )
    cash = _money_field(_("Cash (yuan)"))
    epay_method = forms.ChoiceField(
        label=_("E-payment"),
        required=False,
        choices=[("", "—"), *[(m.value, m.label) for m in E_PAYMENT]],
        widget=Select,
    )
    epay_reference = forms.CharField(
        label=_("E-payment transaction number"), required=False, max_length=64
    )
    epay_amount = _money_field(_("E-payment amount (yuan)"))
    voucher_code = forms.CharField(
        label=_("Voucher code (Meituan / Dianping)"), required=False, max_length=40
    )
    voucher_amount = _money_field(_("Voucher amount (yuan)"))
    # A card not listed (another client's, an expired one) is looked up and refused by the
    # cards app with its reason, rather than as "not one of the choices".
    card = forms.CharField(label=_("Membership card"), required=False, widget=Select)
    card_amount = _money_field(_("Card amount (yuan)"))
    override_stock = forms.BooleanField(
        label=_("Allow selling beyond the stock (manager)"), required=False
    )

    def __init__(
        self,
        *args,
        records=(),
        items=(),
        practitioners=(),
        products=(),
        cards=(),
        may_override=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.record_objects = {str(r.pk): r for r in records}
        self.fields["records"].choices = [(str(r.pk), r.pk) for r in records]
        self.item_objects = {str(i.pk): i for i in items}
        self.practitioner_objects = {str(p.pk): p for p in practitioners}
        self.product_objects = {str(p.pk): p for p in products}
        self.card_objects = {str(getattr(c, "pk", i)): c for i, (c, _d, _s) in enumerate(cards)}
        item_choices = [
            ("", "—"),
            *[(str(i.pk), f"{i.name} ({amount_text(i.price)})") for i in items],
        ]
        people = [
            ("", "—"),
            *[(str(p.pk), label) for p, label in practitioners_labels(practitioners)],
        ]
        for n in range(1, SERVICE_ROWS + 1):
            # The options are written in Python (core.widgets.Select): at store scale Django's
            # option-by-option templates were most of the page's time.
            self.fields[f"item_{n}"] = forms.ChoiceField(
                label=_("Service item"), required=False, choices=item_choices, widget=Select
            )
            self.fields[f"practitioner_{n}"] = forms.ChoiceField(
                label=_("Given by"), required=False, choices=people, widget=Select
            )
            self.fields[f"clock_{n}"] = forms.ChoiceField(
                label=_("Requested or by rotation"),
                required=False,
                choices=[
                    (ClockType.ROTATION, ClockType.ROTATION.label),
                    (ClockType.NAMED, ClockType.NAMED.label),
                ],
                widget=Select,
            )
        product_choices = [("", "—"), *[(str(p.pk), _product_label(p)) for p in products]]
        for n in range(1, PRODUCT_ROWS + 1):
            self.fields[f"product_{n}"] = forms.ChoiceField(
                label=_("Product"), required=False, choices=product_choices, widget=Select
            )
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                label=_("Quantity"),
                required=False,
                min_value=1,
                max_value=MAX_QUANTITY,
                initial=1,
            )
        self.fields["card"].widget.choices = [
            ("", "—"),
            *[
                (key, _("%(card)s (suggested)") % {"card": desc} if suggested else desc)
                for key, (_c, desc, suggested) in zip(self.card_objects, cards, strict=False)
            ],
        ]
        suggested = [key for key, (_c, _d, s) in zip(self.card_objects, cards, strict=False) if s]
        if suggested:  # the best card is chosen; the cashier confirms it by its amount
            self.fields["card"].initial = suggested[0]
        if not cards:
            del self.fields["card"], self.fields["card_amount"]
        if not may_override:
            del self.fields["override_stock"]

    def service_rows(self):
        return [
            (self[f"item_{n}"], self[f"practitioner_{n}"], self[f"clock_{n}"])
            for n in range(1, SERVICE_ROWS + 1)
        ]

    def product_rows(self):
        return [(self[f"product_{n}"], self[f"quantity_{n}"]) for n in range(1, PRODUCT_ROWS + 1)]

    def payment_fields(self):
        names = [
            "card",
            "card_amount",
            "cash",
            "epay_method",
            "epay_reference",
            "epay_amount",
            "voucher_code",
            "voucher_amount",
        ]
        return [self[n] for n in names if n in self.fields]

    def clean(self):
        data = super().clean()
        for n in range(1, SERVICE_ROWS + 1):
            if bool(data.get(f"item_{n}")) != bool(data.get(f"practitioner_{n}")):
                self.add_error(
                    f"item_{n}" if not data.get(f"item_{n}") else f"practitioner_{n}",
                    _("Give both the item and who gave it, or neither."),
                )
        if data.get("epay_amount") and not data.get("epay_method"):
            self.add_error("epay_method", _("Choose WeChat Pay, Alipay or bank card."))
        if data.get("voucher_amount") and not (data.get("voucher_code") or "").strip():
            self.add_error("voucher_code", _("Enter the voucher code."))
        if data.get("card_amount") and not data.get("card"):
            self.add_error("card", _("Choose the client's card."))
        return data


def _product_label(product) -> str:
    """A product as the cashier chooses it: with its stock when it was counted (the page; a
    POST is checked against products read without their stock)."""
    if not hasattr(product, "stock"):
        return f"{product.name} ({amount_text(product.price)})"
    return _("%(name)s (%(price)s, %(stock)s in stock)") % {
        "name": product.name,
        "price": amount_text(product.price),
        "stock": product.stock,
    }


def practitioners_labels(practitioners):
    from anxin.accounts.names import person_name

    return [(p, person_name(p)) for p in practitioners]


class RefundForm(Form):
    lines = forms.MultipleChoiceField(
        label=_("Lines to refund"), widget=forms.CheckboxSelectMultiple
    )
    amount = forms.DecimalField(
        label=_("Amount to pay back (yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_MONEY,
        decimal_places=2,
        help_text=_("Leave empty to pay back what was paid for the lines."),
    )
    method = forms.ChoiceField(label=_("Paid back by"))
    reference = forms.CharField(
        label=_("Refund transaction number (e-payment)"), required=False, max_length=64
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (str(line.pk), f"{line.description} × {line.quantity}: {amount_text(line.amount)}")
            for line in lines
        ]
        labels = {"original": _("the bill's own payment methods (whole bill)")}
        self.fields["method"].choices = [
            (m, labels.get(m) or Method(m).label) for m in REFUND_METHODS
        ]


class CloseForm(Form):
    counted_cash = forms.DecimalField(
        label=_("Cash counted in the drawer (yuan)"),
        min_value=Decimal("0"),
        max_value=MAX_MONEY,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Reason for a difference"),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProductForm(ModelForm):
    class Meta:
        model = Product
        fields = ["code", "name", "unit", "price", "cost", "supplier", "low_stock", "active"]


class ReceiveForm(Form):
    quantity = forms.IntegerField(label=_("Quantity received"), min_value=1, max_value=MAX_QUANTITY)
    unit_cost = forms.DecimalField(
        label=_("Unit cost (yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
        help_text=_("Leave empty for the product's usual cost."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class StocktakeForm(Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for p in self.products:
            self.fields[f"count_{p.pk}"] = forms.IntegerField(
                label=f"{p.code} {p.name} ({p.unit})",
                required=False,
                min_value=0,
                max_value=MAX_QUANTITY,
                help_text=_("Expected: %(n)s") % {"n": p.stock},
            )

    def counts(self):
        return {
            p: self.cleaned_data[f"count_{p.pk}"]
            for p in self.products
            if self.cleaned_data.get(f"count_{p.pk}") is not None
        }


class DayForm(Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
