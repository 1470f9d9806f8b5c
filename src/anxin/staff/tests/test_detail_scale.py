"""Issue 11: a staff file's page takes the same queries however many skills, trainings and
agreements the file holds, and works out what the reader may do from the permissions already
read (it asked the database once per action)."""

import datetime as dt

import pytest

from anxin.accounts.models import Agreement, TrainingRecord
from anxin.core.testing import assert_constant_queries, captured
from anxin.staff.models import Skill

from .factories import hr_persona, staff_file

pytestmark = pytest.mark.django_db


@pytest.mark.req("STF-1")
def test_a_staff_files_page_takes_the_same_queries_however_full_the_file(
    client, login, store, practitioner
):
    hr = hr_persona(store)
    member = staff_file(actor=hr, store=store, user=practitioner, name="王芳")
    login(client, hr)
    path = f"/staff/{member.pk}/"

    def grow(n):
        for _ in range(n):
            i = Skill.objects.count()
            Skill.objects.create(member=member, technique=f"手法{i}")
            TrainingRecord.objects.create(
                user=practitioner, topic=TrainingRecord.Topic.choices[0][0], course=f"课程{i}",
                date=dt.date(2025, 1, 1), result=TrainingRecord.Result.choices[0][0],
                recorded_by=hr,
            )  # fmt: skip
            Agreement.objects.create(
                user=practitioner, kind=Agreement.Kind.choices[0][0], signed_on=dt.date(2025, 1, i % 28 + 1),
                recorded_by=hr,
            )  # fmt: skip

    client.get(path)  # once: what a first request reads once (the keyring's data key)
    assert_constant_queries(lambda: client.get(path), grow, rows=2)
    response, sql = captured(lambda: client.get(path))
    page = response.content.decode()
    assert response.status_code == 200 and "手法5" in page and "课程5" in page
    # What HR may do here came from their permissions: no scope query per action.
    assert len([q for q in sql if 'FROM "staff_staffmember"' in q]) == 1, "\n".join(sql)


@pytest.mark.req("STF-1", "SEC-3")
def test_a_practitioner_may_do_on_their_own_file_only_what_their_own_scope_allows(
    client, login, store, practitioner
):
    from anxin.staff.selectors import DETAIL_ACTIONS, scoped_staff, staff_view

    hr = hr_persona(store)
    member = staff_file(actor=hr, store=store, user=practitioner, name="王芳")
    other = staff_file(actor=hr, store=store, name="李娜")
    for actor, file in ((practitioner, member), (hr, member), (hr, other)):
        expected = {
            a
            for a in DETAIL_ACTIONS
            if scoped_staff(actor=actor, store=store, action=a).filter(pk=file.pk).exists()
        }
        assert staff_view(actor=actor, store=store, member=file)["can"] == expected
