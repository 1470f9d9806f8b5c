"""On-site jobs (上门服务: cleaning, home massage): workers sent to a client's address.

The address stays encrypted in the client's record; an assigned worker sees it only within the
job's window (travel time before the start to the end), and every such reveal is use-logged.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.clients.models import Client
from anxin.core.models import TrackedModel


class JobStatus(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    ON_THE_WAY = "on_the_way", _("on the way")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


# Each status may move only to the next one (or be cancelled before the work starts).
NEXT = {
    JobStatus.ASSIGNED: JobStatus.ON_THE_WAY,
    JobStatus.ON_THE_WAY: JobStatus.IN_PROGRESS,
    JobStatus.IN_PROGRESS: JobStatus.DONE,
}


class Job(TrackedModel):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("store")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("client")
    )
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="jobs", verbose_name=_("workers")
    )
    item_name = models.CharField(_("service"), max_length=60)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    travel_minutes = models.PositiveIntegerField(
        _("travel time (minutes)"), default=30, validators=[MaxValueValidator(600)]
    )
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.ASSIGNED
    )
    completion_notes = models.TextField(_("completion notes"), blank=True, max_length=2000)
    feedback_score = models.PositiveSmallIntegerField(
        _("client's satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feedback_comment = models.TextField(_("client's comment"), blank=True, max_length=2000)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("on-site job")
        verbose_name_plural = _("on-site jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="job_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.item_name} {self.start:%Y-%m-%d %H:%M}"
