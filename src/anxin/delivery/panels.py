"""The home-page panel: record a service first, then one's open follow-up tasks."""

from anxin.accounts.policy import scope_for

from .selectors import RECORD, my_tasks, overdue_tasks


def record_panel(request) -> dict | None:
    user, store = request.user, request.store
    if store is None:
        return None
    return {
        "can_record": scope_for(user, store, RECORD, "create") is not None,
        "open_tasks": my_tasks(actor=user, store=store).count(),
        "overdue": overdue_tasks(actor=user, store=store).filter(assignee=user).count(),
    }
