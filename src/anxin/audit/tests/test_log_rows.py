"""Issue 11: the logs' rows are built in Python, once per page (names, words and labels worked
out once per person and kind), with no encrypted field of a staff file read: a page takes the
same queries however many entries and people the log holds, and shows what the template did."""

import pytest
from django.utils.translation import override

from anxin.audit.services import operation_log, use_log
from anxin.core.testing import assert_constant_queries, captured

from .helpers import frozen, local

PAGES = ["/audit/uses/", "/audit/operations/"]


@pytest.fixture
def entries(store, make_persona):
    """``add(n)``: n more entries in each log, by n new people."""
    made = []

    def add(n):
        for _ in range(n):
            i = len(made)
            person = make_persona(f"reader{i:03d}", store, "practitioner")
            made.append(person)
            with frozen(local(3, 10, i % 60)):
                use_log(
                    actor=person, action="view", record_type="clients.client", record_id=str(i),
                    store=store, purpose="day view",
                )  # fmt: skip
                operation_log(
                    actor=person, action="update", record_type="clients.client",
                    record_id=str(i), store=store, changes={"gender": ["", "f"]},
                )  # fmt: skip
        return made

    return add


@pytest.mark.django_db
@pytest.mark.req("PRV-2", "AUD-1")
@pytest.mark.parametrize("path", PAGES)
def test_a_log_page_takes_the_same_queries_however_many_people_wrote_it(
    client, login, auditor, entries, path
):
    login(client, auditor)
    assert_constant_queries(lambda: client.get(path), entries, rows=5)
    _, sql = captured(lambda: client.get(path))
    assert not [q for q in sql if '"id_number"' in q or '"base_pay"' in q], "staff secrets read"


@pytest.mark.django_db
@pytest.mark.req("PRV-2", "AUD-1")
def test_the_rows_show_who_when_what_and_the_changes_in_words(client, login, auditor, entries):
    entries(2)
    login(client, auditor)
    with override("en"):
        uses = client.get(PAGES[0], HTTP_ACCEPT_LANGUAGE="en").content.decode()
        operations = client.get(PAGES[1], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for page in (uses, operations):
        assert "reader001" in page and "reader000" in page
        assert '<time datetime="2026-03-03T10:01:00+08:00">2026-03-03 10:01:00</time>' in page
        assert "No entries match." not in page
    assert "<td>Allowed</td>" in uses or "allowed" in uses.lower()
    assert "<ul><li>" in operations and "→" in operations
