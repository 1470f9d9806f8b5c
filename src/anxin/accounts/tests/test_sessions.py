"""Sessions (SEC-7, UX-1; issue 12 defect 1, issue 11): an action interrupted by the end of a
session is offered again after log-in, never a 405; the idle clock pauses while the person has a
service of their own in progress, the absolute limit stays; "Stay signed in"; and "last seen" is
written at most once a minute."""

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.catalogue.testing import make_item
from anxin.clients.services import client_create
from anxin.scheduling import services as scheduling
from anxin.scheduling.models import Appointment, Status

PASSWORD = "correct horse battery staple"
IDLE = 30 * 60


def log_in(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data, HTTP_ACCEPT_LANGUAGE="en")


def age(client, *, idle=0, since_login=0):
    """Let time pass in the session: ``idle`` seconds since the last request, ``since_login``
    since log-in."""
    session = client.session
    session["anxin_seen_at"] -= idle
    session["anxin_login_at"] -= since_login
    session.save()


@pytest.fixture
def booking(store, manager, front_desk, practitioner):
    """A 90-minute service booked now for practitioner A: longer than the idle limit."""
    item = make_item(actor=manager, store=store, name="全身推拿", price="198.00", duration=90)
    customer = client_create(actor=front_desk, store=store, name="林小雨", phone="13912345678")
    return scheduling.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner,
        start=timezone.now(),
        item=item,
    )


def status_of(appointment):
    appointment.refresh_from_db()
    return appointment.status


def sessions_written(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


# -- the scenario --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.req("SEC-7", "UX-1")
def test_a_service_ended_after_the_session_ended_is_offered_again_and_completes(
    client, practitioner, booking
):
    """上钟, the session ends during the service (here its 12-hour limit, which still applies
    in service), 下钟: log-in says why and keeps ``next``; after log-in ``GET …/serve/end/``
    offers the same button (it was an empty 405), and one press ends the service."""
    assert log_in(client, "practitioner_a").status_code == 302
    end_url = f"/appointments/{booking.code}/serve/end/"
    assert client.post(f"/appointments/{booking.code}/serve/start/").status_code == 302
    assert status_of(booking) == Status.IN_SERVICE

    age(client, idle=IDLE + 60, since_login=12 * 3600 + 1)
    pressed = client.post(end_url)
    assert pressed.status_code == 302
    login_url = pressed["Location"]
    assert urlsplit(login_url).path == "/accounts/login/"
    query = parse_qs(urlsplit(login_url).query)
    assert query["next"] == [end_url]
    assert "_auth_user_id" not in client.session
    assert status_of(booking) == Status.IN_SERVICE  # nothing happened yet

    page = client.get(login_url, HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "You were signed out because a session lasts at most 12 hours" in body
    assert f'name="next" value="{end_url}"' in body

    back = log_in(client, "practitioner_a", next_url=end_url)
    assert back.status_code == 302 and back["Location"] == end_url
    offered = client.get(end_url, HTTP_ACCEPT_LANGUAGE="en")
    assert offered.status_code == 200  # was 405 with an empty body
    text = offered.content.decode()
    assert f'<form method="post" action="{end_url}">' in text
    assert f"End service (下钟): {booking.code}" in text
    assert status_of(booking) == Status.IN_SERVICE  # a GET changes nothing

    done = client.post(end_url)
    assert done.status_code == 302 and done["Location"] == "/appointments/queue/"
    assert status_of(booking) == Status.DONE


@pytest.mark.django_db
@pytest.mark.req("SEC-7", "UX-1")
def test_after_an_idle_sign_out_the_login_page_explains_it_and_the_action_is_offered_again(
    client, front_desk, booking
):
    assert log_in(client, "frontdesk").status_code == 302
    client.get("/")
    start_url = f"/appointments/{booking.code}/serve/start/"
    age(client, idle=31 * 60)
    pressed = client.post(start_url)
    assert pressed.status_code == 302
    assert parse_qs(urlsplit(pressed["Location"]).query) == {"next": [start_url], "ended": ["idle"]}
    page = client.get(pressed["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert (
        "You were signed out after 30 minutes without activity; sign in to continue."
        in page.content.decode()
    )
    assert status_of(booking) == Status.BOOKED

    log_in(client, "frontdesk", next_url=start_url)
    offered = client.get(start_url, HTTP_ACCEPT_LANGUAGE="en")
    assert offered.status_code == 200
    assert f"Start service (上钟): {booking.code}" in offered.content.decode()
    client.post(start_url)
    assert status_of(booking) == Status.IN_SERVICE


@pytest.mark.django_db
@pytest.mark.req("SEC-7", "UX-1")
def test_a_live_search_after_an_idle_sign_out_sends_the_whole_page_to_log_in(client, front_desk):
    log_in(client, "frontdesk")
    client.get("/")
    age(client, idle=31 * 60)
    response = client.get(
        "/clients/?q=li",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/clients/?q=l",
    )
    assert response.status_code == 200 and response.content == b""
    target = urlsplit(response["HX-Redirect"])
    assert target.path == "/accounts/login/"
    assert parse_qs(target.query) == {"next": ["/clients/?q=l"], "ended": ["idle"]}
    assert "_auth_user_id" not in client.session


# -- the idle clock pauses in service; the absolute limit stays --------------------------------


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_the_idle_clock_pauses_while_the_user_has_a_service_of_their_own_in_progress(
    client, practitioner, booking
):
    log_in(client, "practitioner_a")
    client.post(f"/appointments/{booking.code}/serve/start/")
    age(client, idle=60 * 60)  # an hour without a request, all of it in service
    ended = client.post(f"/appointments/{booking.code}/serve/end/")
    assert ended.status_code == 302 and ended["Location"] == "/appointments/queue/"
    assert "_auth_user_id" in client.session
    assert status_of(booking) == Status.DONE


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_the_idle_clock_runs_again_from_the_end_of_the_service(
    client, front_desk, practitioner, booking
):
    log_in(client, "practitioner_a")
    client.get("/")
    scheduling.service_start(actor=front_desk, appointment=booking)
    scheduling.service_end(actor=front_desk, appointment=booking)  # the desk pressed 下钟
    age(client, idle=60 * 60)
    Appointment.objects.filter(pk=booking.pk).update(
        ended_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert client.get("/").status_code == 200  # 5 idle minutes since the service ended
    age(client, idle=60 * 60)
    Appointment.objects.filter(pk=booking.pk).update(
        ended_at=timezone.now() - dt.timedelta(minutes=31)
    )
    response = client.get("/")
    assert response.status_code == 302 and "ended=idle" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_someone_elses_service_does_not_pause_the_idle_clock(
    client, front_desk, practitioner, booking
):
    log_in(client, "frontdesk")
    client.get("/")
    scheduling.service_start(actor=front_desk, appointment=booking)  # practitioner A's service
    age(client, idle=31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "ended=idle" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_the_absolute_limit_applies_even_in_service(client, practitioner, booking):
    log_in(client, "practitioner_a")
    client.post(f"/appointments/{booking.code}/serve/start/")
    age(client, since_login=12 * 3600 + 1)
    response = client.get("/")
    assert response.status_code == 302 and "ended=limit" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert status_of(booking) == Status.IN_SERVICE


# -- "Stay signed in" -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.req("SEC-7", "UX-1")
def test_stay_signed_in_restarts_the_idle_clock(client, front_desk):
    log_in(client, "frontdesk")
    client.get("/")
    age(client, idle=28 * 60)
    state = client.get("/accounts/session/state/", HTTP_ACCEPT="application/json")
    assert state.status_code == 200
    assert 100 < state.json()["remaining"] <= 120 and state.json()["warning"] == 120
    assert time.time() - client.session["anxin_seen_at"] >= 28 * 60  # asking is not activity

    stayed = client.post("/accounts/session/", HTTP_ACCEPT="application/json")
    assert stayed.status_code == 200
    assert stayed.json()["remaining"] >= IDLE - 5
    assert time.time() - client.session["anxin_seen_at"] < 5
    age(client, idle=20 * 60)
    assert client.get("/").status_code == 200  # 48 minutes since the page, 20 since "stay"

    # the dialog's form without script goes back to the page; a GET offers the button
    plain = client.post("/accounts/session/", {"next": "/appointments/"})
    assert plain.status_code == 302 and plain["Location"] == "/appointments/"
    assert client.get("/accounts/session/").status_code == 200


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_stay_signed_in_cannot_revive_an_ended_session(client, front_desk):
    log_in(client, "frontdesk")
    client.get("/")
    age(client, idle=31 * 60)
    response = client.post("/accounts/session/", HTTP_ACCEPT="application/json")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7", "UX-1")
def test_every_signed_in_page_carries_the_idle_warning(client, front_desk):
    log_in(client, "frontdesk")
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="session-warning"' in body and f'data-idle-seconds="{IDLE}"' in body
    assert 'data-state-url="/accounts/session/state/"' in body
    assert 'action="/accounts/session/"' in body and "Stay signed in" in body
    assert "/static/anxin/session.js" in body


# -- last seen at most once a minute ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_a_request_within_a_minute_of_the_last_does_not_write_the_session(client, front_desk):
    from django.conf import settings

    response = log_in(client, "frontdesk")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert sessions_written(queries) == []
    seen = client.session["anxin_seen_at"]

    age(client, idle=61)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(sessions_written(queries)) == 1
    assert client.session["anxin_seen_at"] > seen - 61
    # the cookie outlives the idle limit: the server's check, not the browser, ends the session
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600 == settings.SESSION_COOKIE_AGE
