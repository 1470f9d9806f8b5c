"""Every write service of today logs its change (AUD-1); leavers get a departure audit (SEC-6).

Each service writes exactly one operation-log entry — operator, record, before and after — in
the transaction of the change: a refused change leaves no entry, and an entry that cannot be
written takes the change down with it.
"""

import datetime as dt
import json
import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from anxin.accounts import services as accounts
from anxin.accounts.models import Agreement, RoleAssignment, Store, TrainingRecord, User
from anxin.audit.models import OperationLog, UseLog, UseOutcome
from anxin.audit.services import use_log
from anxin.core.models import Category
from anxin.core.services import category_create, category_update
from anxin.org.services import post_create, post_update

from .helpers import frozen

PASSWORD = "a first password, long enough"


def _last_seq() -> int:
    return OperationLog.objects.aggregate(m=Max("seq"))["m"] or 0


def logged(call):
    """Run ``call``; return its result and the one operation-log entry it wrote."""
    start = _last_seq()
    result = call()
    entries = list(OperationLog.objects.filter(seq__gt=start).order_by("seq"))
    assert len(entries) == 1, [str(e) for e in entries]
    return result, entries[0]


def nothing_logged(call, exception=ValidationError):
    start = _last_seq()
    with pytest.raises(exception):
        call()
    assert not OperationLog.objects.filter(seq__gt=start).exists()


def _raw_log_dump() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_operationlog")
        return json.dumps([list(map(str, row)) for row in cursor.fetchall()], ensure_ascii=False)


@pytest.fixture
def department(db):
    return category_create(actor=None, kind="department", number=1, name="按摩部")


def _onboarded(actor, store, username="xiaoli"):
    return accounts.account_onboard(
        actor=actor,
        username=username,
        full_name="李小丽",
        store=store,
        role_key="front_desk",
        phone="13812345678",
    )


def _ready_to_activate(actor, person):
    accounts.agreement_record(
        actor=actor,
        user=person,
        kind=Agreement.Kind.CONFIDENTIALITY,
        signed_on=dt.date(2026, 3, 1),
        document="档案柜 A-3",
    )
    accounts.training_record(
        actor=actor,
        user=person,
        topic=TrainingRecord.Topic.SECURITY,
        course="信息安全意识培训",
        date=dt.date(2026, 3, 2),
        result=TrainingRecord.Result.PASSED,
    )


# -- one entry per change, with operator, record, before and after ---------------------------


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "COD-3")
def test_category_changes_are_logged(manager):
    category, created = logged(
        lambda: category_create(actor=manager, kind="item", name="足疗", description="足部")
    )
    assert (created.operator, created.action) == (manager, "create")
    assert (created.record_type, created.record_id) == ("core.category", str(category.pk))
    assert created.changes["name"] == {"before": None, "after": "足疗"}
    assert created.changes["number"] == {"before": None, "after": 1}
    _, updated = logged(
        lambda: category_update(
            actor=manager,
            category=Category.objects.get(pk=category.pk),
            name="足疗保健",
            description="足部",
            active=False,
        )
    )
    assert (updated.operator, updated.action, updated.record_id) == (
        manager,
        "update",
        str(category.pk),
    )
    assert updated.changes == {
        "active": {"before": True, "after": False},
        "name": {"before": "足疗", "after": "足疗保健"},
    }


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_post_changes_are_logged_with_their_code(manager, department):
    post, created = logged(
        lambda: post_create(actor=manager, department=department, name="按摩师", headcount=2)
    )
    assert (created.action, created.record_type, created.record_code) == (
        "create",
        "org.post",
        "JG0101",
    )
    assert created.changes["department_id"] == {"before": None, "after": department.pk}
    assert created.changes["headcount"] == {"before": None, "after": 2}
    _, updated = logged(
        lambda: post_update(actor=manager, post=post, name="按摩师", duties="推拿", headcount=3)
    )
    assert updated.operator == manager and updated.record_id == str(post.pk)
    assert updated.changes == {
        "duties": {"before": "", "after": "推拿"},
        "headcount": {"before": 2, "after": 3},
    }


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_stores_users_and_roles_are_logged_and_the_system_is_an_operator(admin_user, store):
    branch, created = logged(
        lambda: accounts.store_create(name="海淀店", short_code="bj02", actor=admin_user)
    )
    assert (created.operator, created.action, created.store) == (admin_user, "create", branch)
    assert created.changes["short_code"] == {"before": None, "after": "BJ02"}

    _, by_system = logged(lambda: accounts.store_create(name="西城店", short_code="BJ03"))
    assert by_system.operator is None

    user, made = logged(
        lambda: accounts.user_create(
            username="wang", password=PASSWORD, phone="13912345678", actor=admin_user
        )
    )
    assert (made.operator, made.action, made.record_type, made.record_id) == (
        admin_user,
        "create",
        "accounts.user",
        str(user.pk),
    )
    assert made.changes["username"] == {"before": None, "after": "wang"}
    assert made.changes["password"] == made.changes["phone"] == {"changed": True}

    _, granted = logged(
        lambda: accounts.role_assign(
            user=user, store=store, role_key="front_desk", actor=admin_user
        )
    )
    assert (granted.action, granted.store, granted.record_id) == ("grant", store, str(user.pk))
    assert granted.changes == {"roles": {"before": [], "after": ["front_desk"]}}
    # Granting what is already held changes nothing, and logs nothing.
    start = _last_seq()
    accounts.role_assign(user=user, store=store, role_key="front_desk", actor=admin_user)
    assert _last_seq() == start
    dump = _raw_log_dump()
    assert "13912345678" not in dump and user.password not in dump


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-6")
def test_onboarding_is_one_entry_with_the_role_and_no_phone_number(admin_user, store):
    person, entry = logged(lambda: _onboarded(admin_user, store))
    assert (entry.operator, entry.action, entry.record_id, entry.store) == (
        admin_user,
        "onboard",
        str(person.pk),
        store,
    )
    assert entry.changes["is_active"] == {"before": None, "after": False}
    assert entry.changes["roles"] == {"before": None, "after": ["front_desk"]}
    assert entry.changes["phone"] == {"changed": True}
    assert "13812345678" not in _raw_log_dump()


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-6", "AUD-7")
def test_agreements_and_training_are_logged(admin_user, store):
    person = _onboarded(admin_user, store)
    agreement, signed = logged(
        lambda: accounts.agreement_record(
            actor=admin_user,
            user=person,
            kind=Agreement.Kind.CONFIDENTIALITY,
            signed_on=dt.date(2026, 3, 1),
            document="档案柜 A-3",
        )
    )
    assert (signed.operator, signed.action, signed.record_type, signed.record_id) == (
        admin_user,
        "create",
        "accounts.agreement",
        str(agreement.pk),
    )
    assert signed.changes["signed_on"] == {"before": None, "after": "2026-03-01"}
    assert signed.changes["user"] == {"before": None, "after": person.pk}
    training, trained = logged(
        lambda: accounts.training_record(
            actor=admin_user,
            user=person,
            topic=TrainingRecord.Topic.SECURITY,
            course="信息安全意识培训",
            date=dt.date(2026, 3, 2),
            result=TrainingRecord.Result.PASSED,
        )
    )
    assert (trained.action, trained.record_type, trained.record_id) == (
        "create",
        "accounts.trainingrecord",
        str(training.pk),
    )
    assert trained.changes["result"] == {"before": None, "after": "passed"}


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-6", "SEC-7")
def test_activation_is_logged_and_the_password_never_is(admin_user, store):
    person = _onboarded(admin_user, store)
    _ready_to_activate(admin_user, person)
    person, entry = logged(
        lambda: accounts.account_activate(actor=admin_user, user=person, password=PASSWORD)
    )
    assert (entry.operator, entry.action, entry.record_id) == (
        admin_user,
        "activate",
        str(person.pk),
    )
    assert entry.changes == {
        "is_active": {"before": False, "after": True},
        "password": {"changed": True},
    }
    dump = _raw_log_dump()
    assert PASSWORD not in dump and person.password not in dump
    assert person.password.split("$")[-1] not in dump  # not even the hash's digest


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-6")
def test_a_change_of_post_is_one_entry_with_the_roles_before_and_after(
    admin_user, front_desk, store
):
    _, entry = logged(
        lambda: accounts.post_change(
            actor=admin_user, user=front_desk, store=store, role_keys=["practitioner", "finance"]
        )
    )
    assert (entry.operator, entry.action, entry.record_id, entry.store) == (
        admin_user,
        "post_change",
        str(front_desk.pk),
        store,
    )
    assert entry.changes == {
        "roles": {"before": ["front_desk"], "after": ["finance", "practitioner"]}
    }


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-6")
def test_leaving_is_one_entry_saying_all_access_ended(admin_user, front_desk, store):
    old_password = User.objects.get(pk=front_desk.pk).password
    result, entry = logged(lambda: accounts.account_offboard(actor=admin_user, user=front_desk))
    assert (entry.operator, entry.action, entry.record_id) == (
        admin_user,
        "offboard",
        str(front_desk.pk),
    )
    assert entry.changes["is_active"] == {"before": True, "after": False}
    assert entry.changes["roles"] == {"before": ["BJ01:front_desk"], "after": []}
    assert entry.changes["password"] == {"changed": True}
    assert entry.changes["offboarded_at"]["before"] is None
    assert old_password not in _raw_log_dump()
    assert result["departure_report"] == []


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-8")
@pytest.mark.parametrize("keep", [True, False])
def test_a_permission_review_decision_is_logged(manager, front_desk, store, keep):
    assignment = RoleAssignment.objects.get(user=front_desk, store=store)
    review, entry = logged(
        lambda: accounts.permission_review_decide(
            actor=manager, assignment=assignment, keep=keep, note="季度复核"
        )
    )
    assert (entry.operator, entry.action, entry.record_id, entry.store) == (
        manager,
        "review",
        str(front_desk.pk),
        store,
    )
    assert entry.reason == "季度复核"
    assert entry.changes["decision"]["after"] == {
        "role": "front_desk",
        "kept": keep,
        "review": review.pk,
    }
    if keep:
        assert "roles" not in entry.changes
    else:
        assert entry.changes["roles"] == {"before": ["front_desk"], "after": []}


# -- the same transaction: no change without its entry, no entry without its change ----------


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_refused_changes_leave_no_entry(admin_user, manager, front_desk, store, department):
    category = category_create(actor=manager, kind="item", name="足疗")
    post = post_create(actor=manager, department=department, name="按摩师")
    person = _onboarded(admin_user, store)
    assignment = RoleAssignment.objects.get(user=manager, store=store)

    nothing_logged(lambda: category_create(actor=manager, kind="item", name="足疗"))
    nothing_logged(
        lambda: category_update(
            actor=manager, category=category, name="", description="", active=True
        )
    )
    nothing_logged(
        lambda: post_update(actor=manager, post=post, name="按摩师", duties="", headcount=-1)
    )
    nothing_logged(lambda: accounts.store_create(name="朝阳店", short_code="BJ09"))
    nothing_logged(lambda: accounts.user_create(username="frontdesk", password=None))
    nothing_logged(
        lambda: accounts.role_assign(user=person, store=store, role_key="nobody"),
        exception=Exception,
    )
    nothing_logged(lambda: _onboarded(admin_user, store, username="xiaoli"))
    nothing_logged(
        lambda: accounts.agreement_record(
            actor=admin_user, user=person, kind="oath", signed_on=dt.date(2026, 3, 1), document=""
        )
    )
    nothing_logged(
        lambda: accounts.training_record(
            actor=admin_user, user=person, topic="x", course="", date=None, result="passed"
        )
    )
    # Not yet allowed: no agreement, no training.
    nothing_logged(
        lambda: accounts.account_activate(actor=admin_user, user=person, password=PASSWORD)
    )
    nothing_logged(
        lambda: accounts.post_change(
            actor=admin_user, user=front_desk, store=store, role_keys=["nobody"]
        )
    )
    nothing_logged(
        lambda: accounts.permission_review_decide(actor=manager, assignment=assignment, keep=False)
    )
    person.refresh_from_db()
    assert not person.is_active
    assert RoleAssignment.objects.get(pk=assignment.pk).active


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_a_change_whose_entry_cannot_be_written_is_not_made(admin_user, front_desk, store):
    """The entry is written inside the change's transaction: if it fails, nothing commits.

    (Inside the test's own transaction each service's block is a savepoint; rolling it back
    is what a real rollback does, without flushing the roles the migrations installed.)
    """
    person = _onboarded(admin_user, store)
    _ready_to_activate(admin_user, person)
    broken = mock.patch("anxin.audit.chain.append_many", side_effect=RuntimeError("disk full"))
    with broken, pytest.raises(RuntimeError):
        category_create(actor=admin_user, kind="item", name="足疗")
    with broken, pytest.raises(RuntimeError):
        accounts.store_create(name="海淀店", short_code="BJ02")
    with broken, pytest.raises(RuntimeError):
        accounts.account_activate(actor=admin_user, user=person, password=PASSWORD)
    with broken, pytest.raises(RuntimeError):
        accounts.post_change(
            actor=admin_user, user=front_desk, store=store, role_keys=["practitioner"]
        )
    with broken, pytest.raises(RuntimeError):
        accounts.account_offboard(actor=admin_user, user=front_desk)
    assert not Category.objects.filter(name="足疗").exists()
    assert not Store.objects.filter(short_code="BJ02").exists()
    person.refresh_from_db()
    front_desk.refresh_from_db()
    assert not person.is_active and not person.has_usable_password()
    assert front_desk.is_active and front_desk.offboarded_at is None
    assert [r.key for r in front_desk.roles_in(store)] == ["front_desk"]


# -- the departure audit (SEC-6) -------------------------------------------------------------


def _reads_of(practitioner, practitioner_b, store, now):
    """A leaver's reads: two recent records, one read long ago; and a colleague's read."""
    with frozen(now - dt.timedelta(days=120)):
        use_log(actor=practitioner, action="view", record_type="clients.client", record_id="1")
    with frozen(now - dt.timedelta(days=91)):
        use_log(actor=practitioner, action="view", record_type="clients.client", record_id="2")
    with frozen(now - dt.timedelta(days=30)):
        use_log(actor=practitioner, action="view", record_type="clients.client", record_id="2")
    with frozen(now - dt.timedelta(days=20)):
        use_log(
            actor=practitioner,
            action="reveal",
            record_type="clients.client",
            record_id="2",
            purpose="回访",
            store=store,
        )
    with frozen(now - dt.timedelta(days=5)):
        use_log(
            actor=practitioner,
            action="view_health",
            record_type="clients.client",
            record_id="3",
            store=store,
        )
        use_log(
            actor=practitioner,
            action="view",
            record_type="audit.uselog",
            outcome=UseOutcome.DENIED,
            store=store,
        )
    with frozen(now - dt.timedelta(days=1)):
        use_log(actor=practitioner_b, action="view", record_type="clients.client", record_id="4")


@pytest.mark.django_db
@pytest.mark.req("SEC-6", "PRV-2")
def test_the_departure_report_lists_what_the_leaver_used_in_the_last_90_days(
    admin_user, practitioner, practitioner_b, store
):
    now = timezone.now()
    _reads_of(practitioner, practitioner_b, store, now)
    result = accounts.account_offboard(actor=admin_user, user=practitioner)
    report = result["departure_report"]
    assert [(r["record_type"], r["record"]) for r in report] == [
        ("audit.uselog", ""),
        ("clients.client", "3"),
        ("clients.client", "2"),
    ]
    denied, health, revealed = report
    assert (denied["uses"], denied["denied"]) == (1, 1)
    assert (health["uses"], health["actions"]) == (1, ["view_health"])
    # Two uses of client 2 in the period; the read 91 days ago is outside it.
    assert (revealed["uses"], revealed["denied"], revealed["actions"]) == (2, 0, ["reveal", "view"])
    assert abs(revealed["last"] - (now - dt.timedelta(days=20))) < dt.timedelta(seconds=1)
    # Producing the report is a use of the leaver's record, by whoever produced it.
    reading = UseLog.objects.filter(action="report").get()
    assert (reading.user, reading.record_type, reading.record_id, reading.count) == (
        admin_user,
        "accounts.user",
        str(practitioner.pk),
        3,
    )


@pytest.mark.django_db
@pytest.mark.req("SEC-6")
def test_the_period_ends_when_the_person_left(admin_user, practitioner, practitioner_b, store):
    now = timezone.now()
    _reads_of(practitioner, practitioner_b, store, now)
    accounts.account_offboard(actor=admin_user, user=practitioner)
    practitioner.refresh_from_db()
    with frozen(now + dt.timedelta(days=60)):
        later = accounts.departure_report(user=practitioner, actor=admin_user)
    assert [r["record"] for r in later] == ["", "3", "2"]
    assert [r["record"] for r in accounts.departure_report(user=practitioner, days=10)] == [
        "",
        "3",
    ]


@pytest.mark.django_db
@pytest.mark.req("SEC-6")
def test_the_offboard_command_prints_the_departure_audit(
    practitioner, practitioner_b, store, capsys
):
    _reads_of(practitioner, practitioner_b, store, timezone.now())
    call_command("accounts", "offboard", "practitioner_a", "--yes")
    out = capsys.readouterr().out
    assert "Departure audit (last 90 days): 3 record(s) accessed" in out
    assert "clients.client 2: 2 use(s)," in out
    assert "audit.uselog -: 1 use(s) (1 refused)," in out
    assert "clients.client 1:" not in out and "clients.client 4:" not in out
    assert UseLog.objects.get(action="report").user is None  # the system produced it


@pytest.mark.django_db
@pytest.mark.req("SEC-6", "PRV-2")
def test_the_person_page_shows_the_departure_audit_of_someone_who_left(
    client, login, admin_user, practitioner, practitioner_b, store
):
    _reads_of(practitioner, practitioner_b, store, timezone.now())
    login(client, admin_user)
    url = f"/accounts/people/{practitioner.pk}/"
    assert 'id="departure-h"' not in client.get(url).content.decode()  # still here
    assert not UseLog.objects.filter(action="report").exists()
    accounts.account_offboard(actor=admin_user, user=practitioner)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    section = body[body.index('id="departure-h"') :]
    table = section[: section.index("</table>")]
    assert "<caption>" in table
    rows = [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1])
    ]
    assert [row[:4] for row in rows] == [
        ["audit.uselog", "—", "1", "1"],
        ["clients.client", "3", "1", "0"],
        ["clients.client", "2", "2", "0"],
    ]
    reading = UseLog.objects.filter(action="report").first()  # the newest
    assert (reading.user, reading.record_id, reading.ip) == (
        admin_user,
        str(practitioner.pk),
        "127.0.0.1",
    )
    assert UseLog.objects.filter(action="report", user=admin_user).count() == 2
