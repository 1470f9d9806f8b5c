"""Two kinds of change that need a second person (SEC-5): compensation above the store's
limit, and unsealing a whistle-blower's identity."""

from django.utils.translation import gettext, gettext_lazy

from anxin.accounts.permissions import HANDLE_COMPLAINTS, UNSEAL_REPORTER
from anxin.approvals import registry

from . import services, whistle
from .models import Compensation, CompensationState, WhistleReport


def _compensation_in_store(*, target, store) -> bool:
    return target.complaint.store_id == store.pk


def _compensation_rows(*, target, before, after, kind):
    states = dict(CompensationState.choices)
    return [
        (
            gettext("Compensation"),
            str(states.get(before.get("state"), registry.EMPTY)),
            str(states.get(after.get("state"), registry.EMPTY)),
        )
    ]


def register_all() -> None:
    registry.register(
        services.COMPENSATION_KIND,
        label=gettext_lazy("Compensation above the store's limit"),
        target_model=Compensation,
        apply=services.compensation_apply,
        propose_permission=HANDLE_COMPLAINTS,
        fields=("state",),
        describe=_compensation_rows,
        in_store=_compensation_in_store,
    )
    registry.register(
        whistle.UNSEAL_KIND,
        label=gettext_lazy("Unseal a whistle-blower's identity"),
        target_model=WhistleReport,
        apply=whistle.unseal_apply,
        propose_permission=UNSEAL_REPORTER,
        validate=whistle.unseal_validate,
        snapshot=whistle.unseal_snapshot,
        preview=whistle.unseal_preview,
        describe=whistle.unseal_describe,
    )
