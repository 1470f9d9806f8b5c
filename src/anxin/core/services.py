"""Writes to the category code tables (COD-3). Each change is in the operation log (AUD-1)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from anxin.audit.services import diff, operation_log

from .models import Category

AUDITED_FIELDS = ("kind", "number", "name", "description", "active")


def _state(category: Category) -> dict:
    return {name: getattr(category, name) for name in AUDITED_FIELDS}


@transaction.atomic
def category_create(
    *, actor, kind: str, name: str, number: int | None = None, description: str = ""
) -> Category:
    """Add a row to a category table; without a number, the next free one is taken."""
    if number is None:
        top = Category.objects.filter(kind=kind).aggregate(m=Max("number"))["m"] or 0
        if top >= 99:
            raise ValidationError({"number": _("This table is full: numbers run from 01 to 99.")})
        number = top + 1
    category = Category(
        kind=kind,
        number=number,
        name=name.strip(),
        description=description.strip(),
        created_by=actor,
        updated_by=actor,
    )
    category.full_clean()
    category.save()
    operation_log(
        actor=actor, action="create", instance=category, changes=diff({}, _state(category))
    )
    return category


@transaction.atomic
def category_update(
    *, actor, category: Category, name: str, description: str, active: bool
) -> Category:
    """Rename or retire a category. Its number is part of codes already given, so it stays."""
    stored = Category.objects.select_for_update().filter(pk=category.pk).first()
    before = _state(stored) if stored is not None else {}
    category.name = name.strip()
    category.description = description.strip()
    category.active = active
    category.updated_by = actor
    category.full_clean()
    category.save()
    operation_log(
        actor=actor, action="update", instance=category, changes=diff(before, _state(category))
    )
    return category
