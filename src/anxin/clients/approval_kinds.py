"""Changes to a client's ID number or health file go through two-person review (SEC-5)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from anxin.accounts.policy import Scope, grant
from anxin.approvals import registry

from .models import Client, HealthFile

CLIENT_ID = "clients.id_number"
HEALTH_FILE = "clients.health_file"
HEALTH_FIELDS = ("medical_history", "allergies", "conditions")
# Who may propose: whoever may change the client's record in the store.
PROPOSE = grant("clients.client", "change", Scope.STORE)


def _apply_id(*, actor, store, target, payload):
    target.id_number = payload["id_number"]
    target.updated_by = actor
    target.full_clean()
    target.save()
    return target


def _apply_health(*, actor, store, target, payload):
    # Corrections go through here (two people); additions from a service are direct
    # (services.health_add). Neither is possible without the separate health consent.
    if not target.client.health_open:
        raise ValidationError(
            gettext("The client has not consented to health data: the health file is closed.")
        )
    for name in HEALTH_FIELDS:
        if name in payload:
            setattr(target, name, payload[name])
    target.updated_by = actor
    target.full_clean()
    target.save()
    return target


def _health_in_store(*, target, store) -> bool:
    return target.client.store_id == store.pk


def register_all() -> None:
    registry.register(
        CLIENT_ID,
        label=gettext_lazy("Change a client's ID number"),
        target_model=Client,
        apply=_apply_id,
        propose_permission=PROPOSE,
        fields=("id_number",),
    )
    registry.register(
        HEALTH_FILE,
        label=gettext_lazy("Change a client's health file"),
        target_model=HealthFile,
        apply=_apply_health,
        propose_permission=PROPOSE,
        fields=HEALTH_FIELDS,
        in_store=_health_in_store,
    )
