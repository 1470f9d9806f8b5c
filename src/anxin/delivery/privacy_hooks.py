"""Feedback, follow-ups and suggestions in a client's copy and anonymisation (PRV-6, STO-6)."""

from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import Feedback, FeedbackCorrection, FollowUpTask, Suggestion


def export(client) -> list[registry.Table]:
    return [
        registry.table(
            "feedback",
            _("Feedback"),
            Feedback,
            Feedback.objects.filter(service__client=client).order_by("created_at", "pk"),
            ["created_at", "score", "comments"],
        ),
        registry.table(
            "follow_ups",
            _("Follow-up tasks"),
            FollowUpTask,
            FollowUpTask.objects.filter(client=client).order_by("due_on", "pk"),
            ["kind", "due_on", "state", "outcome"],
        ),
        registry.table(
            "suggestions",
            _("Suggestions"),
            Suggestion,
            Suggestion.objects.filter(service__client=client).order_by("created_at", "pk"),
            ["created_at", "text", "state", "resolution"],
        ),
    ]


def anonymise(clients) -> int:
    ids = registry.ids(clients)
    n = Feedback.objects.filter(service__client_id__in=ids).exclude(comments="").update(comments="")
    n += FeedbackCorrection.objects.filter(feedback__service__client_id__in=ids).update(
        comments_before="", comments_after=""
    )
    n += FollowUpTask.objects.filter(client_id__in=ids).update(instructions="", outcome="")
    n += Suggestion.objects.filter(service__client_id__in=ids).update(
        text=registry.ERASED_TEXT, resolution=""
    )
    return n


registry.register(
    "delivery",
    label=_("Feedback and follow-up"),
    models=[Feedback, FeedbackCorrection, FollowUpTask, Suggestion],
    export=export,
    anonymise=anonymise,
    keeps=_("the scores and the tasks' kinds, dates and states"),
)
