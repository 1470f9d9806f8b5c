"""Importing service items from .xlsx (UX-5) with the generic framework in ``anxin.imports``.

Each row is checked like the item form (category by number or name, name, price, duration,
offered); names already used in the store or twice in the file are refused. Saving goes through
``_item_create`` so that every item gets its ``XM`` code, its first price in the history and its
operation-log entry — all in the import's one transaction.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.permissions import MANAGE_ITEMS
from anxin.core.forms import Form
from anxin.core.models import Category, CategoryKind
from anxin.imports.base import Column, Importer

from .models import MAX_PRICE, ServiceItem
from .services import _item_create

YES = {"", "1", "y", "yes", "true", "是", "在售", "√"}
NO = {"0", "n", "no", "false", "否", "停售"}


def _category(text: str) -> Category | None:
    text = (text or "").strip()
    items = Category.objects.filter(kind=CategoryKind.ITEM, active=True)
    if text.isdigit():
        return items.filter(number=int(text)).first()
    return items.filter(name=text).first()


class ItemRowForm(Form):
    category = forms.CharField(max_length=40)
    name = forms.CharField(max_length=ServiceItem._meta.get_field("name").max_length)
    description = forms.CharField(max_length=2000, required=False)
    price = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), max_value=MAX_PRICE
    )
    duration = forms.IntegerField(min_value=1, max_value=24 * 60)
    active = forms.CharField(required=False, max_length=10)

    def clean_category(self):
        category = _category(self.cleaned_data["category"])
        if category is None:
            raise forms.ValidationError(_("No service item category with this number or name."))
        return category

    def clean_active(self):
        value = (self.cleaned_data.get("active") or "").strip().lower()
        if value in YES:
            return True
        if value in NO:
            return False
        raise forms.ValidationError(_("Write 是 (offered) or 否 (not offered)."))


class ItemImporter(Importer):
    key = "items"
    label = gettext_lazy("Service items")
    columns = [
        Column("category", gettext_lazy("Category"), required=True, example="01"),
        Column("name", gettext_lazy("Name"), required=True, example="全身推拿"),
        Column("description", gettext_lazy("Description"), example="60 分钟"),
        Column("price", gettext_lazy("Price (yuan)"), required=True, example="128.00", text=False),
        Column(
            "duration", gettext_lazy("Duration (minutes)"), required=True, example="60", text=False
        ),
        Column("active", gettext_lazy("Offered"), example="是"),
    ]
    max_rows = 5_000

    def allowed(self, user, store) -> bool:
        return user.has_store_perm(MANAGE_ITEMS, store)

    def form(self, data: dict, *, store):
        return ItemRowForm(data)

    def check(self, rows, *, actor, store) -> dict:
        taken = set(ServiceItem.objects.filter(store=store).values_list("name", flat=True))
        seen: dict[str, int] = {}
        errors: dict[int, dict[str, str]] = {}
        for number, data in rows:
            name = data["name"]
            if name in taken:
                errors[number] = {"name": _("This store already has an item with this name.")}
            elif name in seen:
                errors[number] = {
                    "name": _("The same name is on row %(row)s.") % {"row": seen[name]}
                }
            else:
                seen[name] = number
        return errors

    def save(self, rows, *, actor, store, job) -> int:
        for data in rows:
            _item_create(
                actor=actor,
                store=store,
                category=data["category"],
                name=data["name"],
                price=data["price"],
                duration=data["duration"],
                description=data.get("description", ""),
                active=data["active"],
                request=None,
            )
        return len(rows)
