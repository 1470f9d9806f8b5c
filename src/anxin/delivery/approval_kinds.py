"""A service record changes after saving only through two-person review (CLI-4, SEC-5)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.permissions import CORRECT_SERVICES
from anxin.approvals import registry
from anxin.clients.models import ClockType, ServiceRecord

SERVICE_CORRECTION = "delivery.service_correction"
FIELDS = ("served_at", "amount", "products_sold", "notes", "clock_type")
TEXT_LIMITS = {"products_sold": 200, "notes": 2000}


def _value(name, raw):
    from .services import check_amount, check_time

    if name == "amount":
        return str(check_amount(raw))
    if name == "served_at":
        when = raw if isinstance(raw, dt.datetime) else parse_datetime(str(raw))
        if when is None:
            raise ValidationError({"served_at": _("Enter a date and time.")})
        return check_time(when).isoformat()
    if name == "clock_type":
        if raw not in ("", *ClockType.values):
            raise ValidationError({"clock_type": _("Choose a clock type.")})
        return raw
    text = str(raw or "")
    if len(text) > TEXT_LIMITS[name]:
        raise ValidationError(
            {name: _("At most %(n)s characters, please.") % {"n": TEXT_LIMITS[name]}}
        )
    return text


def _current(target) -> dict:
    return {
        "served_at": target.served_at.isoformat(),
        "amount": str(target.amount),
        "products_sold": target.products_sold,
        "notes": target.notes,
        "clock_type": target.clock_type,
    }


def _validate(*, actor, store, target, payload) -> dict:
    unknown = sorted(set(payload) - set(FIELDS), key=str)
    if unknown:
        raise ValidationError(
            _("These values cannot be changed this way: %(names)s"),
            params={"names": ", ".join(map(str, unknown))[:200]},
        )
    clean = {name: _value(name, raw) for name, raw in payload.items()}
    current = _current(target)
    changed = {k: v for k, v in clean.items() if current.get(k) != v}
    if not changed:
        raise ValidationError(_("The proposed values are the current ones: nothing to change."))
    return changed


def _snapshot(*, target, store, payload) -> dict:
    current = _current(target)
    return {k: current[k] for k in payload}


def _apply(*, actor, store, target, payload):
    for name, value in payload.items():
        if name == "served_at":
            value = parse_datetime(value)
        setattr(target, name, value)
    target.updated_by = actor
    target.full_clean()
    target.save()
    return target


def register_all() -> None:
    registry.register(
        SERVICE_CORRECTION,
        label=gettext_lazy("Correct a saved service record"),
        target_model=ServiceRecord,
        apply=_apply,
        propose_permission=CORRECT_SERVICES,
        fields=FIELDS,
        validate=_validate,
        snapshot=_snapshot,
    )
