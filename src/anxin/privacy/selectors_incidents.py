"""Reads of incidents (PRV-7): for those who handle them; reading the affected list is logged."""

from django.db.models import QuerySet
from django.http import Http404

from anxin.audit.services import use_log

from .models import AffectedClient, Incident, IncidentNotice
from .services_incidents import require


def incident_list(*, actor, store, request=None) -> QuerySet[Incident]:
    require(actor=actor, store=store, request=request)
    return Incident.objects.filter(store=store).select_related("found_by")


def incident_get(*, actor, store, incident_id: int, request=None) -> Incident:
    incident = incident_list(actor=actor, store=store, request=request).filter(pk=incident_id)
    incident = incident.first()
    if incident is None:
        raise Http404
    return incident


def affected_list(*, actor, store, incident: Incident, request=None, limit: int = 500) -> dict:
    """The affected clients (code and name), each with the last notice sent; logged as a use."""
    rows = list(
        AffectedClient.objects.filter(incident=incident)
        .select_related("client")
        .only("source", "evidence", "client__code", "client__name", "client__store_id")
        .order_by("client__code")[:limit]
    )
    last = {}
    for notice in (
        IncidentNotice.objects.filter(incident=incident)
        .select_related("text")
        .order_by("client_id", "-sent_at", "-pk")
    ):
        last.setdefault(notice.client_id, notice)
    total = AffectedClient.objects.filter(incident=incident).count()
    use_log(
        actor=actor,
        action="report",
        record_type="privacy.incident",
        record_id=str(incident.pk),
        purpose="incident affected clients",
        count=len(rows),
        request=request,
        store=store,
    )
    return {
        "rows": [(row, last.get(row.client_id)) for row in rows],
        "total": total,
        "notified": sum(1 for n in last.values() if n.delivered),
    }
