"""The staff pages: HR registers through the form, pay shown only where allowed, a
practitioner reports a skill from their own file, out of scope is 404 and logged."""

import pytest

from anxin.approvals.models import ChangeRequest
from anxin.audit.models import UseLog
from anxin.staff.models import StaffMember

from .factories import hr_persona, staff_file

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "practitioner",
    "name": "王芳",
    "gender": "F",
    "birth_date": "1990-03-07",
    "phone": "13912345678",
    "id_number": "110101199003071234",
    "post": "按摩师",
    "hire_date": "2023-06-12",
    "certificate_name": "盲人医疗按摩人员考试合格证书",
    "certificate_number": "MA2019-0456",
    "education": "北京市盲人学校 中医按摩专业",
    "work_history": "2015-2023 某按摩院",
    "base_pay": "4500",
    "commission": "每钟 30 元",
    "benefits": "五险一金",
    "bank_card": "6222020200112233445",
}


@pytest.fixture
def hr(store):
    return hr_persona(store)


@pytest.mark.req("STF-1")
def test_hr_registers_through_the_form(client, login, hr, store, practitioner):
    login(client, hr)
    response = client.post("/staff/new/", {**FORM, "user": practitioner.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    member = StaffMember.objects.get()
    assert member.code == "MS23060001" and member.user == practitioner
    page = client.get(response["Location"]).content.decode()
    assert "4500.00" in page and "6222020200112233445" not in page and "139****5678" in page


@pytest.mark.req("STF-1", "PLT-4")
def test_bad_form_shows_errors_and_saves_nothing(client, login, hr):
    login(client, hr)
    response = client.post("/staff/new/", {**FORM, "hire_date": "", "base_pay": "lots"})
    assert response.status_code == 400
    assert 'id="form-errors"' in response.content.decode()
    assert not StaffMember.objects.exists()


@pytest.mark.req("STF-1", "SEC-3")
def test_practitioner_cannot_open_the_form_or_another_file(
    client, login, hr, store, practitioner, practitioner_b
):
    theirs = staff_file(actor=hr, store=store, user=practitioner_b)
    login(client, practitioner)
    assert client.get("/staff/new/").status_code == 403
    assert client.post("/staff/new/", FORM).status_code == 403
    assert client.get(f"/staff/{theirs.pk}/").status_code == 404
    assert client.get(f"/staff/{theirs.pk}/edit/").status_code == 404
    assert StaffMember.objects.count() == 1
    assert UseLog.objects.filter(user=practitioner, outcome="denied").count() >= 3


@pytest.mark.req("STF-2")
def test_practitioner_reports_a_skill_from_their_own_file(client, login, hr, store, practitioner):
    mine = staff_file(actor=hr, store=store, user=practitioner)
    login(client, practitioner)
    page = client.get(f"/staff/{mine.pk}/").content.decode()
    assert 'value="propose_skill"' in page and 'value="skill"' not in page
    response = client.post(
        f"/staff/{mine.pk}/",
        {
            "action": "propose_skill",
            "propose_skill-technique": "拔罐",
            "propose_skill-body_areas": "背部",
            "propose_skill-level": "qualified",
            "propose_skill-reason": "进修结业",
        },
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert change.kind == "staff.skill" and change.payload["technique"] == "拔罐"
    # HR's direct skill form is not theirs to use
    response = client.post(
        f"/staff/{mine.pk}/",
        {"action": "skill", "skill-technique": "推拿", "skill-level": "expert"},
    )
    assert response.status_code == 404
    assert not mine.skills.exists()


@pytest.mark.req("STF-1")
def test_search_by_ms_code_opens_the_file(client, login, hr, store):
    member = staff_file(actor=hr, store=store)
    login(client, hr)
    response = client.get(f"/search/?q={member.code}")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 302  # by code -> detail
