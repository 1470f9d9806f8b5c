"""Proposed changes to a client's record hold the values proposed and replaced (ID number,
health data), encrypted: anonymisation empties them and withdraws what was still pending."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import ChangeRequest, ChangeState


def _about(client_ids) -> Q:
    from anxin.clients.models import Client, HealthFile

    client_type = ContentType.objects.get_for_model(Client)
    health_type = ContentType.objects.get_for_model(HealthFile)
    health_ids = HealthFile.objects.filter(client_id__in=client_ids).values_list("pk", flat=True)
    return Q(target_type=client_type, target_id__in=[str(i) for i in client_ids]) | Q(
        target_type=health_type, target_id__in=[str(i) for i in health_ids]
    )


def export(client) -> list[registry.Table]:
    changes = ChangeRequest.objects.filter(_about([client.pk])).order_by("proposed_at", "pk")
    return [
        registry.table(
            "changes",
            _("Changes proposed for approval"),
            ChangeRequest,
            changes,
            ["proposed_at", "reason", "state", "decided_at"],
        )
    ]


def anonymise(clients) -> int:
    about = ChangeRequest.objects.filter(_about(registry.ids(clients)))
    about.filter(state=ChangeState.PENDING).update(
        state=ChangeState.WITHDRAWN, decided_at=timezone.now(), decision_note="anonymised"
    )
    return about.update(payload={}, before={}, reason=registry.ERASED_TEXT)


registry.register(
    "approvals",
    label=_("Changes proposed for approval"),
    models=[ChangeRequest],
    export=export,
    anonymise=anonymise,
    keeps=_("who proposed and decided each change, and when"),
)
