"""AUD-5: complaints from every channel, the workflow with each step recorded and logged,
compensation above the store's limit approved by a second person, counts per practitioner."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from anxin.approvals.models import ChangeRequest, ChangeState
from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.catalogue.testing import make_client, make_item
from anxin.complaints import services
from anxin.complaints.models import (
    Compensation,
    CompensationState,
    Complaint,
    ComplaintSettings,
    ComplaintStep,
    State,
)
from anxin.complaints.selectors import complaints_about, monthly_complaint_counts
from anxin.delivery.services import feedback_correct, feedback_record, service_record

pytestmark = pytest.mark.req("AUD-5")


@pytest.fixture(autouse=True)
def _english():
    """These tests read the messages in English (the default language is zh-Hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_(front_desk, store):
    return make_client(actor=front_desk, store=store, name="林小雨", phone="13800001111")


def take(actor, store, **extra):
    data = {
        "channel": "front_desk",
        "complainant_kind": "anonymous",
        "subject": "service",
        "description": "等了四十分钟没人理",
    }
    data.update(extra)
    return services.complaint_take(actor=actor, store=store, **data)


def test_front_desk_takes_a_complaint_recorded_and_logged(front_desk, store, client_):
    c = take(front_desk, store, complainant_kind="client", client=client_, channel="phone")
    assert c.state == State.RECEIVED and c.reference.startswith("TS")
    assert c.steps.get().by == front_desk
    entry = OperationLog.objects.get(record_type="complaints.complaint", action="create")
    assert entry.operator == front_desk and entry.record_code == c.reference


def test_a_complaint_without_a_description_is_refused_and_nothing_written(front_desk, store):
    with pytest.raises(ValidationError) as exc:
        take(front_desk, store, description="   ")
    assert "description" in exc.value.message_dict
    assert not Complaint.objects.exists() and not ComplaintStep.objects.exists()


def test_a_client_complaint_needs_the_client_and_a_practitioner_complaint_the_person(
    front_desk, store
):
    with pytest.raises(ValidationError) as exc:
        take(front_desk, store, complainant_kind="client")
    assert "client" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        take(front_desk, store, subject="practitioner")
    assert "practitioner" in exc.value.message_dict
    assert not Complaint.objects.exists()


def test_someone_who_may_not_take_complaints_is_refused_and_logged(practitioner, store):
    with pytest.raises(PermissionDenied):
        take(practitioner, store)
    assert not Complaint.objects.exists()
    assert UseLog.objects.filter(user=practitioner, outcome="denied").exists()


def test_the_workflow_records_each_step_and_closing_needs_the_feedback_step(
    front_desk, manager, store
):
    c = take(front_desk, store)
    with pytest.raises(ValidationError, match="feedback"):
        services.complaint_advance(
            actor=manager, store=store, complaint=c, to_state="closed", note="done"
        )
    with pytest.raises(ValidationError):
        services.complaint_advance(
            actor=manager, store=store, complaint=c, to_state="investigating", note=""
        )
    c.refresh_from_db()
    assert c.state == State.RECEIVED and c.steps.count() == 1
    for state, note in [
        ("investigating", "调取监控，询问前台"),
        ("rectification", "增加高峰时段前台人手"),
        ("feedback", "已电话告知客户处理结果并致歉"),
        ("closed", "客户表示满意"),
    ]:
        c = services.complaint_advance(
            actor=manager, store=store, complaint=c, to_state=state, note=note
        )
    assert c.state == State.CLOSED and c.closed_at is not None
    steps = list(c.steps.values_list("action", "state_after", "by"))
    assert [s[0] for s in steps] == ["receive", "investigate", "rectify", "feedback", "close"]
    assert all(s[2] == manager.pk for s in steps[1:])
    actions = set(OperationLog.objects.filter(record_id=str(c.pk)).values_list("action", flat=True))
    assert {"investigate", "rectify", "feedback", "close"} <= actions


def test_front_desk_cannot_advance_and_nothing_changes(front_desk, store):
    c = take(front_desk, store)
    with pytest.raises(PermissionDenied):
        services.complaint_advance(
            actor=front_desk, store=store, complaint=c, to_state="investigating", note="x"
        )
    c.refresh_from_db()
    assert c.state == State.RECEIVED and c.steps.count() == 1
    assert UseLog.objects.filter(user=front_desk, outcome="denied", action="advance").exists()


def test_another_stores_manager_cannot_touch_the_case(front_desk, store, other_manager):
    c = take(front_desk, store)
    with pytest.raises(PermissionDenied):
        services.complaint_advance(
            actor=other_manager, store=store, complaint=c, to_state="investigating", note="x"
        )
    c.refresh_from_db()
    assert c.state == State.RECEIVED


def test_a_low_score_opens_a_draft_for_the_manager_in_the_same_transaction(
    front_desk, manager, practitioner, store, client_
):
    item = make_item(actor=manager, store=store)
    record = service_record(
        actor=front_desk, store=store, client=client_, item=item, practitioner=practitioner
    )
    feedback_record(actor=front_desk, store=store, record=record, score=2, comments="太用力了")
    draft = Complaint.objects.get()
    assert draft.state == State.DRAFT and draft.channel == "feedback"
    assert draft.owner == manager and draft.practitioner == practitioner
    assert draft.service == record and draft.client == client_
    assert draft.description == "太用力了"
    # A correction keeps one draft per service.
    feedback_correct(actor=front_desk, store=store, record=record, score=1, reason="客户补充")
    assert Complaint.objects.count() == 1
    services.complaint_accept(actor=manager, store=store, complaint=draft)
    draft.refresh_from_db()
    assert draft.state == State.RECEIVED


def test_a_good_score_opens_nothing_and_a_failed_feedback_leaves_no_draft(
    front_desk, manager, practitioner, store, client_
):
    item = make_item(actor=manager, store=store)
    record = service_record(
        actor=front_desk, store=store, client=client_, item=item, practitioner=practitioner
    )
    feedback_record(actor=front_desk, store=store, record=record, score=4)
    assert not Complaint.objects.exists()


def test_a_draft_is_dismissed_only_with_a_reason(front_desk, manager, practitioner, store, client_):
    item = make_item(actor=manager, store=store)
    record = service_record(
        actor=front_desk, store=store, client=client_, item=item, practitioner=practitioner
    )
    feedback_record(actor=front_desk, store=store, record=record, score=1)
    draft = Complaint.objects.get()
    with pytest.raises(ValidationError):
        services.complaint_dismiss(actor=manager, store=store, complaint=draft, note="")
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    services.complaint_dismiss(actor=manager, store=store, complaint=draft, note="客户误评")
    draft.refresh_from_db()
    assert draft.state == State.DISMISSED


def test_compensation_under_the_limit_is_approved_at_once(front_desk, manager, store):
    c = take(front_desk, store)
    comp = services.compensation_offer(
        actor=manager, store=store, complaint=c, amount="50", form="voucher"
    )
    assert comp.state == CompensationState.APPROVED and comp.amount == Decimal("50.00")
    assert not ChangeRequest.objects.exists()


def test_compensation_over_the_limit_waits_for_a_second_person(
    front_desk, manager, admin_user, store
):
    ComplaintSettings.objects.create(store=store, compensation_limit=Decimal("100"))
    c = take(front_desk, store)
    comp = services.compensation_offer(
        actor=manager, store=store, complaint=c, amount="300.00", form="refund", note="退一次"
    )
    assert comp.state == CompensationState.PENDING
    change = ChangeRequest.objects.get()
    assert change.kind == services.COMPENSATION_KIND and comp.change == change

    from anxin.approvals.selectors import change_rows

    with translation.override("en"):
        target, rows = change_rows(change)
        assert rows == [("Compensation", "waiting for a second person's approval", "approved")]
        assert str(target) == f"300.00 yuan (refund) on complaint {c.reference}"
    with pytest.raises(PermissionDenied):
        change_approve(actor=manager, change=change)  # not the proposer
    change_approve(actor=admin_user, change=change, note="已核对")
    comp.refresh_from_db()
    assert comp.state == CompensationState.APPROVED and comp.approved_by == admin_user
    assert c.steps.filter(action="compensation_ok").exists()
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED


def test_compensation_with_a_bad_amount_is_refused(front_desk, manager, store):
    c = take(front_desk, store)
    for bad in ("-5", "abc", "0"):
        with pytest.raises(ValidationError):
            services.compensation_offer(
                actor=manager, store=store, complaint=c, amount=bad, form="voucher"
            )
    assert not Compensation.objects.exists()


def test_complaints_about_a_practitioner_are_counted(front_desk, manager, practitioner, store):
    take(front_desk, store, subject="practitioner", practitioner=practitioner)
    take(front_desk, store, subject="practitioner", practitioner=practitioner)
    take(front_desk, store)
    assert complaints_about(practitioner, store=store) == 2
    now = timezone.now()
    counts = monthly_complaint_counts(
        store=store, start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1)
    )
    assert counts == {practitioner.pk: 2}


def test_monthly_figures_carry_the_complaint_count(front_desk, practitioner, store):
    from anxin.performance.figures import monthly_figures

    take(front_desk, store, subject="practitioner", practitioner=practitioner)
    rows = {
        r["practitioner_id"]: r for r in monthly_figures(store=store, month=timezone.localdate())
    }
    assert rows[practitioner.pk]["complaints"] == 1


def test_the_practitioner_does_not_see_complaints(practitioner, front_desk, store):
    from django.http import Http404

    from anxin.complaints.selectors import complaint_get

    c = take(front_desk, store)
    with pytest.raises(Http404):
        complaint_get(actor=practitioner, store=store, pk=c.pk)
    assert UseLog.objects.filter(user=practitioner, outcome="denied").exists()


@pytest.mark.req("AUD-5", "PRV-6")
def test_a_clients_complaints_are_in_their_copy_and_anonymised(front_desk, store, client_):
    from anxin.privacy import registry

    c = take(front_desk, store, complainant_kind="client", client=client_, description="按摩太重")
    sections = {s.key: tables for s, tables in registry.export(client_)}
    rows = sections["complaints"][0].rows
    assert rows[0]["reference"] == c.reference and rows[0]["description"] == "按摩太重"
    registry.anonymise([client_])
    c.refresh_from_db()
    assert c.description == registry.ERASED_TEXT and c.steps.get().note == ""
