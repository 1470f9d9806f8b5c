"""Feedback and follow-up (CLI-5): scores, tasks with notification, suggestions to closure."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.accounts.services import account_offboard
from anxin.audit.models import OperationLog, UseLog
from anxin.core.models import Category
from anxin.core.seeding import categories_ensure_defaults
from anxin.delivery.models import (
    Feedback,
    FeedbackCorrection,
    FollowUpTask,
    Suggestion,
    TaskState,
)
from anxin.delivery.selectors import my_tasks, overdue_tasks
from anxin.delivery.services import (
    feedback_correct,
    feedback_record,
    follow_up_complete,
    follow_up_create,
    service_record,
    suggestion_forward,
    suggestion_update,
)
from anxin.notifications.models import Notification
from anxin.performance.figures import monthly_figures

pytestmark = pytest.mark.req("CLI-5")


@pytest.fixture
def record(practitioner, store, regular, item):
    return service_record(actor=practitioner, store=store, client=regular, item=item)


def test_feedback_score_and_comments(client, login, front_desk, record):
    login(client, front_desk)
    response = client.post(
        f"/services/{record.pk}/feedback/", {"score": "4", "comments": "力度合适"}
    )
    assert response.status_code == 302
    assert (record.feedback.score, record.feedback.comments) == (4, "力度合适")
    for bad in ("0", "6", "x"):
        response = client.post(f"/services/{record.pk}/feedback/", {"score": bad})
        assert response.status_code == 400
    record.feedback.refresh_from_db()
    assert record.feedback.score == 4
    with pytest.raises(ValidationError):
        feedback_record(actor=front_desk, store=record.store, record=record, score=9)


def test_feedback_by_someone_out_of_scope_changes_nothing(practitioner_b, record):
    with pytest.raises(PermissionDenied):
        feedback_record(actor=practitioner_b, store=record.store, record=record, score=1)
    assert not Feedback.objects.exists()


def feedback_state(record):
    """The score, every correction and the operation-log entries about feedback."""
    feedback = Feedback.objects.filter(service=record).first()
    return (
        (feedback.score, feedback.comments) if feedback else None,
        list(FeedbackCorrection.objects.values_list("score_before", "score_after")),
        OperationLog.objects.filter(record_type="delivery.feedback").count(),
    )


def denied_feedback(user):
    return UseLog.objects.filter(user=user, action="feedback", outcome="denied").count()


@pytest.mark.req("STF-3", "SEC-3")
def test_the_practitioner_who_served_cannot_score_it_and_the_attempt_is_logged(
    client, login, front_desk, practitioner, store, record
):
    login(client, practitioner)
    page = client.get(f"/services/{record.pk}/").content.decode()
    assert f"/services/{record.pk}/feedback/" not in page  # no form offered
    before = feedback_state(record)
    response = client.post(f"/services/{record.pk}/feedback/", {"score": "5"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        feedback_record(actor=practitioner, store=store, record=record, score=5)
    assert feedback_state(record) == before == (None, [], 0)
    assert denied_feedback(practitioner) == 2
    # not even as the assignee of a follow-up task made before the rule
    task = FollowUpTask.objects.create(
        store=store,
        client=record.client,
        service=record,
        kind="phone",
        assignee=practitioner,
        due_on=timezone.localdate(),
    )
    with pytest.raises(PermissionDenied):
        follow_up_complete(actor=practitioner, store=store, task=task, outcome="满意", score=5)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and feedback_state(record) == before
    assert denied_feedback(practitioner) == 3
    assert monthly_figures(store=store, month=timezone.localdate().replace(day=1))[0]["rated"] == 0


@pytest.mark.req("STF-3", "SEC-3")
def test_a_read_only_role_cannot_write_or_change_a_score(
    client, login, front_desk, finance, store, record
):
    feedback_record(actor=front_desk, store=store, record=record, score=4, comments="力度合适")
    login(client, finance)
    assert client.get(f"/services/{record.pk}/").status_code == 200  # finance may read it
    before = feedback_state(record)
    response = client.post(
        f"/services/{record.pk}/feedback/", {"score": "1", "comments": "", "reason": "复核"}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        feedback_record(actor=finance, store=store, record=record, score=1)
    with pytest.raises(PermissionDenied):
        feedback_correct(actor=finance, store=store, record=record, score=1, reason="复核")
    assert feedback_state(record) == before and before[0] == (4, "力度合适")
    assert denied_feedback(finance) == 3
    assert monthly_figures(store=store, month=timezone.localdate().replace(day=1))[0][
        "satisfaction"
    ] == pytest.approx(4.0)


def test_a_given_score_changes_only_through_a_logged_correction_that_keeps_the_old_one(
    client, login, front_desk, practitioner_b, store, record
):
    feedback_record(actor=front_desk, store=store, record=record, score=4, comments="力度合适")
    with pytest.raises(ValidationError):
        feedback_record(actor=front_desk, store=store, record=record, score=1)
    login(client, front_desk)
    response = client.post(f"/services/{record.pk}/feedback/", {"score": "2"})  # no reason
    assert response.status_code == 400
    assert feedback_state(record)[:2] == ((4, "力度合适"), [])
    response = client.post(
        f"/services/{record.pk}/feedback/",
        {"score": "2", "comments": "回访时说偏重", "reason": "客户来电更正"},
    )
    assert response.status_code == 302
    assert feedback_state(record)[:2] == ((2, "回访时说偏重"), [(4, 2)])
    entry = OperationLog.objects.filter(record_type="delivery.feedback").latest("pk")
    assert (entry.action, entry.reason) == ("correct", "客户来电更正")
    assert entry.changes["score"] == {"before": 4, "after": 2}
    page = client.get(f"/services/{record.pk}/").content.decode()
    assert "客户来电更正" in page
    # a later survey by a follow-up's assignee is a correction too, naming the task
    task = follow_up_create(
        actor=front_desk,
        store=store,
        client=record.client,
        service=record,
        kind="survey",
        assignee=practitioner_b,
        due_on=timezone.localdate(),
    )
    follow_up_complete(actor=practitioner_b, store=store, task=task, outcome="满意", score=5)
    assert feedback_state(record)[:2] == ((5, "满意"), [(4, 2), (2, 5)])
    latest = FeedbackCorrection.objects.latest("pk")
    assert str(task.pk) in latest.reason and latest.created_by == practitioner_b


def test_a_follow_up_task_notifies_its_assignee_and_is_listed(
    client, login, front_desk, practitioner, practitioner_b, store, record
):
    login(client, front_desk)
    due = timezone.localdate() + dt.timedelta(days=2)
    # Not the practitioner who gave the service: someone else asks the client (CLI-5).
    response = client.post(
        f"/services/{record.pk}/follow-up/",
        {"kind": "phone", "assignee": practitioner.pk, "due_on": due.isoformat()},
    )
    assert response.status_code == 400 and not FollowUpTask.objects.exists()
    response = client.post(
        f"/services/{record.pk}/follow-up/",
        {"kind": "phone", "assignee": practitioner_b.pk, "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    task = FollowUpTask.objects.get()
    assert (task.assignee, task.client, task.service) == (practitioner_b, record.client, record)
    note = Notification.objects.get(recipient=practitioner_b)
    assert record.client.code in note.subject and note.url == f"/services/tasks/{task.pk}/"
    assert list(my_tasks(actor=practitioner_b, store=store)) == [task]
    login(client, practitioner_b)
    assert client.get("/services/tasks/").status_code == 200
    response = client.post(f"/services/tasks/{task.pk}/", {"outcome": "很满意", "score": "5"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.DONE and record.feedback.score == 5
    assert list(my_tasks(actor=practitioner_b, store=store)) == []


def test_overdue_tasks(front_desk, practitioner, practitioner_b, store, record):
    task = follow_up_create(
        actor=front_desk,
        store=store,
        client=record.client,
        kind="survey",
        assignee=practitioner,
        due_on=timezone.localdate(),
    )
    later = timezone.localdate() + dt.timedelta(days=3)
    assert list(overdue_tasks(actor=front_desk, store=store)) == []
    assert list(overdue_tasks(actor=front_desk, store=store, today=later)) == [task]
    assert list(overdue_tasks(actor=practitioner, store=store, today=later)) == [task]
    assert list(overdue_tasks(actor=practitioner_b, store=store, today=later)) == []


def test_only_the_designated_roles_assign_and_others_cannot_touch_a_task(
    client, login, front_desk, practitioner, practitioner_b, store, record
):
    with pytest.raises(PermissionDenied):
        follow_up_create(
            actor=practitioner,
            store=store,
            client=record.client,
            kind="survey",
            assignee=practitioner,
            due_on=timezone.localdate(),
        )
    assert not FollowUpTask.objects.exists()
    task = follow_up_create(
        actor=front_desk,
        store=store,
        client=record.client,
        kind="survey",
        assignee=practitioner,
        due_on=timezone.localdate(),
    )
    login(client, practitioner_b)
    assert client.get(f"/services/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/services/tasks/{task.pk}/", {"outcome": "x"}).status_code == 404
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    with pytest.raises(PermissionDenied):
        follow_up_complete(actor=practitioner_b, store=store, task=task, outcome="x")


def test_bad_follow_up_input(front_desk, other_manager, store, record):
    base = dict(actor=front_desk, store=store, client=record.client, kind="phone")
    past = timezone.localdate() - dt.timedelta(days=1)
    for extra in (
        {"assignee": front_desk, "due_on": past},
        {"assignee": other_manager, "due_on": timezone.localdate()},
        {"assignee": front_desk, "due_on": timezone.localdate(), "kind": "visit"},
    ):
        with pytest.raises(ValidationError):
            follow_up_create(**{**base, **extra})
    assert not FollowUpTask.objects.exists()


def test_offboarding_hands_open_tasks_to_the_successor(
    front_desk, practitioner, practitioner_b, admin_user, store, record
):
    task = follow_up_create(
        actor=front_desk,
        store=store,
        client=record.client,
        kind="phone",
        assignee=practitioner,
        due_on=timezone.localdate(),
    )
    result = account_offboard(actor=admin_user, user=practitioner, successor=practitioner_b)
    assert result["transferred"]["delivery.follow_up_tasks"] == 1
    task.refresh_from_db()
    assert task.assignee == practitioner_b
    assert Notification.objects.filter(recipient=practitioner_b).exists()


def test_suggestions_are_forwarded_and_tracked_to_closure(
    client, login, front_desk, practitioner, store, record
):
    categories_ensure_defaults()
    department = Category.objects.get(kind="department", name="按摩部")
    login(client, practitioner)
    assert client.get("/services/suggestions/").status_code == 403
    assert (
        client.post(
            "/services/suggestions/", {"department": department.pk, "text": "x"}
        ).status_code
        == 403
    )
    assert not Suggestion.objects.exists()
    login(client, front_desk)
    response = client.post(
        "/services/suggestions/", {"department": department.pk, "text": "希望延长营业时间"}
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.state == "open"
    with pytest.raises(ValidationError):
        suggestion_update(actor=front_desk, store=store, suggestion=suggestion, state="closed")
    response = client.post(
        f"/services/suggestions/{suggestion.pk}/",
        {"state": "closed", "resolution": "周末延长到22点"},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == "closed" and suggestion.closed_at is not None
    not_a_department = Category.objects.get(kind="item", number=1)
    with pytest.raises(ValidationError):
        suggestion_forward(actor=front_desk, store=store, department=not_a_department, text="x")


@pytest.mark.req("SEC-8")
def test_the_follow_up_form_names_the_stores_people_in_the_same_queries(
    client, login, front_desk, store, record, make_persona
):
    """Issue 11: the assignee's choices are the store's people by name, their staff files read
    with them (one query), not a staff-file query a person."""
    from anxin.core.testing import assert_constant_queries
    from anxin.staff.models import StaffKind, StaffMember

    def people(n):
        done = StaffMember.objects.count()
        for i in range(done, done + n):
            user = make_persona(f"fu{i:03d}", store, "practitioner")
            StaffMember.objects.create(
                store=store, user=user, kind=StaffKind.PRACTITIONER, name=f"回访{i}",
                code=f"FU{i:06d}", hire_date=dt.date(2024, 1, 1),
            )  # fmt: skip

    login(client, front_desk)
    path = f"/services/{record.pk}/follow-up/"
    people(1)
    page = client.get(path).content.decode()
    assert "回访0" in page and ">fu000<" not in page  # the name, not the username
    assert_constant_queries(lambda: client.get(path), people, rows=2)
