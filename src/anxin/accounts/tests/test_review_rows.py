"""Issue 11: the permission review's rows are written in Python (``{% review_rows %}``): each
row names the person and the role, lists the role's permissions in words and carries the keep
/ revoke form; a person more adds a row of bounded size and no query."""

import datetime as dt
import re

import pytest

from anxin.accounts.models import RoleAssignment
from anxin.core.testing import assert_constant_queries
from anxin.staff.models import StaffKind, StaffMember

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-8")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROW = re.compile(r"\n    <tr>\n.*?</tr>", re.S)


def test_each_row_names_the_person_and_the_role_and_holds_its_form(
    client, login, admin_user, front_desk, store
):
    StaffMember.objects.create(
        store=store, user=front_desk, kind=StaffKind.STAFF, name="王<芳>", code="QT0001",
        hire_date=dt.date(2024, 1, 1),
    )  # fmt: skip
    login(client, admin_user)
    page = client.get("/accounts/review/", **EN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    rows = ROW.findall(page)
    assert len(rows) == 2
    desk = RoleAssignment.objects.get(user=front_desk)
    (row,) = [r for r in rows if "王&lt;芳&gt;" in r]
    assert row.startswith(
        '\n    <tr>\n      <th scope="row">王&lt;芳&gt;</th>\n      <td>Front desk</td>\n'
        "      <td><ul><li>"
    )
    assert row.endswith(
        "</li></ul></td>\n      <td>\n"
        '        <form method="post" class="inline-form">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
        f'          <input type="hidden" name="assignment" value="{desk.pk}">\n'
        f'          <label for="note-{desk.pk}">Note</label>\n'
        f'          <input id="note-{desk.pk}" name="note" maxlength="200">\n'
        '          <button type="submit" name="keep" value="1">Keep Front desk for 王&lt;芳&gt;'
        "</button>\n"
        '          <button type="submit" name="keep" value="0" class="secondary">'
        "Revoke Front desk from 王&lt;芳&gt;</button>\n"
        "        </form>\n      </td>\n    </tr>"
    )
    (own,) = [r for r in rows if "王&lt;芳&gt;" not in r]
    assert "<td>(your own: reviewed by someone else)\n      </td>" in own
    assert "<form" not in own


def test_a_person_more_adds_a_row_and_no_query(client, login, admin_user, store, make_persona):
    login(client, admin_user)
    made = []

    def grow(n):
        for _ in range(n):
            made.append(make_persona(f"ms{len(made):03d}", store, "practitioner"))

    def page():
        return client.get("/accounts/review/", **EN)

    assert_constant_queries(page, grow, rows=2)
    small = len(page().content)
    grow(10)
    large = page().content.decode()
    assert len(ROW.findall(large)) == 1 + 16
    assert (len(large.encode()) - small) / 10 < 3000  # a practitioner's row and its permissions


def test_each_roles_permissions_are_put_in_words_once(store, make_persona):
    """Issue 11: the review's rows share their role's permissions in words, worked out once
    per role however many hold it (1,400 labels for a store's 71 assignments before)."""
    from unittest import mock

    from anxin.accounts import services
    from anxin.audit import display

    for i in range(6):
        make_persona(f"ms{i}", store, "practitioner")
    make_persona("desk", store, "front_desk")
    with mock.patch.object(display, "grant_label", wraps=display.grant_label) as labelled:
        rows = services.permission_review(store=store)
    practitioner = RoleAssignment.objects.filter(role__key="practitioner").first().role
    desk = RoleAssignment.objects.get(user__username="desk").role
    assert labelled.call_count == len(practitioner.permissions) + len(desk.permissions)
    assert len(rows) == 7
    assert all(
        row["permissions"] == [display.grant_label(p) for p in row["role"].permissions]
        for row in rows
    )
