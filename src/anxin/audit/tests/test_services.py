import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from anxin.audit import chain
from anxin.audit.models import AppendOnlyError, OperationLog, UseLog
from anxin.audit.services import client_ip, diff, operation_log, use_log
from anxin.core.services import category_create
from anxin.org.models import Post
from anxin.org.services import post_create

from .helpers import frozen, local, raw


@pytest.fixture
def post(db):
    department = category_create(actor=None, kind="department", number=1, name="按摩部")
    return post_create(actor=None, department=department, name="按摩师")


def request_from(address="10.0.0.7", forwarded="", store=None):
    request = RequestFactory().get("/somewhere", REMOTE_ADDR=address)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    request.request_id = "f" * 32
    request.store = store
    return request


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_a_change_is_logged_with_operator_time_record_and_before_after(manager, store, post):
    when = local(3, 10, 15)
    with frozen(when):
        entry = operation_log(
            actor=manager,
            action="update",
            instance=post,
            changes=diff({"name": "按摩师", "headcount": 1}, {"name": "足疗师", "headcount": 3}),
            reason="岗位调整",
            request=request_from(store=store),
        )
    stored = OperationLog.objects.get(pk=entry.pk)
    assert stored.operator == manager
    assert stored.store == store
    assert stored.at == when
    assert (stored.record_type, stored.record_id, stored.record_code) == (
        "org.post",
        str(post.pk),
        "JG0101",
    )
    assert stored.action == "update"
    assert stored.changes == {
        "headcount": {"before": 1, "after": 3},
        "name": {"before": "按摩师", "after": "足疗师"},
    }
    assert stored.reason == "岗位调整"
    assert (stored.ip, stored.request_id) == ("10.0.0.7", "f" * 32)
    assert stored.seq == OperationLog.objects.latest("seq").seq and len(stored.mac) == 64


@pytest.mark.django_db
@pytest.mark.req("AUD-1")
def test_the_system_is_an_operator_with_no_account(post):
    entry = operation_log(actor=None, action="create", instance=post, changes=diff({}, {"x": 1}))
    assert entry.operator is None and entry.changes == {"x": {"before": None, "after": 1}}


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "SEC-4")
def test_sensitive_fields_are_logged_as_changed_never_in_plaintext(manager, post, monkeypatch):
    before = {"name": "张三", "id_number": "110101199003071234", "phone": "13812345678"}
    after = {"name": "张三", "id_number": "110101199003075678", "phone": "13912345678"}
    entry = operation_log(
        actor=manager,
        action="update",
        record_type="clients.client",
        record_id="7",
        changes=diff(before, after, {"id_number", "phone"}),
    )
    # Forgotten by the caller, declared by the model: masked all the same.
    monkeypatch.setattr(Post, "audit_sensitive_fields", {"duties"}, raising=False)
    from anxin.audit.services import sensitive_fields

    sensitive_fields.cache_clear()
    second = operation_log(
        actor=manager,
        action="update",
        instance=post,
        changes={"duties": {"before": "旧职责 13812345678", "after": "新职责"}},
    )
    sensitive_fields.cache_clear()
    assert entry.changes == {"id_number": {"changed": True}, "phone": {"changed": True}}
    assert second.changes == {"duties": {"changed": True}}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_operationlog")
        dump = json.dumps([list(map(str, row)) for row in cursor.fetchall()], ensure_ascii=False)
    for secret in ("1234", "5678", "13812345678", "13912345678", "职责"):
        assert secret not in dump


@pytest.mark.req("AUD-1", "SEC-4")
def test_encrypted_model_fields_are_masked_without_being_named():
    from anxin.audit.services import sensitive_fields
    from anxin.crypto.tests.models import Secret

    assert sensitive_fields(Secret) >= {"note", "id_number", "id_number_index", "phone"}
    assert "plain" not in sensitive_fields(Secret)


def test_diff_keeps_only_what_changed_in_json_form():
    changes = diff(
        {"price": Decimal("88.00"), "day": dt.date(2026, 3, 1), "same": 1, "gone": "x"},
        {"price": Decimal("98.00"), "day": dt.date(2026, 3, 2), "same": 1, "new": [1, 2]},
    )
    assert changes == {
        "day": {"before": "2026-03-01", "after": "2026-03-02"},
        "gone": {"before": "x", "after": None},
        "new": {"before": None, "after": [1, 2]},
        "price": {"before": "88.00", "after": "98.00"},
    }
    assert diff({"a": 1}, {"a": 1}) == {}


@pytest.mark.django_db
@pytest.mark.req("PRV-2")
def test_a_read_is_logged_with_user_time_record_purpose_and_outcome(practitioner, store, post):
    when = local(4, 9, 30)
    with frozen(when):
        entry = use_log(
            actor=practitioner,
            action="view_health",
            instance=post,
            purpose="服务前查看禁忌",
            request=request_from("192.168.1.20", store=store),
        )
    stored = UseLog.objects.get(pk=entry.pk)
    assert (stored.user, stored.store, stored.at) == (practitioner, store, when)
    assert (stored.record_type, stored.record_id, stored.record_code) == (
        "org.post",
        str(post.pk),
        "JG0101",
    )
    assert (stored.action, stored.purpose, stored.outcome, stored.count) == (
        "view_health",
        "服务前查看禁忌",
        "allowed",
        1,
    )
    assert (stored.ip, stored.request_id) == ("192.168.1.20", "f" * 32)


@pytest.mark.django_db
@pytest.mark.req("PRV-2")
def test_an_export_records_how_many_rows(manager, store):
    entry = use_log(
        actor=manager, action="export", record_type="clients.client", store=store, count=240
    )
    assert UseLog.objects.get(pk=entry.pk).count == 240


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(settings):
    request = request_from("10.0.0.1", forwarded="1.2.3.4, 172.16.0.9")
    settings.ANXIN_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"
    settings.ANXIN_TRUSTED_PROXIES = 1
    assert client_ip(request) == "172.16.0.9"  # what our one proxy saw
    settings.ANXIN_TRUSTED_PROXIES = 2
    assert client_ip(request) == "1.2.3.4"
    assert client_ip(request_from("not-an-address")) == ""
    assert client_ip(request_from("2001:0db8:0000:0000:0000:0000:0000:0001")) == "2001:db8::1"
    assert client_ip(None) == ""


@pytest.mark.django_db
def test_misuse_is_refused_before_anything_is_written(manager):
    before = (OperationLog.objects.count(), UseLog.objects.count())
    with pytest.raises(ValueError):
        operation_log(actor=manager, action="", record_type="x")
    with pytest.raises(ValueError):
        operation_log(actor=manager, action="update")  # no record
    with pytest.raises(ValueError):
        use_log(actor=manager, action="view", record_type="x", outcome="maybe")
    with pytest.raises(ValueError):
        use_log(actor=manager, action="view", record_type="x" * 101)
    assert (OperationLog.objects.count(), UseLog.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "AUD-2")
def test_an_entry_rolls_back_with_its_change_and_burns_no_sequence_number(manager):
    head = OperationLog.objects.latest("seq").seq  # creating the persona was logged
    with pytest.raises(RuntimeError), transaction.atomic():
        operation_log(actor=manager, action="create", record_type="x", record_id="1")
        raise RuntimeError
    entry = operation_log(actor=manager, action="create", record_type="x", record_id="2")
    assert list(OperationLog.objects.filter(record_type="x").values_list("seq", "record_id")) == [
        (head + 1, "2")
    ]
    assert entry.seq == head + 1
    assert chain.verify(checkpoint=False).ok


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_the_application_cannot_change_or_delete_log_entries(manager):
    entry = operation_log(actor=manager, action="create", record_type="x", record_id="1")
    use = use_log(actor=manager, action="view", record_type="x", record_id="1")
    for model, obj in ((OperationLog, entry), (UseLog, use)):
        with pytest.raises(AppendOnlyError):
            model.objects.all().delete()
        with pytest.raises(AppendOnlyError):
            model.objects.filter(pk=obj.pk).update(action="tampered")
        with pytest.raises(AppendOnlyError):
            obj.delete()
        obj.action = "tampered"
        with pytest.raises(AppendOnlyError):
            obj.save()
    assert OperationLog.objects.get(pk=entry.pk).action == "create"
    assert UseLog.objects.get(pk=use.pk).action == "view"


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
@pytest.mark.parametrize("table", ["audit_operationlog", "audit_uselog"])
@pytest.mark.parametrize("sql", ["UPDATE {table} SET action = 'tampered'", "DELETE FROM {table}"])
def test_the_database_refuses_update_and_delete(manager, table, sql):
    entry = operation_log(actor=manager, action="create", record_type="x", record_id="1")
    use = use_log(actor=manager, action="view", record_type="x", record_id="1")
    counts = (OperationLog.objects.count(), UseLog.objects.count())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql.format(table=table))
    assert OperationLog.objects.get(pk=entry.pk).action == "create"
    assert UseLog.objects.get(pk=use.pk).action == "view"
    assert (OperationLog.objects.count(), UseLog.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
@pytest.mark.parametrize("table", ["audit_operationlog", "audit_uselog"])
def test_postgresql_refuses_truncate(table):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    # (On a table with rows written in this same transaction PostgreSQL refuses anyway.)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(f"TRUNCATE {table}")


@pytest.mark.django_db
@pytest.mark.req("AUD-1", "PRV-2")
def test_logging_costs_three_queries_inside_the_callers_transaction(
    manager, store, django_assert_num_queries
):
    use_log(actor=manager, action="view", record_type="x", store=store)  # heads exist now
    # lock the chain heads, INSERT the entry, move the head
    with django_assert_num_queries(3):
        use_log(actor=manager, action="view", record_type="x", store=store)
    with django_assert_num_queries(3):
        operation_log(actor=manager, action="update", record_type="x", store=store)
