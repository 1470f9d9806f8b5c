"""Staff files (STF-1, STF-2, COD-MS): registration at hiring, encrypted pay seen by HR,
finance and the person only, agreements on the account, skills and trainings approved by a
manager."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from anxin.accounts.models import Agreement, TrainingRecord
from anxin.approvals.models import ChangeRequest, ChangeState
from anxin.approvals.services import change_approve
from anxin.audit.models import OperationLog, UseLog
from anxin.crypto.testing import assert_not_in_database_bytes
from anxin.staff import selectors, services
from anxin.staff.models import Skill, StaffMember

from .factories import hr_persona, staff_file

PAY = "4876.50"
CARD = "6222020200112233445"


@pytest.fixture
def hr(store):
    return hr_persona(store)


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("STF-1", "COD-MS", "STO-3")
def test_hr_registers_a_practitioner_with_an_ms_code_by_hire_month_and_encrypted_pay(
    hr, store, practitioner
):
    member = staff_file(actor=hr, store=store, user=practitioner, base_pay=PAY)
    other = staff_file(actor=hr, store=store, name="李强", hire_date=dt.date(2023, 6, 30))
    clerk = staff_file(actor=hr, store=store, kind="staff", name="赵敏", post="前台接待")
    assert member.code == "MS23060001" and other.code == "MS23060002"
    assert clerk.code is None  # other staff have no MS code
    stored = StaffMember.objects.get(pk=member.pk)
    assert stored.base_pay == PAY and stored.bank_card == CARD
    assert_not_in_database_bytes(PAY, CARD, "110101199003071234")
    entry = OperationLog.objects.filter(record_type="staff.staffmember", action="create").first()
    assert entry.changes["base_pay"] == {"changed": True}
    assert entry.changes["certificate_number"]["after"] == "MA2019-0456"


@pytest.mark.django_db
@pytest.mark.req("STF-1", "PLT-4")
def test_bad_registration_changes_nothing(hr, store):
    with pytest.raises(ValidationError) as exc:
        staff_file(actor=hr, store=store, base_pay="a lot")
    assert "base_pay" in exc.value.message_dict
    with pytest.raises(ValidationError):
        staff_file(actor=hr, store=store, name="")
    assert not StaffMember.objects.exists()
    # a failed creation gives its serial back
    assert staff_file(actor=hr, store=store).code == "MS23060001"


@pytest.mark.django_db
@pytest.mark.req("STF-1", "SEC-3")
def test_front_desk_cannot_register_and_nothing_is_written(front_desk, store):
    with pytest.raises(PermissionDenied):
        staff_file(actor=front_desk, store=store)
    assert not StaffMember.objects.exists()
    assert UseLog.objects.filter(user=front_desk, outcome="denied", action="create").exists()


@pytest.mark.django_db
@pytest.mark.req("STF-1", "SEC-3")
def test_pay_is_for_hr_finance_and_the_person_only(
    hr, store, practitioner, practitioner_b, finance, manager
):
    mine = staff_file(actor=hr, store=store, user=practitioner, base_pay=PAY)
    theirs = staff_file(actor=hr, store=store, user=practitioner_b, name="李强")
    for who in (hr, finance):
        view = selectors.staff_view(actor=who, store=store, member=mine)
        assert view["pay"]["base_pay"] == PAY
        assert view["pay"]["bank_card"] != CARD  # the card stays masked
    own = selectors.staff_view(actor=practitioner, store=store, member=mine)
    assert own["pay"]["base_pay"] == PAY
    # the manager sees the file but not the pay
    assert "pay" not in selectors.staff_view(actor=manager, store=store, member=mine)
    assert UseLog.objects.filter(action="view_pay", user=finance).count() == 1
    # another practitioner's file (and so its pay) is not found, and the attempt is logged
    with pytest.raises(Http404):
        selectors.staff_get(actor=practitioner, store=store, pk=theirs.pk)
    assert UseLog.objects.filter(
        user=practitioner, outcome="denied", record_id=str(theirs.pk)
    ).exists()
    assert list(selectors.staff_list(actor=practitioner, store=store)) == [mine]


@pytest.mark.django_db
@pytest.mark.req("STF-1", "SEC-3")
def test_other_store_sees_nothing(hr, store, other_manager, other_store):
    member = staff_file(actor=hr, store=store)
    with pytest.raises(Http404):
        selectors.staff_get(actor=other_manager, store=other_store, pk=member.pk)
    assert not selectors.staff_list(actor=other_manager, store=other_store).exists()


@pytest.mark.django_db
@pytest.mark.req("STF-1", "SEC-6")
def test_agreements_recorded_from_the_staff_file_open_the_account(hr, store, admin_user):
    from anxin.accounts.services import account_activate, account_onboard, activation_missing

    newcomer = account_onboard(
        actor=admin_user, username="newcomer", full_name="新同事", store=store,
        role_key="practitioner",
    )  # fmt: skip
    member = staff_file(actor=hr, store=store, user=newcomer)
    for kind in (Agreement.Kind.TRUTHFULNESS, Agreement.Kind.CONFIDENTIALITY):
        services.staff_agreement_record(
            actor=hr, store=store, pk=member.pk, kind=kind, signed_on=dt.date(2023, 6, 12),
            document="人事档案柜A-12",
        )  # fmt: skip
    services.staff_training_record(
        actor=hr, store=store, pk=member.pk, topic=TrainingRecord.Topic.SECURITY,
        course="信息安全入职培训", date=dt.date(2023, 6, 13), result=TrainingRecord.Result.PASSED,
    )  # fmt: skip
    assert set(newcomer.agreements.values_list("kind", flat=True)) == {
        "truthfulness",
        "confidentiality",
    }
    assert activation_missing(newcomer) == []
    account_activate(actor=admin_user, user=newcomer, password="a long enough passphrase 42")
    newcomer.refresh_from_db()
    assert newcomer.is_active


@pytest.mark.django_db
@pytest.mark.req("STF-1", "PLT-4")
def test_agreement_without_an_account_is_a_clear_error(hr, store):
    member = staff_file(actor=hr, store=store)
    with pytest.raises(ValidationError) as exc:
        services.staff_agreement_record(
            actor=hr, store=store, pk=member.pk, kind="truthfulness",
            signed_on=dt.date(2023, 6, 12), document="A-1",
        )  # fmt: skip
    assert "no account" in exc.value.messages[0]
    assert not Agreement.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("STF-2")
def test_practitioner_proposes_a_skill_and_a_manager_approves_it(hr, store, practitioner, manager):
    member = staff_file(actor=hr, store=store, user=practitioner)
    change = services.skill_propose(
        actor=practitioner, store=store, pk=member.pk, technique="推拿", body_areas="腰背, 颈肩",
        level="qualified", reason="参加了推拿进修班",
    )  # fmt: skip
    assert not Skill.objects.exists()  # nothing until approved
    change_approve(actor=manager, change=change, note="证书已核对")
    skill = Skill.objects.get()
    assert (skill.member, skill.technique, skill.body_areas) == (member, "推拿", "腰背, 颈肩")
    assert OperationLog.objects.filter(record_type="staff.skill", action="create").exists()


@pytest.mark.django_db
@pytest.mark.req("STF-2")
def test_practitioner_proposes_a_training_and_a_manager_approves_it(
    hr, store, practitioner, manager
):
    member = staff_file(actor=hr, store=store, user=practitioner)
    change = services.training_propose(
        actor=practitioner, store=store, pk=member.pk, course="足部反射区进阶",
        date=dt.date(2024, 3, 2), result="passed", reason="证书在人事部",
    )  # fmt: skip
    assert not TrainingRecord.objects.exists()
    change_approve(actor=manager, change=change)
    record = TrainingRecord.objects.get()
    assert (record.user, record.topic, record.course) == (practitioner, "skill", "足部反射区进阶")


@pytest.mark.django_db
@pytest.mark.req("STF-2", "SEC-5")
def test_nobody_approves_their_own_proposal_or_proposes_for_someone_else(
    hr, store, practitioner, practitioner_b, manager
):
    member = staff_file(actor=hr, store=store, user=practitioner)
    staff_file(actor=hr, store=store, user=practitioner_b, name="李强")
    # B cannot even find A's file to propose on it
    with pytest.raises(Http404):
        services.skill_propose(
            actor=practitioner_b, store=store, pk=member.pk, technique="刮痧", level="expert",
            reason="x",
        )  # fmt: skip
    change = services.skill_propose(
        actor=practitioner, store=store, pk=member.pk, technique="刮痧", level="learning",
        reason="在学",
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        change_approve(actor=practitioner, change=change)
    with pytest.raises(PermissionDenied):
        change_approve(actor=practitioner_b, change=change)
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING and not Skill.objects.exists()
    assert ChangeRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("STF-2", "PLT-4")
def test_bad_skill_proposals_are_refused(hr, store, practitioner):
    member = staff_file(actor=hr, store=store, user=practitioner)
    for payload in (
        {"technique": "", "level": "expert"},
        {"technique": "推拿", "level": "grand master"},
    ):
        with pytest.raises(ValidationError):
            services.skill_propose(
                actor=practitioner, store=store, pk=member.pk, reason="r", **payload
            )
    with pytest.raises(ValidationError):
        services.training_propose(
            actor=practitioner, store=store, pk=member.pk, course="未来课程",
            date=timezone.localdate() + dt.timedelta(days=30), result="passed", reason="r",
        )  # fmt: skip
    assert not ChangeRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("STF-1")
def test_an_account_has_one_staff_file_and_must_work_in_the_store(
    hr, store, practitioner, other_manager
):
    staff_file(actor=hr, store=store, user=practitioner)
    with pytest.raises(ValidationError):
        staff_file(actor=hr, store=store, user=practitioner, name="重复")
    with pytest.raises(ValidationError):
        staff_file(actor=hr, store=store, user=other_manager, name="别店")
    assert StaffMember.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("STF-1", "AUD-1")
def test_hr_changes_a_file_and_the_change_is_logged_without_pay_values(hr, store, finance):
    member = staff_file(actor=hr, store=store)
    services.staff_update(actor=hr, store=store, pk=member.pk, base_pay="5200", post="高级技师")
    member.refresh_from_db()
    assert member.base_pay == "5200.00" and member.post == "高级技师"
    entry = OperationLog.objects.filter(action="update", record_type="staff.staffmember").get()
    assert entry.changes["base_pay"] == {"changed": True}
    assert entry.changes["post"] == {"before": "", "after": "高级技师"}
    # finance sees pay but cannot change it
    with pytest.raises(Http404):
        services.staff_update(actor=finance, store=store, pk=member.pk, base_pay="9999")
    member.refresh_from_db()
    assert member.base_pay == "5200.00"
