"""The home-page panel: record a service first, then one's open follow-up tasks."""

from django.db.models import Count, Q
from django.utils import timezone

from anxin.accounts.policy import scope_for

from .models import FollowUpTask, TaskState
from .selectors import RECORD


def record_panel(request) -> dict | None:
    user, store = request.user, request.store
    if store is None:
        return None
    # One query for both figures (``my_tasks`` and the overdue part of them): the home page is
    # the most requested page.
    counts = FollowUpTask.objects.filter(
        store=store, assignee=user, state=TaskState.OPEN
    ).aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())))
    return {
        "can_record": scope_for(user, store, RECORD, "create") is not None,
        "open_tasks": counts["open"],
        "overdue": counts["overdue"],
    }
