"""The copy and the desk's list read a bounded number of queries, whatever the history (PRV-6)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.accounts.models import Store
from anxin.clients.models import ServiceRecord
from anxin.delivery.models import Feedback
from anxin.privacy import rights_selectors as selectors
from anxin.privacy import rights_services as services
from anxin.privacy.models import RightsRequest

pytestmark = [pytest.mark.django_db, pytest.mark.req("PRV-6")]


def _more_history(client, store, practitioner, n):
    for i in range(n):
        record = ServiceRecord.objects.create(
            store=store,
            client=client,
            practitioner=practitioner,
            served_at=timezone.now() - dt.timedelta(days=7 * (i + 1)),
            item_name="足疗",
            amount=Decimal("88.00"),
            notes=f"第{i}次",
        )
        Feedback.objects.create(service=record, score=4, comments="好")


def _counted(queries) -> int:
    """Queries, without the data-key look-ups: inside a test's transaction a data key is never
    cached (the keyring caches keys only once committed), in production it is read once."""
    return sum(1 for q in queries.captured_queries if "crypto_datakey" not in q["sql"])


def _copy_queries(officer, store, req) -> list[str]:
    # As a request does: the store and the request loaded afresh (names are memoised on them).
    store = Store.objects.get(pk=store.pk)
    req = RightsRequest.objects.get(pk=req.pk)
    with CaptureQueriesContext(connection) as queries:
        services.request_copy(actor=officer, store=store, req=req, fmt="json")
    return [q["sql"] for q in queries.captured_queries if "crypto_datakey" not in q["sql"]]


def test_copy_queries_do_not_grow_with_the_history(front_desk, officer, store, registered):
    req = services.request_open(
        actor=front_desk, store=store, client_code=registered.code, kind="copy", identity="id_card"
    )
    # A first copy, so that every list the copy reads (its own use-log entries among them) is
    # non-empty before counting: a list that is empty skips the queries of its related rows.
    _copy_queries(officer, store, req)
    few = _copy_queries(officer, store, req)
    _more_history(registered, store, front_desk, 12)
    many = _copy_queries(officer, store, req)
    assert len(many) == len(few), "\n".join(sorted(set(many) - set(few)))


def test_request_list_queries_do_not_grow_with_the_requests(front_desk, store, registered):
    def count():
        with CaptureQueriesContext(connection) as queries:
            selectors.request_list(actor=front_desk, store=store)
        return _counted(queries)

    services.request_open(
        actor=front_desk, store=store, client_code=registered.code, kind="copy", identity="id_card"
    )
    one = count()
    for kind in ("deletion", "objection", "access_report", "correction"):
        services.request_open(
            actor=front_desk, store=store, client_code=registered.code, kind=kind, identity="known"
        )
    assert count() == one
