"""The service list at a store's scale: keyset pages through the (store, served_at) and
(practitioner, served_at) indexes, the last page as cheap as the first."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.clients.models import ServiceRecord
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured
from anxin.delivery.views import PAGE_SIZE


@pytest.fixture
def records(store, regular, practitioner, practitioner_b, item):
    """``add(n)``: n records each for the practitioner and a colleague, some at the same time."""
    now = timezone.now().replace(microsecond=0)

    def add(n):
        start = ServiceRecord.objects.count()
        for i in range(start, start + n):
            for who in (practitioner, practitioner_b):
                ServiceRecord.objects.create(
                    store=store, client=regular, practitioner=who, item=item,
                    item_name=item.name, amount=Decimal("98.00"),
                    served_at=now - dt.timedelta(hours=i // 3),  # three at each time
                )  # fmt: skip

    return add


@pytest.mark.django_db
@pytest.mark.req("CLI-4")
@pytest.mark.parametrize("who", ["manager", "practitioner"])
def test_the_service_list_pages_by_keyset_to_the_oldest(client, login, records, request, who):
    person = request.getfixturevalue(who)
    records(PAGE_SIZE + 10)
    login(client, person)
    visible = ServiceRecord.objects.all()
    if who == "practitioner":
        visible = visible.filter(practitioner=person)
    wanted = list(visible.order_by("-served_at", "-pk").values_list("pk", flat=True))
    seen, page = [], client.get("/services/").context["page_obj"]
    while True:
        seen += [r.pk for r in page]
        if not page.has_next:
            break
        page = client.get("/services/", {"after": page.next_cursor}).context["page_obj"]
    assert seen == wanted
    oldest = client.get("/services/", {"oldest": "1"}).context["page_obj"]
    assert [r.pk for r in oldest] == wanted[-len(oldest) :]
    back = client.get("/services/", {"before": oldest.previous_cursor}).context["page_obj"]
    assert [r.pk for r in back] == wanted[-len(oldest) - len(back) : -len(oldest)]


@pytest.mark.django_db
@pytest.mark.req("CLI-4")
def test_the_service_list_takes_the_same_queries_deep_down(client, login, manager, records):
    login(client, manager)

    def oldest():
        return client.get("/services/", {"oldest": "1"})

    assert_constant_queries(oldest, records, rows=PAGE_SIZE)


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("CLI-4")
@pytest.mark.parametrize("who", ["manager", "practitioner"])
def test_the_service_list_reads_through_an_index(client, login, records, request, who):
    records(PAGE_SIZE + 10)
    login(client, request.getfixturevalue(who))
    first = client.get("/services/").context["page_obj"]
    for params in ({}, {"after": first.next_cursor}, {"oldest": "1"}):
        response, sql = captured(lambda params=params: client.get("/services/", params))
        assert response.status_code == 200
        assert_no_full_scans(sql, sorts=True)


@pytest.mark.django_db
@pytest.mark.req("CLI-4")
def test_the_service_list_decrypts_nothing(client, login, manager, records):
    """Issue 11: a page of 50 records read the records' notes and the practitioners' staff
    files (pay, ID number, bank card) and decrypted them all; the list shows none of them."""
    records(3)
    login(client, manager)
    for query in ("", "?oldest=1"):
        response, sql = captured(lambda q=query: client.get(f"/services/{q}"))
        assert response.status_code == 200
        listing = [s for s in sql if 'FROM "clients_servicerecord"' in s]
        assert listing
        for statement in listing:
            for column in ('"clients_servicerecord"."notes"', '"staff_staffmember"."id_number"'):
                assert column not in statement, statement
        assert 'href="/services/' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.req("CLI-4")
def test_the_service_rows_show_time_client_item_practitioner_amount_and_score(
    client, login, manager, records, regular, practitioner
):
    """Issue 11: the rows are built in Python (no filter per row); they say what the template
    said: the local time linked to the record, the client's name and code, the item, the
    practitioner's name, the amount and the satisfaction score or a dash."""
    from anxin.accounts.names import person_name
    from anxin.delivery.models import Feedback

    records(1)
    scored = ServiceRecord.objects.filter(practitioner=practitioner).order_by("-served_at").first()
    Feedback.objects.create(service=scored, score=4)
    login(client, manager)
    page = client.get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    when = timezone.localtime(scored.served_at).strftime("%Y-%m-%d %H:%M")
    assert f'<tr><td><a href="/services/{scored.pk}/">{when}</a></td>' in page
    assert f'<th scope="row">{regular.name} {regular.code}</th>' in page
    name = person_name(practitioner, manager.role_assignments.first().store)
    assert f"<td>{name}</td><td>98.00</td><td>4/5</td></tr>" in page
    assert "<td>—</td></tr>" in page  # the colleague's record has no score
    assert "No services recorded." not in page


@pytest.mark.django_db
@pytest.mark.req("CLI-4")
def test_the_service_list_reads_only_the_columns_it_shows(client, login, manager, records):
    """Issue 11: the page's rows read the time, client, item name, practitioner's name, amount
    and score; the item and the promotion are not joined, and a page of rows stays small."""
    records(1)
    login(client, manager)
    few, _sql = captured(lambda: client.get("/services/", HTTP_ACCEPT_LANGUAGE="en"))
    records(10)
    many, sql = captured(lambda: client.get("/services/", HTTP_ACCEPT_LANGUAGE="en"))
    (listing,) = [s for s in sql if 'FROM "clients_servicerecord"' in s and "LIMIT" in s]
    for table in ("catalogue_serviceitem", "catalogue_promotion", '"clients_client"."gender"'):
        assert table not in listing, table
    row = '<tr><td><a href="/services/'
    assert many.content.decode().count(row) - few.content.decode().count(row) == 20
    assert (len(many.content) - len(few.content)) / 20 < 300
