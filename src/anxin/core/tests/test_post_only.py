"""POST-only actions reached by GET (issue 12 defect 1; UX-1): after log-in's redirect to
``next=``, a reload or a bookmark, the action is offered again — its button, or the page with its
form — never an empty 405; and a GET changes nothing."""

import pathlib

import pytest
from django.utils import timezone

from anxin.catalogue.testing import make_item
from anxin.clients.services import client_create
from anxin.notifications.models import Notification
from anxin.notifications.services import notify
from anxin.scheduling import services as scheduling
from anxin.scheduling.models import Status


@pytest.fixture
def booking(store, manager, front_desk, practitioner):
    item = make_item(actor=manager, store=store, name="全身推拿", price="128.00", duration=60)
    customer = client_create(actor=front_desk, store=store, name="李雷", phone="13912345678")
    return scheduling.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=practitioner,
        start=timezone.now(),
        item=item,
    )


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_get_of_a_button_action_offers_the_button_and_changes_nothing(client, login, front_desk):
    (note,) = notify(recipients=[front_desk], subject="新消息")
    login(client, front_desk)
    for url, label in [
        (f"/inbox/{note.pk}/read/", "Mark as read"),
        ("/inbox/read-all/", "Mark all as read"),
    ]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        body = response.content.decode()
        assert f'<form method="post" action="{url}">' in body
        assert "csrfmiddlewaretoken" in body and f"{label}</button>" in body
        assert f"<h1>{label}</h1>" in body
    assert Notification.objects.get(pk=note.pk).read_at is None
    client.post("/inbox/read-all/")
    assert Notification.objects.get(pk=note.pk).read_at is not None


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_get_of_an_action_with_fields_goes_to_the_page_holding_its_form(
    client, login, front_desk, booking
):
    login(client, front_desk)
    response = client.get(f"/appointments/{booking.code}/cancel/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{booking.code}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "That action was not done yet. Fill in its form again and send it." in (
        page.content.decode()
    )
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED
    assert client.get(f"/appointments/{booking.code}/serve/nonsense/").status_code == 404


@pytest.mark.req("UX-1")
def test_no_view_answers_a_get_with_405():
    """``require_POST`` is gone from the pages; ``post_only`` (core/post_only.py) replaces it."""
    src = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "post_only.py"
        and ("require_POST" in path.read_text() or "require_http_methods" in path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.req("UX-1", "SEC-2")
def test_someone_who_may_not_do_the_action_is_not_offered_its_button(client, login, front_desk):
    from anxin.backups.models import Backup

    login(client, front_desk)
    assert client.get("/backups/run/").status_code == 403
    assert client.post("/backups/run/").status_code == 403
    assert not Backup.objects.exists()
