"""Issue 11: pages that name every person of a store (the permission review, the role-grant
form's accounts) read their staff files with them: the same queries however many people."""

import datetime as dt

import pytest

from anxin.core.testing import assert_constant_queries
from anxin.staff.models import StaffKind, StaffMember


@pytest.fixture
def people(store, make_persona):
    """``add(n)``: n more practitioners of the store, each with a staff file."""

    def add(n):
        done = StaffMember.objects.count()
        for i in range(done, done + n):
            user = make_persona(f"ms{i:03d}", store, "practitioner")
            StaffMember.objects.create(
                store=store, user=user, kind=StaffKind.PRACTITIONER, name=f"技师{i}",
                code=f"MS{i:06d}", hire_date=dt.date(2024, 1, 1), id_number="110101199001011234",
            )  # fmt: skip

    return add


@pytest.mark.django_db
@pytest.mark.req("SEC-8")
@pytest.mark.parametrize("path", ["/accounts/review/", "/approvals/role-grant/new/"])
def test_pages_naming_everyone_take_the_same_queries(client, login, admin_user, people, path):
    login(client, admin_user)
    people(1)
    response = client.get(path)
    assert response.status_code == 200 and "技师0" in response.content.decode()
    assert_constant_queries(lambda: client.get(path), people, rows=2)


@pytest.mark.django_db
@pytest.mark.req("SEC-8")
@pytest.mark.parametrize(
    "path, role",
    [
        ("/complaints/new/", "front_desk"),
        ("/complaints/reports/new/", "front_desk"),
        ("/privacy/incidents/new/", "information_officer"),
        ("/privacy/disclosures/new/", "information_officer"),
        ("/supervision/audits/new/", "auditor"),
        ("/till/", "front_desk"),
    ],
)
def test_forms_choosing_a_person_take_the_same_queries(
    client, login, store, make_persona, people, path, role
):
    """Their person fields list the store's people with their staff files (and, for an
    audit's auditor, only those who may run audits) in one query each: 80–224 queries at a
    store's 71 people before."""
    login(client, make_persona("chooser", store, role))
    people(1)
    page = client.get(path).content.decode()
    if role == "auditor":  # practitioners do not run audits; the auditor does
        assert "技师0" not in page and "chooser" in page
    else:
        assert "技师0" in page
    assert_constant_queries(lambda: client.get(path), people, rows=2)
