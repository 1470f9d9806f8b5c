"""Issue 11: a form choosing among a store's people writes their names from one query of the
name columns — the names ``person_name`` gives, without building an account or a staff file
per person (three such fields took 60–100 ms of a store's 70 people)."""

import datetime as dt
from unittest import mock

import pytest

from anxin.accounts.models import User
from anxin.accounts.names import people_choices, person_name, store_people
from anxin.core.testing import assert_constant_queries
from anxin.staff.models import StaffKind, StaffMember


def _staff(store, user, name, code):
    StaffMember.objects.create(
        store=store, user=user, kind=StaffKind.PRACTITIONER, name=name, code=code,
        hire_date=dt.date(2024, 1, 1), id_number="110101199001011234",
    )  # fmt: skip


@pytest.mark.django_db
def test_the_choices_are_the_names_person_name_gives(store, make_persona):
    """A staff file's name; two of one name told apart by their staff codes; an account
    without a staff file by its full name, then its family and given names, then its
    username; in the people's order."""
    _staff(store, make_persona("ms1", store, "practitioner"), "王芳", "MS000001")
    _staff(store, make_persona("ms2", store, "practitioner"), "王芳", "MS000002")
    _staff(store, make_persona("ms3", store, "practitioner"), "李娜", "MS000003")
    make_persona("desk", store, "front_desk")  # full name "desk", no staff file
    given = make_persona("given", store, "finance")
    User.objects.filter(pk=given.pk).update(full_name="", last_name="赵", first_name="敏")
    bare = make_persona("bare", store, "finance")
    User.objects.filter(pk=bare.pk).update(full_name="")

    people = store_people(store)
    expected = [(user.pk, person_name(user, store)) for user in people]
    assert {name for _pk, name in expected} >= {
        "王芳 MS000001", "王芳 MS000002", "李娜", "desk", "赵敏", "bare",
    }  # fmt: skip
    assert people_choices(store_people(store), store) == expected
    assert people_choices(store_people(store), None) == [
        (user.pk, person_name(user)) for user in people
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, role",
    [
        ("/complaints/new/", "front_desk"),
        ("/complaints/reports/new/", "front_desk"),
        ("/privacy/disclosures/new/", "information_officer"),
    ],
)
def test_forms_choosing_a_person_build_no_account_per_person(
    client, login, store, make_persona, path, role
):
    """The page builds the same accounts (the reader's own) however many people it lists, and
    each of them is a choice by name."""
    login(client, make_persona("chooser", store, role))
    added = []

    def grow(n):
        for _ in range(n):
            i = len(added)
            user = make_persona(f"ms{i:03d}", store, "practitioner")
            _staff(store, user, f"技师{i}", f"MS{i:06d}")
            added.append(user)

    def built():
        with mock.patch.object(User, "from_db", wraps=User.from_db) as accounts:
            page = client.get(path).content.decode()
        return page, accounts.call_count

    grow(2)
    page, before = built()
    assert f'<option value="{added[1].pk}">技师1</option>' in page
    grow(10)
    page, after = built()
    assert f'<option value="{added[11].pk}">技师11</option>' in page
    assert after == before
    assert_constant_queries(lambda: client.get(path), grow, rows=2)
