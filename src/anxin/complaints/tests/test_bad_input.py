"""Issue 14's bad input on the complaints side (AUD-5), one test each: a complaint without a
description, an unsealing without a reason, an unsealing without a second person's approval.
Each: a clear message, nothing changed, refused attempts in the use log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from anxin.accounts.models import Role
from anxin.accounts.permissions import APPROVE_CHANGES, UNSEAL_REPORTER
from anxin.approvals.models import ChangeRequest
from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.complaints import services, whistle
from anxin.complaints.models import Complaint, ComplaintStep

pytestmark = pytest.mark.req("AUD-5")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def custodian(store, make_persona):
    Role.objects.create(key="custodian", name="保管人", permissions=[UNSEAL_REPORTER])
    return make_persona("custodian", store, "custodian")


@pytest.fixture
def report(front_desk, practitioner, store):
    made, _secret = whistle.report_file(actor=front_desk, store=store, description="拍客户名单",
                                        named=True, reported_person=practitioner)  # fmt: skip
    return made


def test_a_complaint_without_a_description(client, login, front_desk, store):
    logged = OperationLog.objects.count()
    for blank in ("", "   \n "):
        with pytest.raises(ValidationError) as exc:
            services.complaint_take(actor=front_desk, store=store, channel="front_desk",
                                    complainant_kind="anonymous", subject="service",
                                    description=blank)  # fmt: skip
        assert exc.value.message_dict == {"description": ["Describe what the complaint is about."]}
    login(client, front_desk)
    page = client.post("/complaints/new/", {"channel": "front_desk", "complainant_kind":
                       "anonymous", "subject": "service", "description": " "},
                       HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert page.status_code == 400
    assert not Complaint.objects.exists() and not ComplaintStep.objects.exists()
    assert OperationLog.objects.count() == logged


def test_an_unsealing_without_a_reason(client, login, report, custodian, store):
    with pytest.raises(ValidationError) as exc:
        whistle.unseal_propose(actor=custodian, store=store, report=report, reason=" ")
    assert exc.value.message_dict == {"reason": ["State why the identity must be unsealed."]}
    login(client, custodian)
    page = client.post(f"/complaints/reports/{report.pk}/",
                       {"form": "unseal", "unseal-reason": ""}, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert page.status_code == 400
    report.refresh_from_db()
    assert report.unsealed_at is None and not ChangeRequest.objects.exists()


def test_an_unsealing_without_a_second_persons_approval(report, custodian, store):
    change = whistle.unseal_propose(actor=custodian, store=store, report=report, reason="法院调查")
    # Not yet approved: reading is refused and logged.
    with pytest.raises(PermissionDenied):
        whistle.identity_for(actor=custodian, store=store, report=report)
    assert UseLog.objects.filter(user=custodian, action="reveal_reporter",
                                 outcome="denied").count() == 1  # fmt: skip
    # The custodian cannot be their own second person.
    custodian_role = Role.objects.get(key="custodian")
    custodian_role.permissions = [*custodian_role.permissions, APPROVE_CHANGES]
    custodian_role.save(update_fields=["permissions"])
    with pytest.raises(PermissionDenied) as exc:
        change_approve(actor=custodian, change=change)
    assert "someone else must" in str(exc.value)
    assert UseLog.objects.filter(user=custodian, outcome="denied", action="approve").exists()
    report.refresh_from_db()
    change.refresh_from_db()
    assert report.unsealed_at is None and change.state == "pending"
