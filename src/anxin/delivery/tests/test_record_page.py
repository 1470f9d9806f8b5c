"""The service-record page at a store's scale (CLI-4, UX-1): it offers no store-wide client list
(the client is found by typing, through the combobox), only a practitioner's few recent clients,
read by walking an index, in a number of queries that does not grow with the clients or the
services."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.clients import services as client_services
from anxin.clients.models import Client, ServiceRecord
from anxin.core.testing import assert_constant_queries, assert_no_full_scans, captured
from anxin.delivery import selectors

pytestmark = pytest.mark.req("CLI-4", "UX-1")

_serial = itertools.count(1)


def grow_store(front_desk, practitioner, practitioner_b, store):
    """``n`` more clients, each served lately by each practitioner, twice."""

    def grow(n):
        for _ in range(n):
            client = client_services.client_create(
                actor=front_desk, store=store, name=f"客户{next(_serial)}"
            )
            ServiceRecord.objects.bulk_create(
                ServiceRecord(
                    store=store,
                    client=client,
                    practitioner=who,
                    served_at=timezone.now() - dt.timedelta(days=days, minutes=next(_serial)),
                    item_name="足疗",
                    amount=Decimal("98.00"),
                )
                for who in (practitioner, practitioner_b)
                for days in (1, 5)
            )

    return grow


def no_aggregation(sql):
    """Nothing sums up the store's recent services to build a list for each page load."""
    grouped = [s for s in sql if "GROUP BY" in s.upper() or "MAX(" in s.upper()]
    assert not grouped, grouped


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["front_desk", "practitioner"])
def test_the_record_page_costs_the_same_however_many_clients_and_services(
    request, client, login, who, front_desk, practitioner, practitioner_b, store, item
):
    user = request.getfixturevalue(who)
    login(client, user)
    grow = grow_store(front_desk, practitioner, practitioner_b, store)
    n = assert_constant_queries(lambda: client.get("/services/new/"), grow, rows=4)
    assert n < 30
    response, sql = captured(lambda: client.get("/services/new/"))
    assert response.status_code == 200
    no_aggregation(sql)
    assert_no_full_scans(sql)
    page = response.content.decode()
    suggested = response.context["form"].fields["client"].widget.suggestions
    if who == "front_desk":
        assert suggested == []  # no store-wide list: they type
        assert not [code for code in Client.objects.values_list("code", flat=True) if code in page]
    else:
        assert len(suggested) == selectors.PICKER_SIZE  # a few recent clients, newest first
        assert 'role="combobox"' not in page  # the script makes the box a combobox


@pytest.mark.django_db
def test_the_practitioner_suggestions_are_their_recent_clients_newest_first(
    front_desk, practitioner, practitioner_b, store
):
    grow_store(front_desk, practitioner, practitioner_b, store)(3)
    newest_first = list(
        ServiceRecord.objects.filter(practitioner=practitioner)
        .order_by("-served_at")
        .values_list("client_id", flat=True)
    )
    expected = list(dict.fromkeys(newest_first))
    found = selectors.recordable_clients(actor=practitioner, store=store)
    assert [c.pk for c in found] == expected
    assert selectors.recordable_clients(actor=front_desk, store=store) == []


@pytest.mark.django_db
@pytest.mark.req("CLI-7")
def test_the_record_form_takes_the_client_as_typed_and_opens_with_one_given(
    client, login, front_desk, practitioner, store, item, regular, stranger
):
    login(client, practitioner)
    form = client.get(f"/services/new/?client={regular.code}").context["form"]
    assert form["client"].value() == f"{regular.name} {regular.code}"
    assert form.fields["item"].widget.attrs.get("autofocus")
    # Another's client, by code or by name, reads as no client at all; nothing is saved.
    for typed in (stranger.code, stranger.name):
        response = client.post(
            "/services/new/", {"client": typed, "item": item.pk}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400
        assert response.context["form"].errors["client"][0].startswith("No client found")
    assert not ServiceRecord.objects.filter(client=stranger).exists()
    response = client.post("/services/new/", {"client": regular.name, "item": item.pk})
    assert response.status_code == 302
    assert ServiceRecord.objects.filter(client=regular, created_by=practitioner).exists()
