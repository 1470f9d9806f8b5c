"""The two logs at a store's scale (PRV-2, AUD-1): keyset pages through the (store, seq) index,
no OFFSET, no count or sort of the whole log, date filters as ranges of local time."""

import pytest

from anxin.audit.models import OperationLog, UseLog
from anxin.audit.services import operation_log, use_log
from anxin.core.testing import assert_no_full_scans, captured

from .helpers import frozen, local


@pytest.fixture
def logs(store, other_store, practitioner):
    for i in range(60):
        with frozen(local(3 + i // 30, 10, i % 30)):
            where = None if i % 5 == 4 else store
            use_log(
                actor=practitioner, action="view", record_type="x", record_id=str(i), store=where
            )
            operation_log(
                actor=practitioner, action="update", record_type="x", record_id=str(i), store=where
            )
    use_log(actor=practitioner, action="view", record_type="x", record_id="y", store=other_store)


@pytest.mark.django_db
@pytest.mark.req("PRV-2", "AUD-1")
@pytest.mark.parametrize(
    ("path", "model"), [("/audit/uses/", UseLog), ("/audit/operations/", OperationLog)]
)
def test_the_log_pages_walk_the_whole_log_by_keyset_both_ways(
    client, login, auditor, store, logs, path, model
):
    login(client, auditor)
    wanted = list(
        model.objects.filter(record_type="x")
        .exclude(record_id="y")
        .order_by("-seq")
        .values_list("seq", flat=True)
    )
    seen, page = [], client.get(path, {"record_type": "x"}).context["page_obj"]
    while True:
        seen += [e.seq for e in page]
        if not page.has_next:
            break
        page = client.get(path, {"record_type": "x", "after": page.next_cursor}).context["page_obj"]
    assert seen == wanted  # the store's entries and the store-less ones, merged, none twice
    oldest = client.get(path, {"record_type": "x", "oldest": "1"}).context["page_obj"]
    assert [e.seq for e in oldest] == wanted[-len(oldest) :] and not oldest.has_next
    html = client.get(path, {"record_type": "x"}).content.decode()
    assert "oldest=1" in html and 'rel="next"' in html


@pytest.mark.sqlite_only
@pytest.mark.django_db
@pytest.mark.req("PRV-2", "AUD-1")
@pytest.mark.parametrize("path", ["/audit/uses/", "/audit/operations/"])
def test_the_log_pages_read_through_the_store_seq_index(client, login, auditor, logs, path):
    login(client, auditor)
    first = client.get(path).context["page_obj"]
    for params in (
        {},
        {"after": first.next_cursor},
        {"oldest": "1"},
        {"date_from": "2026-03-04", "date_to": "2026-03-04"},
    ):
        response, sql = captured(lambda params=params: client.get(path, params))
        assert response.status_code == 200
        assert_no_full_scans(sql, sorts=True)
