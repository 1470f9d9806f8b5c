"""Issue 11: the home page is the most requested page; it reads the person's roles once and
their follow-up figures in one query, however many tasks and records there are."""

import datetime as dt

import pytest
from django.core.cache import cache

from anxin.core.testing import captured


def home_queries(client):
    response, queries = captured(lambda: client.get("/"))
    assert response.status_code == 200
    return queries


def follow_ups(n, *, assignee, store, front_desk, overdue=False):
    from anxin.catalogue.testing import make_client
    from anxin.clients.models import Client
    from anxin.delivery.models import FollowUpTask

    client = Client.objects.first() or make_client(actor=front_desk, store=store)
    due = dt.date(2020, 1, 1) if overdue else dt.date(2099, 1, 1)
    for _ in range(n):
        FollowUpTask.objects.create(
            store=store, client=client, assignee=assignee, kind="phone", due_on=due
        )


@pytest.mark.django_db
@pytest.mark.req("PLT-2")
@pytest.mark.parametrize("persona", ["front_desk", "practitioner", "manager"])
def test_home_reads_roles_once_and_tasks_in_one_query(client, login, request, persona, store):
    user = request.getfixturevalue(persona)
    login(client, user)
    queries = home_queries(client)
    roles = [q for q in queries if 'FROM "accounts_role"' in q]
    tasks = [q for q in queries if 'FROM "delivery_followuptask"' in q]
    assert len(roles) <= 2, "\n".join(roles)  # the second factor's check, and the page's
    assert len(tasks) == 1, "\n".join(tasks)


@pytest.mark.django_db
@pytest.mark.req("PLT-2")
def test_home_shows_open_and_overdue_tasks_with_constant_queries(
    client, login, practitioner, front_desk, store
):
    login(client, practitioner)
    before = home_queries(client)
    follow_ups(3, assignee=practitioner, store=store, front_desk=front_desk)
    follow_ups(2, assignee=practitioner, store=store, front_desk=front_desk, overdue=True)
    cache.clear()  # the panels as computed, not as kept for a minute
    after = home_queries(client)
    assert len(after) == len(before)
    panels = dict(client.get("/").context["panels"])
    panel = panels["delivery/_home_panel.html"]
    assert (panel["open_tasks"], panel["overdue"]) == (5, 2)
