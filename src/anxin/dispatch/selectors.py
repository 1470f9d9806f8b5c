from django.db.models import QuerySet
from django.http import Http404

from anxin.accounts.policy import Scope, scope_for
from anxin.audit.services import use_log

from .models import Job
from .services import ACTIVE, RECORD


def scoped_jobs(*, actor, store) -> QuerySet[Job]:
    scope = scope_for(actor, store, RECORD, "view")
    if scope is None:
        return Job.objects.none()
    qs = Job.objects.filter(store=store)
    if scope in (Scope.OWN, Scope.SERVED):
        qs = qs.filter(workers=actor)  # a worker: the jobs they are assigned to
    return qs.select_related("client").prefetch_related("workers").distinct()


def job_get(*, actor, store, pk: int, request=None) -> Job:
    job = scoped_jobs(actor=actor, store=store).filter(pk=pk).first()
    use_log(
        actor=actor,
        action="view",
        record_type=RECORD,
        record_id=str(pk),
        outcome="allowed" if job else "denied",
        request=request,
        store=store,
    )
    if job is None:
        raise Http404
    return job


def assigned_to(*, actor, since):
    """For the clients' scope: a worker sees the clients of their open or recent jobs."""
    return (
        Job.objects.filter(workers=actor, start__gte=since)
        .exclude(status="cancelled")
        .values("client_id")
    )


__all__ = ["ACTIVE", "assigned_to", "job_get", "scoped_jobs"]
