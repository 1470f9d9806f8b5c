"""Choosing a client by what one types (CLI-7, BIZ-3, UX-1): the combobox's look-up endpoint,
the server's resolution of the typed text (a code, a unique name, several, none, out of scope)
and booking from the client's file."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.audit.models import UseLog
from anxin.catalogue.testing import make_item
from anxin.clients import selectors, services
from anxin.clients.models import ServiceRecord
from anxin.scheduling.models import Appointment

CONSENT = services.ConsentGiven(paper_location="A-1")


def make(actor, store, name, phone=""):
    return services.client_create(actor=actor, store=store, name=name, phone=phone, consent=CONSENT)


@pytest.fixture
def people(front_desk, practitioner, store):
    """林小雨 and 林小云 share a surname; the practitioner served only 林小雨."""
    found = {
        "xiaoyu": make(front_desk, store, "林小雨", "13800001111"),
        "xiaoyun": make(front_desk, store, "林小云", "13800002222"),
        "wang": make(front_desk, store, "王芳", "13800003333"),
    }
    ServiceRecord.objects.create(
        store=store,
        client=found["xiaoyu"],
        practitioner=practitioner,
        served_at=timezone.now() - dt.timedelta(days=2),
        item_name="全身按摩",
        amount=Decimal("128.00"),
    )
    return found


@pytest.fixture
def item(manager, store):
    return make_item(actor=manager, store=store, duration=90)


def denied(user, record_id):
    return UseLog.objects.filter(user=user, outcome="denied", record_id=record_id)


# -- resolution of the typed text --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.req("CLI-7", "BIZ-3")
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("{xiaoyu}", "xiaoyu"),  # the code
        ("{xiaoyu_lower}", "xiaoyu"),  # in any case
        ("林小雨 {xiaoyu}", "xiaoyu"),  # as the combobox fills it in
        ("王芳", "wang"),  # a name only one client has
        ("wf", "wang"),  # pinyin initials
        ("13800003333", "wang"),  # the phone
        ("linxiaoyun", "xiaoyun"),  # full pinyin
    ],
)
def test_text_naming_one_client_resolves_to_that_client(people, front_desk, store, typed, expected):
    text = typed.format(xiaoyu=people["xiaoyu"].code, xiaoyu_lower=people["xiaoyu"].code.lower())
    found = selectors.client_resolve(actor=front_desk, store=store, text=text)
    assert found.client == people[expected] and not found.candidates
    # The client used is read as by its code: a logged use of that client.
    assert UseLog.objects.filter(
        user=front_desk, action="view", record_id=str(people[expected].pk), outcome="allowed"
    ).exists()


@pytest.mark.django_db
@pytest.mark.req("CLI-7", "BIZ-3")
def test_several_or_no_clients_resolve_to_nothing_with_the_candidates(people, front_desk, store):
    several = selectors.client_resolve(actor=front_desk, store=store, text="林")
    assert several.client is None
    assert {c.code for c in several.candidates} == {people["xiaoyu"].code, people["xiaoyun"].code}
    none = selectors.client_resolve(actor=front_desk, store=store, text="赵")
    assert none.client is None and none.candidates == []
    assert selectors.client_resolve(actor=front_desk, store=store, text="  ").client is None


@pytest.mark.django_db
@pytest.mark.req("CLI-7", "SEC-3")
def test_a_client_out_of_scope_resolves_as_no_client_and_the_code_is_a_denied_use(
    people, practitioner, store
):
    stranger = people["wang"]  # never served by the practitioner
    by_code = selectors.client_resolve(actor=practitioner, store=store, text=stranger.code)
    missing = selectors.client_resolve(actor=practitioner, store=store, text="KH99990001")
    by_name = selectors.client_resolve(actor=practitioner, store=store, text="王芳")
    for found in (by_code, missing, by_name):
        assert found.client is None and found.candidates == []
    assert denied(practitioner, stranger.code).exists()
    # One of the practitioner's clients is found by the same surname: only theirs.
    mine = selectors.client_resolve(actor=practitioner, store=store, text="林")
    assert mine.client == people["xiaoyu"]


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "UX-1")
def test_the_booking_form_says_which_clients_match_or_that_none_does(
    people, client, login, front_desk, practitioner, item
):
    login(client, front_desk)
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=10, minute=0)
    data = {
        "practitioner": str(practitioner.pk),
        "item": str(item.pk),
        "start": start.strftime("%Y-%m-%dT%H:%M"),
    }
    several = client.post("/appointments/new/", {**data, "client": "林"})
    assert several.status_code == 400
    error = " ".join(several.context["form"].errors["client"])
    assert people["xiaoyu"].code in error and people["xiaoyun"].code in error
    assert "type the code" in error
    none = client.post("/appointments/new/", {**data, "client": "赵钱孙"})
    assert none.status_code == 400
    assert "No client found" in " ".join(none.context["form"].errors["client"])
    assert not Appointment.objects.exists()
    booked = client.post("/appointments/new/", {**data, "client": "linxiaoyun"})
    assert booked.status_code == 302
    assert Appointment.objects.get().client == people["xiaoyun"]


# -- the look-up endpoint ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.req("CLI-7", "UX-1")
def test_the_lookup_offers_a_short_list_with_a_count_to_announce(people, client, login, front_desk):
    login(client, front_desk)
    response = client.get("/clients/lookup/", {"q": "lx"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert sorted(o["value"] for o in data["options"]) == sorted(
        f"{c.name} {c.code}" for c in (people["xiaoyu"], people["xiaoyun"])
    )
    assert data["status"] == "2 clients found"
    assert client.get("/clients/lookup/", {"q": "zzz"}).json()["options"] == []
    assert UseLog.objects.filter(user=front_desk, action="search", count=2).exists()


@pytest.mark.django_db
@pytest.mark.req("CLI-7", "SEC-3")
def test_the_lookup_is_scoped_and_does_not_reveal_clients_out_of_scope(
    people, client, login, practitioner, auditor
):
    login(client, practitioner)
    mine = client.get("/clients/lookup/", {"q": "林"}).json()
    assert [o["value"] for o in mine["options"]] == [f"林小雨 {people['xiaoyu'].code}"]
    # Another's client reads exactly as nobody at all.
    others = client.get("/clients/lookup/", {"q": "王芳"})
    nobody = client.get("/clients/lookup/", {"q": "王芳芳"})
    assert others.status_code == nobody.status_code == 200
    assert others.json() == nobody.json() and others.json()["options"] == []
    by_code = client.get("/clients/lookup/", {"q": people["wang"].code}).json()
    assert by_code["options"] == []
    # No client records for the auditor: refused, and the attempt logged.
    login(client, auditor)
    assert client.get("/clients/lookup/", {"q": "林"}).status_code == 403
    assert UseLog.objects.filter(user=auditor, outcome="denied").exists()


# -- booking from the client's file ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "UX-1")
def test_book_from_the_client_file_prefills_the_client(
    people, client, login, front_desk, practitioner, item
):
    wang = people["wang"]
    login(client, front_desk)
    page = client.get(f"/clients/{wang.code}/").content.decode()
    link = f"/appointments/new/?client={wang.code}"
    assert f'href="{link}"' in page
    results = client.get("/clients/", {"q": "wf"}).content.decode()
    assert f'href="{link}"' in results
    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"]["client"].value() == f"王芳 {wang.code}"
    assert f'value="王芳 {wang.code}"' in form.content.decode()
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=11, minute=0)
    response = client.post(
        link,
        {
            "client": form.context["form"]["client"].value(),
            "practitioner": str(practitioner.pk),
            "item": str(item.pk),
            "start": start.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.client == wang
    assert appointment.end - appointment.start == dt.timedelta(minutes=item.duration)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "SEC-3")
def test_book_links_only_for_who_may_book_and_no_prefill_out_of_scope(
    people, client, login, practitioner, other_manager, store
):
    login(client, practitioner)  # sees their client's file, may not book
    page = client.get(f"/clients/{people['xiaoyu'].code}/").content.decode()
    assert "/appointments/new/" not in page
    assert "/appointments/new/" not in client.get("/clients/", {"q": "林"}).content.decode()
    login(client, other_manager)  # may book, in another store: the code means nothing there
    form = client.get(f"/appointments/new/?client={people['wang'].code}")
    assert form.status_code == 200 and not form.context["form"]["client"].value()
    assert "王芳" not in form.content.decode()
    assert denied(other_manager, people["wang"].code).exists()
