"""Issue 12: the message after each main action names the person (the client, or staff by
their name, not their account) and the item or record in words — "已为 林小雨 开始 全身按摩" —
not only a code (UX-1)."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from anxin.approvals.kinds import ROLE_GRANT
from anxin.approvals.services import change_propose
from anxin.catalogue.testing import make_item
from anxin.clients.models import Client
from anxin.clients.services import ConsentGiven, client_create
from anxin.scheduling.models import Appointment
from anxin.scheduling.services import appointment_book
from anxin.staff.tests.factories import hr_persona, staff_file

pytestmark = [pytest.mark.django_db, pytest.mark.req("UX-1", "UX-2")]


@pytest.fixture(autouse=True)
def english(settings):
    """The pages answer in English here (the words are checked, not their translation)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def said(response) -> str:
    """The messages the action left for the next page."""
    assert response.status_code == 302, response.status_code
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def people(practitioner, practitioner_b, front_desk, manager, admin_user):
    for user, name in [
        (practitioner, "彭玉勇"),
        (practitioner_b, "王芳"),
        (front_desk, "孙前台"),
        (manager, "钱店长"),
        (admin_user, "赵管理"),
    ]:
        user.full_name = name
        user.save(update_fields=["full_name"])


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store, name="全身按摩", price="128.00", duration=60)


@pytest.fixture
def lin(front_desk, store):
    return client_create(
        actor=front_desk, store=store, name="林小雨", phone="13912345678",
        consent=ConsentGiven(health=True, paper_location="A-1"),
    )  # fmt: skip


def no_username(text, *users):
    for user in users:
        assert user.username not in text, (user.username, text)


def test_booking_starting_ending_and_cancelling_name_the_client_item_and_practitioner(
    client, login, people, store, front_desk, practitioner, item, lin
):
    login(client, front_desk)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(
        hour=11, minute=0, second=0, microsecond=0
    )
    booked = said(
        client.post(
            "/appointments/new/",
            {
                "client": lin.code,
                "practitioner": str(practitioner.pk),
                "item": str(item.pk),
                "minutes": "",
                "start": start.strftime("%Y-%m-%dT%H:%M"),
                "room": "",
            },
        )
    )
    appointment = Appointment.objects.get()
    assert "林小雨" in booked and "全身按摩" in booked and "彭玉勇" in booked, booked
    assert start.strftime("%Y-%m-%d %H:%M") in booked  # local time
    no_username(booked, practitioner)

    cancelled = said(
        client.post(f"/appointments/{appointment.code}/cancel/", {"cancel-reason": "客户有事"})
    )
    assert "林小雨" in cancelled and "全身按摩" in cancelled, cancelled

    now = appointment_book(
        actor=front_desk, store=store, client=lin, practitioner=practitioner,
        start=timezone.now(), item=item,
    )  # fmt: skip
    client.logout()
    login(client, practitioner)
    started = said(client.post(f"/appointments/{now.code}/serve/start/"))
    assert "林小雨" in started and "全身按摩" in started and "彭玉勇" in started, started
    ended = said(client.post(f"/appointments/{now.code}/serve/end/"))
    assert "林小雨" in ended and "全身按摩" in ended and "record is saved" in ended, ended
    no_username(started + ended, practitioner)


def test_recording_a_service_names_the_client_and_the_item(
    client, login, people, practitioner, item, lin
):
    from anxin.clients.models import ServiceRecord

    ServiceRecord.objects.create(
        store=lin.store, client=lin, practitioner=practitioner, item=item, item_name=item.name,
        served_at=timezone.now() - dt.timedelta(days=3), amount=item.price,
    )  # fmt: skip
    login(client, practitioner)
    text = said(client.post("/services/new/", {"client": lin.code, "item": item.pk}))
    assert "林小雨" in text and "全身按摩" in text, text


def test_registering_a_client_and_recording_a_consent_name_the_client(
    client, login, people, front_desk, manager, lin
):
    login(client, front_desk)
    text = said(
        client.post(
            "/clients/new/",
            {
                "name": "王小明", "gender": "M", "phone": "13800000001",
                "notice_version": "2024-1", "general_consent": "on", "channel": "in_store",
                "confirmation": "screen", "signature_name": "王小明", "source": "walk_in",
            },
        )
    )  # fmt: skip
    code = Client.objects.get(name="王小明").code
    assert "王小明" in text and code in text, text
    client.logout()
    login(client, manager)
    text = said(
        client.post(
            f"/clients/{lin.code}/consent/",
            {"kind": "health", "action": "withdraw", "channel": "in_store", "note": ""},
        )
    )
    assert "林小雨" in text and "health" in text, text


def test_leave_request_and_decision_name_the_person(
    client, login, people, store, practitioner, manager
):
    hr = hr_persona(store)
    staff_file(actor=hr, store=store, user=practitioner, name="彭玉勇")
    login(client, practitioner)
    text = said(
        client.post(
            "/attendance/leave/new/",
            {"kind": "annual", "start": "2030-06-03T09:00", "end": "2030-06-03T18:00"},
        )
    )
    assert "彭玉勇" in text and "2030-06-03 09:00" in text, text
    from anxin.attendance.models import LeaveRequest

    leave = LeaveRequest.objects.get()
    client.logout()
    login(client, manager)
    text = said(client.post(f"/attendance/leave/{leave.pk}/", {"decision": "approve", "note": ""}))
    assert "Approved" in text and "彭玉勇" in text, text
    no_username(text, practitioner)


def test_approvals_name_the_person_the_change_is_about(
    client, login, people, store, admin_user, manager, front_desk, practitioner_b
):
    login(client, admin_user)
    text = said(
        client.post(
            "/approvals/role-grant/new/",
            {"account": str(front_desk.pk), "role": "finance", "reason": "兼任收银"},
        )
    )
    assert "孙前台" in text, text
    no_username(text, front_desk)
    change = change_propose(
        actor=admin_user, store=store, kind=ROLE_GRANT, target=practitioner_b,
        payload={"role": "marketing"}, reason="协助活动",
    )  # fmt: skip
    client.logout()
    login(client, manager)
    text = said(client.post(f"/approvals/{change.pk}/", {"action": "reject", "note": "不需要"}))
    assert "王芳" in text and "赵管理" in text and "Rejected" in text, text
    no_username(text, practitioner_b, admin_user)
