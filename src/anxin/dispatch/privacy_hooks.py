"""On-site jobs in a client's copy and anonymisation; an open job holds deletion."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.privacy import registry

from .models import Job, JobStatus

FIELDS = [
    "item_name",
    "start",
    "end",
    "status",
    "completion_notes",
    "feedback_score",
    "feedback_comment",
]


def export(client) -> list[registry.Table]:
    return [
        registry.table(
            "jobs", gettext_lazy("On-site jobs"), Job, client.jobs.order_by("start", "pk"), FIELDS
        )
    ]


def anonymise(clients) -> int:
    return Job.objects.filter(client_id__in=registry.ids(clients)).update(
        completion_notes="", feedback_comment=""
    )


def open_jobs(clients) -> dict:
    jobs = (
        Job.objects.filter(client_id__in=registry.ids(clients))
        .exclude(status__in=[JobStatus.DONE, JobStatus.CANCELLED])
        .order_by("start")
    )
    found: dict = {}
    for job in jobs:
        found.setdefault(job.client_id, []).append(
            _("The on-site job on %(when)s is not finished yet.")
            % {"when": timezone.localtime(job.start).strftime("%Y-%m-%d %H:%M")}
        )
    return found


registry.register(
    "dispatch",
    label=gettext_lazy("On-site jobs"),
    models=[Job],
    export=export,
    anonymise=anonymise,
    keeps=gettext_lazy("the jobs' services, times, states and scores"),
)
registry.register_hold("dispatch.open", open_jobs)
