"""Issue 12: a client file that works — visits and spending under the existing permission,
the upcoming bookings, the actions (book, record a service), the access list in words, and
reads that stay the same size however long the client's history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from anxin.audit.services import use_log
from anxin.clients import services
from anxin.clients.models import ServiceRecord
from anxin.core.testing import assert_constant_queries
from anxin.scheduling.models import Appointment, Status

HEALTH = services.ConsentGiven(health=True, paper_location="A-1")


def serve(client, practitioner, days_ago, item="足疗", amount="98.00"):
    return ServiceRecord.objects.create(
        store=client.store,
        client=client,
        practitioner=practitioner,
        served_at=timezone.now() - dt.timedelta(days=days_ago),
        item_name=item,
        amount=Decimal(amount),
    )


def book(client, practitioner, *, hours, item="全身按摩", status=Status.BOOKED, code=None):
    start = timezone.now() + dt.timedelta(hours=hours)
    n = Appointment.objects.count()
    return Appointment.objects.create(
        store=client.store, client=client, practitioner=practitioner, item_name=item,
        start=start, end=start + dt.timedelta(minutes=60),
        busy_until=start + dt.timedelta(minutes=70), status=status,
        code=code or f"YY{n:06d}",
    )  # fmt: skip


@pytest.fixture
def named(practitioner, practitioner_b):
    practitioner.full_name = "彭玉勇"
    practitioner.save(update_fields=["full_name"])
    practitioner_b.full_name = "王芳"
    practitioner_b.save(update_fields=["full_name"])
    return practitioner, practitioner_b


@pytest.fixture
def regular(front_desk, store, named):
    """林小雨: three services (two with 彭玉勇, one with 王芳), two bookings ahead."""
    a, b = named
    c = services.client_create(
        actor=front_desk, store=store, name="林小雨", phone="13912345678", consent=HEALTH
    )
    serve(c, a, 100, "推拿", "168.00")
    serve(c, a, 40, "推拿", "168.00")
    serve(c, b, 10, "足疗", "98.00")
    book(c, a, hours=26, item="全身按摩", code="YY900001")
    book(c, b, hours=50, item="足疗", code="YY900002")
    book(c, a, hours=-30, item="推拿", status=Status.DONE, code="YY900003")  # past: not shown
    book(c, a, hours=30, item="推拿", status=Status.CANCELLED, code="YY900004")  # cancelled
    return c


def page(client, code):
    return client.get(f"/clients/{code}/").content.decode()


@pytest.mark.django_db
@pytest.mark.req("CLI-4", "ANA-1", "UX-1")
def test_the_manager_sees_visits_spending_first_and_last_visit_and_favourites(
    client, login, manager, regular
):
    login(client, manager)
    body = page(client, regular.code)
    assert "Visits and spending" in body
    first = timezone.localtime(regular.services.order_by("served_at").first().served_at)
    last = timezone.localtime(regular.services.order_by("served_at").last().served_at)
    assert "First visit" in body and first.strftime("%Y-%m-%d") in body
    assert "Last visit" in body and last.strftime("%Y-%m-%d") in body
    assert (
        "Total spending" in body and "434.00 yuan" in body and "144.67 yuan" in body
    )  # money as money
    assert "推拿 (2)" in body


@pytest.mark.django_db
@pytest.mark.req("CLI-4", "ANA-1")
def test_a_practitioner_sees_only_their_own_visits_and_no_amounts(
    client, login, practitioner, regular
):
    login(client, practitioner)
    body = page(client, regular.code)
    assert "Visits and spending" in body and "Total spending" not in body
    assert " yuan<" not in body and "168.00" not in body and "98.00" not in body
    assert "足疗 (1)" not in body  # 王芳's service is not theirs


@pytest.mark.django_db
@pytest.mark.req("ANA-1", "PRV-2")
def test_finance_and_the_auditor_see_no_visits_they_are_not_given(
    client, login, regular, store, make_persona
):
    from anxin.clients.selectors import scope

    for user_key in ("finance", "auditor"):
        user = make_persona(user_key, store, user_key)
        login(client, user)
        response = client.get(f"/clients/{regular.code}/")
        if scope(user, store, "view") is None:
            assert response.status_code == 404
            continue
        body = response.content.decode()
        shows_amounts = scope(user, store, "view_spending") is not None
        assert ("Total spending" in body) == shows_amounts
        client.logout()


@pytest.mark.django_db
@pytest.mark.req("UX-1", "BIZ-3")
def test_upcoming_bookings_in_local_time_by_name_with_links(client, login, front_desk, regular):
    login(client, front_desk)
    body = page(client, regular.code)
    assert "Upcoming bookings" in body
    first = Appointment.objects.get(code="YY900001")
    local = timezone.localtime(first.start).strftime("%Y-%m-%d %H:%M")
    assert f">{local}</time> 全身按摩, with 彭玉勇</a>" in body
    assert 'href="/appointments/YY900001/"' in body and 'href="/appointments/YY900002/"' in body
    assert "YY900003" not in body and "YY900004" not in body  # past and cancelled
    assert body.index("YY900001") < body.index("YY900002")  # soonest first
    assert "practitioner_a" not in body  # the person's name, not the account


@pytest.mark.django_db
@pytest.mark.req("UX-1")
def test_a_practitioner_sees_only_their_own_upcoming_bookings(client, login, practitioner, regular):
    login(client, practitioner)
    body = page(client, regular.code)
    assert "YY900001" in body and "YY900002" not in body


@pytest.mark.django_db
@pytest.mark.req("CLI-4", "UX-1")
def test_actions_book_and_record_a_service_with_the_client_filled(
    client, login, front_desk, practitioner, regular
):
    login(client, practitioner)
    body = page(client, regular.code)
    record = f'href="/services/new/?client={regular.code}"'
    assert record in body and "Record a service" in body
    form = client.get(f"/services/new/?client={regular.code}").content.decode()
    assert f'value="林小雨 {regular.code}"' in form  # the combobox starts with the client
    client.logout()
    login(client, front_desk)
    body = page(client, regular.code)
    assert f'href="/appointments/new/?client={regular.code}"' in body


@pytest.mark.django_db
@pytest.mark.req("CLI-4", "PRV-2")
def test_who_may_not_record_or_book_is_not_offered_it(client, login, regular, store, make_persona):
    auditor = make_persona("auditor", store, "auditor")
    login(client, auditor)
    response = client.get(f"/clients/{regular.code}/")
    body = response.content.decode()
    assert "/services/new/?client=" not in body and "/appointments/new/?client=" not in body


@pytest.mark.django_db
@pytest.mark.req("UX-2", "PRV-2")
def test_the_access_list_is_in_words_in_chinese(client, login, manager, regular, store):
    use_log(actor=manager, action="view_health", instance=regular, store=store)
    use_log(
        actor=manager, action="search", instance=regular, purpose="search (pinyin)", store=store
    )
    login(client, manager)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        body = client.get(f"/clients/{regular.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = body.content.decode()
    access = body[body.index('id="access-h"') :]
    access = access[: access.index("</section>")]
    for raw in ("view_health", "search (pinyin)", ">view<", ">search<", "clients.client", "True"):
        assert raw not in access, raw


@pytest.mark.django_db(transaction=True)  # data keys are cached once committed, as in a shop
@pytest.mark.req("CLI-4", "BIZ-3")
def test_the_file_takes_the_same_queries_however_many_services_and_bookings(
    client, login, manager, regular, named
):
    a, _b = named
    login(client, manager)

    def grow(n):
        for i in range(n):
            serve(regular, a, 200 + i, "推拿" if i % 2 else "刮痧", "120.00")
            book(regular, a, hours=100 + i)

    path = f"/clients/{regular.code}/"
    client.get(path)  # the data key is read once, then cached
    assert_constant_queries(lambda: client.get(path), grow, rows=4)
    body = page(client, regular.code)
    assert body.count('href="/appointments/YY') <= 5  # the list is bounded


@pytest.mark.django_db
@pytest.mark.req("CLI-4", "UX-1")
def test_the_file_lists_the_last_twenty_services_without_their_notes(
    client, login, manager, regular, named
):
    """The history section is bounded (the client with most services had 109) and reads only
    the columns it shows: each service's notes are encrypted, decrypted when loaded."""
    from anxin.clients.selectors import SERVICE_LIMIT
    from anxin.core.testing import captured

    a, _b = named
    for i in range(SERVICE_LIMIT + 5):
        serve(regular, a, 200 + i, "刮痧", "120.00")
    login(client, manager)
    response, sql = captured(lambda: client.get(f"/clients/{regular.code}/"))
    body = response.content.decode()
    history = body[
        body.index('id="services-h"') : body.index("</section>", body.index('id="services-h"'))
    ]
    assert history.count("<tr><td>") == SERVICE_LIMIT
    listing = [s for s in sql if 'FROM "clients_servicerecord"' in s and "LIMIT 20" in s]
    assert listing and all('"clients_servicerecord"."notes"' not in s for s in listing)
