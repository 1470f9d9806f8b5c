"""Issue 11: the logs' rows are built in Python, once per page (names, words and labels worked
out once per person and kind), with no encrypted field of a staff file read: a page takes the
same queries however many entries and people the log holds, and shows what the template did."""

import pytest
from django.utils.translation import override

from anxin.accounts.names import plain_name
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


@pytest.mark.django_db
@pytest.mark.req("AUD-3")
def test_the_alert_rows_say_when_what_and_who_in_words(client, login, auditor, store, practitioner):
    """``{% alert_rows %}``: the markup the template gave, one short row per alert."""
    from anxin.audit.models import Alert, AlertRule

    def alert(i, user, evidence):
        return Alert.objects.create(
            rule=AlertRule.BULK_READS, key=f"k{i}", user=user, store=store,
            window_start=local(3, 10), occurred_at=local(3, 10, i), raised_at=local(3, 10, i),
            evidence=evidence, facts={"amount": 51, "threshold": 50, "minutes": 10},
        )  # fmt: skip

    named = alert(1, practitioner, [1, 2, 3])
    alert(0, None, [1])
    login(client, auditor)
    with override("en"):
        page = client.get("/audit/alerts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        '\n    <tr>\n      <td><time datetime="2026-03-03T10:01:00+08:00">2026-03-03 10:01</time>'
        '</td>\n      <th scope="row">Bulk reading of client records</th>\n      <td>practitioner_a</td>\n      '
        "<td>51 different client records read within 10 minutes (more than 50 raises an alert)."
        "</td>\n      <td>3 use log entries</td>\n      <td>open</td>\n      "
        f'<td><a href="/audit/alerts/{named.pk}/">Review alert {named.pk}</a></td>\n    </tr>'
    ) in page
    assert "<td>the system</td>" in page and "<td>1 use log entry</td>" in page
    with override("en"):
        few = client.get("/audit/alerts/", HTTP_ACCEPT_LANGUAGE="en").content
        for i in range(2, 12):
            alert(i, practitioner, [i])
        many = client.get("/audit/alerts/", HTTP_ACCEPT_LANGUAGE="en").content
    assert (len(many) - len(few)) / 10 < 600


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_the_people_a_page_of_changes_names_are_read_once_for_the_page(
    client, login, auditor, store, make_persona
):
    """A booking logs its practitioner, a change request its proposer and approver: each named
    in words, read in one query for the page, not one per entry (issue 11)."""
    made = []

    def add(n):
        for _ in range(n):
            i = len(made)
            person = make_persona(f"named{i:03d}", store, "practitioner")
            made.append(person)
            with frozen(local(3, 10, i % 60)):
                operation_log(
                    actor=auditor, action="create", record_type="scheduling.appointment",
                    record_id=str(i), store=store,
                    changes={"practitioner": {"before": None, "after": person.pk}},
                )  # fmt: skip
                operation_log(
                    actor=auditor, action="propose", record_type="approvals.changerequest",
                    record_id=str(i), store=store,
                    changes={"proposer": person.username, "approver_id": person.pk},
                )  # fmt: skip

    login(client, auditor)
    assert_constant_queries(lambda: client.get(PAGES[1]), add, rows=5)
    with override("en"):
        page = client.get(PAGES[1], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    name = plain_name(made[-1])
    # Named three times, in words: the booking's practitioner, the proposer and the approver.
    assert f" → {name}</li>" in page and page.count(f"{name}</li>") >= 3


@pytest.mark.req("AUD-1")
def test_the_filter_choices_are_worked_out_once_per_language():
    """The record types (three hundred models named) and the actions the log filters offer:
    worked out once per language, not on every page of the logs (issue 11)."""
    from unittest import mock

    from anxin.audit import display

    with override("en"):
        en = display.record_type_choices()
        actions_en = display.operation_action_choices()
    with override("zh-hans"):
        zh = display.record_type_choices()
    assert en != zh and ("api.apitoken", "API token") in en
    with (
        mock.patch.object(display, "record_type_label", side_effect=AssertionError),
        mock.patch.object(display, "_grouped", side_effect=AssertionError),
        override("en"),
    ):
        assert display.record_type_choices() == en
        assert display.operation_action_choices() == actions_en
