"""Issue 14's bad input on the supervision side, one test each: a rectification past its
deadline closed without evidence (AUD-4), a reward rule on an unknown KPI and an appeal by
someone other than the person (AUD-6). Each: a clear message, nothing changed, and a refused
attempt in the use log."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from anxin.audit.models import OperationLog, UseLog
from anxin.supervision import services
from anxin.supervision.models import FindingState, KpiRule, Sanction, SanctionState

pytestmark = pytest.mark.django_db
MONTH = timezone.localdate().replace(day=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.req("AUD-4")
def test_closing_an_overdue_rectification_without_evidence(plan, auditor, manager):
    deadline = timezone.localdate() - dt.timedelta(days=2)
    finding = services.finding_create(actor=auditor, plan=plan, title="离职账号未停用",
                                      severity="high", owner=manager,
                                      deadline=timezone.localdate())  # fmt: skip
    type(finding).objects.filter(pk=finding.pk).update(deadline=deadline)
    finding.refresh_from_db()
    logged = OperationLog.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.finding_close(actor=auditor, finding=finding, note="先关闭")
    assert exc.value.messages == [
        f"This finding is past its deadline ({deadline:%Y-%m-%d}) and has no evidence of "
        "rectification: it cannot be closed. Ask the owner for the evidence first."
    ]
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN and finding.closed_at is None
    assert finding.closed_by is None and "先关闭" not in finding.verification
    assert OperationLog.objects.count() == logged
    refused = UseLog.objects.get(user=auditor, outcome="denied", action="close")
    assert (refused.record_type, refused.record_id) == ("supervision.finding", str(finding.pk))
    # With the owner's evidence the same close goes through.
    services.finding_rectify(actor=manager, finding=finding, rectification="已停用账号",
                             evidence="账号停用截图")  # fmt: skip
    closed = services.finding_close(actor=auditor, finding=finding, note="证据已核对")
    assert closed.state == FindingState.CLOSED


@pytest.mark.req("AUD-6")
def test_a_reward_rule_on_an_unknown_kpi(store, manager):
    with pytest.raises(ValidationError) as exc:
        services.rule_write(actor=manager, store=store, name="满意奖", kpi="happiness",
                            comparison="gte", threshold="90", kind="reward", amount="50")  # fmt: skip
    message = exc.value.message_dict["kpi"][0]
    assert message.startswith("There is no KPI called “happiness”. The KPIs are:")
    assert "Entered on time (%)" in message  # the known KPIs named as people read them
    assert not KpiRule.objects.exists()
    assert not OperationLog.objects.filter(record_type="supervision.kpirule").exists()


@pytest.mark.req("AUD-6")
def test_an_appeal_by_someone_other_than_the_person(store, manager, practitioner, practitioner_b,
                                                     files):  # fmt: skip
    rule = services.rule_publish(
        actor=manager,
        rule=services.rule_write(actor=manager, store=store, name="培训未完成", kpi="training_missing",
                                 comparison="gte", threshold="1", kind="penalty", amount="50"),
    )  # fmt: skip
    sanction = Sanction.objects.create(store=store, user=practitioner, month=MONTH, rule=rule,
                                       kind="penalty", amount=50, value=1,
                                       proposed_at=timezone.now())  # fmt: skip
    sanction = services.sanction_confirm(actor=manager, sanction=sanction)
    logged = OperationLog.objects.count()
    for other in (practitioner_b, manager):
        with pytest.raises(PermissionDenied):
            services.sanction_appeal(actor=other, sanction=sanction, comment="替他申诉")
        refused = UseLog.objects.get(user=other, outcome="denied", action="appeal")
        assert refused.record_id == str(sanction.pk)
    sanction.refresh_from_db()
    assert sanction.state == SanctionState.CONFIRMED
    assert sanction.appeal == "" and sanction.appealed_at is None
    assert OperationLog.objects.count() == logged


@pytest.mark.req("AUD-6")
def test_an_appeal_by_someone_else_through_the_page_is_not_found_and_logged(
    client, login, store, manager, practitioner, practitioner_b, files
):
    rule = services.rule_publish(
        actor=manager,
        rule=services.rule_write(actor=manager, store=store, name="培训未完成", kpi="training_missing",
                                 comparison="gte", threshold="1", kind="penalty", amount="50"),
    )  # fmt: skip
    sanction = Sanction.objects.create(store=store, user=practitioner, month=MONTH, rule=rule,
                                       kind="penalty", amount=50, value=1,
                                       proposed_at=timezone.now())  # fmt: skip
    services.sanction_confirm(actor=manager, sanction=sanction)
    login(client, practitioner_b)
    response = client.post(
        f"/supervision/sanctions/{sanction.pk}/appeal/", {"comment": "替他申诉"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    # Not theirs to see: as if it did not exist (the 404 page), and the attempt is on record.
    assert response.status_code == 404
    assert UseLog.objects.filter(user=practitioner_b, outcome="denied").exists()
    sanction.refresh_from_db()
    assert sanction.state == SanctionState.CONFIRMED and sanction.appeal == ""
