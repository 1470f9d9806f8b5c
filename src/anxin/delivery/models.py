"""Feedback and follow-up on services (CLI-5): scores, follow-up tasks, suggestions.

The service record itself lives in ``anxin.clients.models.ServiceRecord`` (it defines a
practitioner's scope); this app records and corrects it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.clients.models import Client, ServiceRecord
from anxin.core.models import Category, TrackedModel


class Feedback(TrackedModel):
    """The client's satisfaction with one service (1 = very unhappy … 5 = very happy)."""

    service = models.OneToOneField(
        ServiceRecord, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("service")
    )
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comments = models.TextField(_("comments"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        # The complaint analysis's low ratings: the few low scores first, then their services
        # (not a year of a store's services, each probed for its score).
        indexes = [models.Index(fields=["score", "service"], name="delivery_feedback_score")]

    def __str__(self):
        return f"{self.service_id}: {self.score}"


class FeedbackCorrection(TrackedModel):
    """A score changed after it was given (CLI-5): what it was, what it became, and why. The
    old score is kept here (and in the operation log); only the current one feeds performance."""

    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("feedback")
    )
    score_before = models.PositiveSmallIntegerField(_("score before"))
    score_after = models.PositiveSmallIntegerField(
        _("score after"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comments_before = models.TextField(_("comments before"), blank=True, max_length=2000)
    comments_after = models.TextField(_("comments after"), blank=True, max_length=2000)
    reason = models.CharField(_("reason for the correction"), max_length=500)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("feedback correction")
        verbose_name_plural = _("feedback corrections")

    def __str__(self):
        return f"{self.feedback_id}: {self.score_before} → {self.score_after}"


class TaskKind(models.TextChoices):
    SURVEY = "survey", _("satisfaction survey")
    PHONE = "phone", _("phone follow-up (回访)")


class TaskState(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class FollowUpTask(TrackedModel):
    """A survey or phone follow-up assigned to one person, due on a date."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("client")
    )
    service = models.ForeignKey(
        ServiceRecord,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        null=True,
        blank=True,
        verbose_name=_("service"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
        verbose_name=_("assigned to"),
    )
    due_on = models.DateField(_("due on"))
    instructions = models.TextField(_("instructions"), blank=True, max_length=1000)
    state = models.CharField(
        _("state"), max_length=10, choices=TaskState.choices, default=TaskState.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [models.Index(fields=["store", "state", "due_on"], name="delivery_task_due")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_on}"


class SuggestionState(models.TextChoices):
    OPEN = "open", _("forwarded, waiting")
    IN_PROGRESS = "in_progress", _("being handled")
    CLOSED = "closed", _("closed")


class Suggestion(TrackedModel):
    """A client's suggestion forwarded to the department responsible, tracked to closure."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    service = models.ForeignKey(
        ServiceRecord,
        on_delete=models.SET_NULL,
        related_name="suggestions",
        null=True,
        blank=True,
        verbose_name=_("service"),
    )
    department = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "department"},
        verbose_name=_("department"),
    )
    text = models.TextField(_("suggestion"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=12, choices=SuggestionState.choices, default=SuggestionState.OPEN
    )
    resolution = models.TextField(_("what was done"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["state", "-created_at"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self):
        return self.text[:40]
