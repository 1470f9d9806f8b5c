"""Edge input answers with a message, never a 500 (issue 10, defects 2 and 3; PLT-4)."""

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from anxin.catalogue.testing import make_client, make_item
from anxin.clients.models import Client, ServiceRecord
from anxin.clients.selectors import _successor
from anxin.scheduling import services as scheduling
from anxin.scheduling.models import Appointment, QueueEntry


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store, name="全身推拿", duration=60)


@pytest.fixture
def customer(front_desk, store):
    return make_client(actor=front_desk, store=store, name="李雷", phone="13912345678")


@pytest.fixture
def desk(client, login, front_desk):
    login(client, front_desk)
    return client


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_a_booking_at_the_end_of_the_calendar_gets_a_field_message(
    desk, item, customer, practitioner
):
    response = desk.post(
        "/appointments/new/",
        {
            "client": customer.code,
            "practitioner": str(practitioner.pk),
            "item": str(item.pk),
            "minutes": "",
            "start": "9999-12-31T23:30",
            "room": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "start" in response.context["form"].errors
    assert "between 1900 and 2100" in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
def test_a_service_record_in_year_one_gets_a_field_message(desk, item, customer, practitioner):
    response = desk.post(
        "/services/new/",
        {
            "client": customer.code,
            "item": item.pk,
            "practitioner": practitioner.pk,
            "served_at": "0001-01-01T00:00",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "served_at" in response.context["form"].errors
    assert not ServiceRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("page", ["/appointments/", "/appointments/free/"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_outside_the_calendar_is_a_message_on_the_day_pages(desk, item, page, day):
    response = desk.get(page, {"day": day, "item": item.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "day" in response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("query", ["\U0010ffff", "王\U0010ffff", "a\U0010ffff"])
def test_a_search_ending_in_the_last_code_point_answers(desk, customer, query):
    response = desk.get("/clients/", {"q": query})
    assert response.status_code == 200
    assert Client.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("entry", ["abc", "9" * 30, "", "-1"])
def test_a_queue_change_naming_no_entry_is_not_found(
    client, login, manager, store, practitioner, entry
):
    scheduling.queue_open(
        actor=manager, store=store, day=timezone.localdate(), practitioners=[practitioner]
    )
    before = list(QueueEntry.objects.values_list("pk", "position", "state"))
    login(client, manager)
    response = client.post(
        "/appointments/queue/",
        {"do": "adjust", "entry": entry, "action": "tail", "reason": "测试"},
    )
    assert response.status_code == 404
    assert list(QueueEntry.objects.values_list("pk", "position", "state")) == before


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("month", ["9999-12", "0001-01", "99999-01"])
def test_a_performance_month_outside_the_calendar_is_a_message(client, login, manager, month):
    login(client, manager)
    response = client.get("/performance/", {"month": month}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "month" in response.context["form"].errors


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("cursor", ["9" * 30 + ".1", "-" + "9" * 30 + ".1", f"{2**62}.{2**70}"])
def test_a_paging_cursor_out_of_range_gives_the_first_page(client, login, manager, cursor):
    login(client, manager)
    for key in ("after", "before"):
        response = client.get("/services/", {key: cursor})
        assert response.status_code == 200
        assert response.context["page_obj"].is_first


@pytest.mark.req("PLT-4")
@given(prefix=st.text(min_size=1), rest=st.text())
def test_the_prefix_range_holds_every_text_with_the_prefix(prefix, rest):
    upper = _successor(prefix)
    assert prefix <= prefix + rest
    assert upper is None or prefix + rest < upper
    assert upper is None or not any(0xD800 <= ord(c) <= 0xDFFF for c in upper[-1:])


@pytest.mark.django_db
@pytest.mark.req("PLT-4")
@pytest.mark.parametrize("target", ["28135", "home", "//evil.example/", "https://evil.example/"])
def test_stay_signed_in_with_a_next_that_is_no_path_goes_home(desk, target):
    response = desk.post("/accounts/session/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"
