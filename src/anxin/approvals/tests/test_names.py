"""Issue 12: the approval pages name people by their names (the staff file's, else the
account's full name), never by the account's username (UX-1)."""

import datetime as dt

import pytest
from django.utils import translation

from anxin.approvals.kinds import ROLE_GRANT
from anxin.approvals.services import change_propose, change_reject
from anxin.staff.models import StaffMember

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-5", "UX-1")]


def named(user, full_name, store=None, staff_name=None):
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    if staff_name:
        StaffMember.objects.create(
            store=store, user=user, name=staff_name, hire_date=dt.date(2024, 1, 1), kind="staff"
        )
    return user


@pytest.fixture
def people(admin_user, manager, front_desk, practitioner, store):
    named(admin_user, "赵管理")
    named(manager, "钱店长", store, staff_name="钱店长")
    named(front_desk, "孙前台")
    named(practitioner, "李账户名", store, staff_name="李技师")  # the staff file wins
    waiting = change_propose(
        actor=admin_user, store=store, kind=ROLE_GRANT, target=front_desk,
        payload={"role": "finance"}, reason="兼任收银",
    )  # fmt: skip
    rejected = change_propose(
        actor=admin_user, store=store, kind=ROLE_GRANT, target=practitioner,
        payload={"role": "marketing"}, reason="协助活动",
    )  # fmt: skip
    change_reject(actor=manager, change=rejected, note="不需要")
    return waiting, rejected


USERNAMES = ("admin", "manager", "frontdesk", "practitioner_a")


def visible_text(body: str) -> str:
    """The page's main content, without attributes (usernames may appear in none anyway)."""
    return body[body.index("<main") : body.index("</main>")]


def test_the_inbox_names_who_proposed_who_decided_and_whom_it_is_about(
    client, login, manager, people
):
    login(client, manager)
    with translation.override("en"):
        main = visible_text(client.get("/approvals/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "赵管理" in main and "钱店长" in main and "孙前台" in main and "李技师" in main
    assert "李账户名" not in main
    for username in USERNAMES:
        assert f">{username}<" not in main and f"({username})" not in main, username


def test_the_change_page_names_the_proposer_the_decider_and_the_person(
    client, login, manager, people
):
    _waiting, rejected = people
    login(client, manager)
    main = visible_text(client.get(f"/approvals/{rejected.pk}/").content.decode())
    assert "赵管理" in main and "钱店长" in main and "李技师" in main
    for username in USERNAMES:
        assert f">{username}<" not in main and f"{username}," not in main, username
