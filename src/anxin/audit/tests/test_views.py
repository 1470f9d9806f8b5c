"""The supervisor's inbox and the log pages: who may see them, and what they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.audit.models import Alert, AlertRule, AlertState, OperationLog, UseLog
from anxin.audit.services import diff, operation_log, use_log

from .helpers import frozen, local


def make_alert(store, user, *, rule=AlertRule.BULK_READS, evidence=(), key="k1"):
    now = local(3, 10)
    return Alert.objects.create(
        rule=rule,
        key=key,
        user=user,
        store=store,
        window_start=now,
        occurred_at=now,
        raised_at=now,
        evidence=list(evidence),
        facts={"amount": 51, "threshold": 50, "minutes": 10},
    )


@pytest.fixture
def alert(store, practitioner):
    uses = [
        use_log(
            actor=practitioner,
            action="view",
            record_type="clients.client",
            record_id=str(i),
            purpose="服务",
            store=store,
        )
        for i in range(3)
    ]
    return make_alert(store, practitioner, evidence=[u.pk for u in uses])


def snapshot(alert):
    alert.refresh_from_db()
    return (alert.state, alert.note, alert.handled_by_id, alert.handled_at)


@pytest.mark.django_db
@pytest.mark.req("AUD-3")
def test_the_auditor_sees_open_alerts_with_their_evidence(client, login, auditor, alert):
    login(client, auditor)
    page = client.get("/audit/alerts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "practitioner_a" in text and "51" in text
    assert f"/audit/alerts/{alert.pk}/" in text
    detail = client.get(f"/audit/alerts/{alert.pk}/").content.decode()
    # The record in words (issue 12), not the model label: three evidence rows, one purpose each.
    assert "clients.client" not in detail and detail.count("<td>服务</td>") == 3


@pytest.mark.django_db
@pytest.mark.req("AUD-3", "AUD-1")
def test_acknowledge_then_close_with_a_note(client, login, auditor, alert):
    login(client, auditor)
    response = client.post(
        f"/audit/alerts/{alert.pk}/", {"action": "acknowledge", "note": "正在核实"}
    )
    assert response.status_code == 302
    assert snapshot(alert)[:3] == (AlertState.ACKNOWLEDGED, "正在核实", auditor.pk)
    client.post(f"/audit/alerts/{alert.pk}/", {"action": "close", "note": "已核实：月度回访"})
    assert snapshot(alert)[:3] == (AlertState.CLOSED, "已核实：月度回访", auditor.pk)
    # handling is a change like any other: in the operation log, before and after
    entries = OperationLog.objects.filter(record_type="audit.alert").order_by("seq")
    assert [(e.action, e.operator_id, e.changes["state"]) for e in entries] == [
        ("acknowledge", auditor.pk, {"before": "open", "after": "acknowledged"}),
        ("close", auditor.pk, {"before": "acknowledged", "after": "closed"}),
    ]
    # closed alerts leave the inbox, and can be shown on request
    assert f"/audit/alerts/{alert.pk}/" not in client.get("/audit/alerts/").content.decode()
    assert (
        f"/audit/alerts/{alert.pk}/" in client.get("/audit/alerts/?state=closed").content.decode()
    )


@pytest.mark.django_db
@pytest.mark.req("AUD-3", "PLT-4")
def test_closing_needs_a_note_and_changes_nothing_without_one(client, login, auditor, alert):
    login(client, auditor)
    before = snapshot(alert)
    response = client.post(f"/audit/alerts/{alert.pk}/", {"action": "close", "note": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    assert snapshot(alert) == before
    assert client.post(f"/audit/alerts/{alert.pk}/", {"action": "delete"}).status_code == 400
    assert snapshot(alert) == before
    assert not OperationLog.objects.filter(record_type="audit.alert").exists()


@pytest.mark.django_db
@pytest.mark.req("AUD-3", "SEC-3", "PRV-2")
@pytest.mark.parametrize("path", ["/audit/alerts/", "/audit/uses/", "/audit/operations/"])
def test_others_are_refused_and_the_attempt_is_logged_and_alerted(
    client, login, front_desk, manager, alert, path, django_capture_on_commit_callbacks
):
    for person in (front_desk, manager):
        login(client, person)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(path).status_code == 403
        attempt = UseLog.objects.filter(user=person).get()
        assert attempt.outcome == "denied" and attempt.record_type.startswith("audit.")
        assert Alert.objects.filter(rule=AlertRule.DENIED, user=person).count() == 1


@pytest.mark.django_db
@pytest.mark.req("AUD-3", "SEC-3")
def test_a_refused_handling_changes_nothing(client, login, front_desk, alert):
    login(client, front_desk)
    before = snapshot(alert)
    response = client.post(f"/audit/alerts/{alert.pk}/", {"action": "close", "note": "没事"})
    assert response.status_code == 403
    assert snapshot(alert) == before
    assert not OperationLog.objects.filter(record_type="audit.alert").exists()
    assert UseLog.objects.filter(user=front_desk, outcome="denied").count() == 1


@pytest.mark.django_db
@pytest.mark.req("AUD-3", "PLT-3")
def test_another_stores_auditor_cannot_see_or_handle_the_alert(
    client, login, make_persona, other_store, alert
):
    outsider = make_persona("other_auditor", other_store, "auditor")
    login(client, outsider)
    assert f"/audit/alerts/{alert.pk}/" not in client.get("/audit/alerts/").content.decode()
    before = snapshot(alert)
    assert client.get(f"/audit/alerts/{alert.pk}/").status_code == 404
    response = client.post(f"/audit/alerts/{alert.pk}/", {"action": "close", "note": "关"})
    assert response.status_code == 404
    assert snapshot(alert) == before


@pytest.mark.django_db
@pytest.mark.req("AUD-3", "SEC-2")
@pytest.mark.parametrize("role", ["auditor", "information_officer", "system_admin"])
def test_the_supervising_roles_have_the_inbox(client, login, make_persona, store, role):
    person = make_persona(f"p_{role}", store, role)
    login(client, person)
    assert client.get("/audit/alerts/").status_code == 200


@pytest.fixture
def busy_log(store, practitioner, manager, other_store):
    for i in range(60):
        with frozen(local(3 + i // 30, 10, i % 30)):
            use_log(
                actor=practitioner if i % 2 else manager,
                action="view",
                record_type="clients.client",
                record_id=str(i),
                purpose="回访",
                store=store,
            )
    use_log(
        actor=manager, action="view", record_type="clients.client", record_id="x", store=other_store
    )


@pytest.mark.django_db
@pytest.mark.req("PRV-2")
def test_the_use_log_page_filters_and_pages(client, login, auditor, busy_log):
    login(client, auditor)
    response = client.get("/audit/uses/")
    first = response.context["page_obj"]
    assert len(first) == 50 and first.has_next and not first.has_previous
    assert f'href="?after={first.next_cursor}"' in response.content.decode()
    # the 60 reads of this store, none of the other store's (the auditor's own reading of the
    # log is newer than the first page)
    second = client.get("/audit/uses/", {"after": first.next_cursor}).context["page_obj"]
    assert len(second) == 10 and not second.has_next and second.has_previous
    seqs = [e.seq for e in first] + [e.seq for e in second]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 60
    assert "x" not in {e.record_id for e in first} | {e.record_id for e in second}
    back = client.get("/audit/uses/", {"before": second.previous_cursor}).context["page_obj"]
    assert [e.seq for e in back] == [e.seq for e in first] and back.has_next
    oldest = client.get("/audit/uses/", {"oldest": "1"}).context["page_obj"]
    assert [e.seq for e in oldest] == seqs[-50:] and not oldest.has_next
    by_person = client.get("/audit/uses/", {"user": "practitioner_a"}).content.decode()
    assert by_person.count("practitioner_a") >= 30 and "<td>manager</td>" not in by_person
    record = client.get("/audit/uses/", {"record": "7"}).context["page_obj"]
    assert [e.record_id for e in record] == ["7"]
    dated = client.get("/audit/uses/", {"date_from": "2026-03-04", "date_to": "2026-03-04"})
    assert len(dated.context["page_obj"]) == 30 and not dated.context["page_obj"].has_next
    other_store_rows = [e for e in dated.context["page_obj"] if e.record_id == "x"]
    assert other_store_rows == []
    bad = client.get("/audit/uses/", {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert bad.status_code == 400


@pytest.mark.django_db
@pytest.mark.req("PRV-2")
def test_reading_the_logs_is_itself_logged(client, login, auditor, busy_log):
    login(client, auditor)
    response = client.get("/audit/uses/", {"user": "manager"})
    entry = UseLog.objects.filter(user=auditor).get()
    assert (entry.action, entry.record_type, entry.count) == ("search", "audit.uselog", 30)
    assert entry.request_id == response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-3")
def test_the_operation_log_page_shows_before_after_but_no_sensitive_values(
    client, login, auditor, manager, store
):
    operation_log(
        actor=manager,
        action="update",
        record_type="clients.client",
        record_id="8",
        store=store,
        changes=diff(
            {"name": "李四", "phone": "13812345678"},
            {"name": "李思", "phone": "13987654321"},
            {"phone"},
        ),
    )
    login(client, auditor)
    page = client.get(
        "/audit/operations/", {"record_type": "clients.client", "record": "8"}
    ).content.decode()
    assert "李四" in page and "李思" in page
    assert "13812345678" not in page and "13987654321" not in page
    # The field by its name in the reader's language (issue 12), not ``phone``.
    assert "电话：已修改" in page and "phone" not in page.split("<main", 1)[1]


@pytest.mark.django_db
@pytest.mark.req("PRV-2")
@pytest.mark.parametrize("path", ["/audit/uses/", "/audit/operations/", "/audit/alerts/"])
def test_list_pages_take_the_same_number_of_queries_for_many_rows(
    client, login, auditor, store, practitioner, path
):
    login(client, auditor)

    def add(n, start):
        for i in range(start, start + n):
            use_log(
                actor=practitioner, action="view", record_type="x", record_id=str(i), store=store
            )
            operation_log(
                actor=practitioner, action="update", record_type="x", record_id=str(i), store=store
            )
            make_alert(store, practitioner, evidence=[], key=f"k{i}")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    add(2, 0)
    count()  # the first request also works out what is kept a minute (the inbox count)
    few = count()
    add(20, 100)
    assert count() == few


@pytest.mark.django_db
def test_pages_are_accessible_html(client, login, auditor, alert):
    login(client, auditor)
    for path in (
        "/audit/alerts/",
        f"/audit/alerts/{alert.pk}/",
        "/audit/uses/",
        "/audit/operations/",
    ):
        html = client.get(path).content.decode()
        assert html.count("<h1") == 1
        assert "<caption>" in html and 'scope="col"' in html
    detail = client.get(f"/audit/alerts/{alert.pk}/").content.decode()
    assert '<label for="id_note">' in detail
