"""Retention runs (STO-6): dry run, a second person's approval, anonymisation, the record."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from anxin.audit.models import OperationLog
from anxin.clients.models import Client
from anxin.privacy import retention
from anxin.privacy.models import Erasure, LegalHold, RetentionRun, RunState

pytestmark = [pytest.mark.django_db, pytest.mark.req("STO-6")]


@pytest.fixture
def old_clients(store):
    """Three clients registered four years ago who never came back, one recent."""
    from anxin.clients.models import Client as C

    made = []
    for i in range(3):
        made.append(
            C.objects.create(
                store=store, code=f"KH2201{i:04d}", name=f"老客{i}", phone=f"1390000000{i}"
            )
        )
    C.objects.filter(pk__in=[c.pk for c in made]).update(
        created_at=timezone.now() - dt.timedelta(days=4 * 365)
    )
    C.objects.create(store=store, code="KH26120999", name="新客", phone="13911112222")
    return made


@pytest.fixture
def rule(officer, store):
    return retention.rule_create(actor=officer, store=store, kind="no_visit", months=36)


def test_dry_run_counts_and_changes_nothing(rule, old_clients):
    out = io.StringIO()
    call_command("privacy", "retention", "--dry-run", stdout=out)
    assert "3 clients found; nothing was changed" in out.getvalue()
    assert not Erasure.objects.exists() and not RetentionRun.objects.exists()


def test_run_needs_a_second_person_then_anonymises_and_records(
    rule, old_clients, officer, officer_b, store
):
    run = retention.run_propose(actor=officer, store=store, rule=rule)
    assert run.candidates == 3
    with translation.override("en"), pytest.raises(ValidationError, match="second person"):
        retention.run_approve(actor=officer, store=store, run=run)
    assert not Erasure.objects.exists()
    assert RetentionRun.objects.get(pk=run.pk).state == RunState.PROPOSED
    LegalHold.objects.create(store=store, client=old_clients[0], reason="诉讼", placed_by=officer)
    run = retention.run_approve(actor=officer_b, store=store, run=run)
    assert run.state == RunState.APPLIED and run.anonymised == 2 and run.held == 1
    assert run.decided_by == officer_b
    names = dict(Client.objects.values_list("code", "name"))
    assert names[old_clients[0].code] == "老客0"
    assert names[old_clients[1].code] == "匿名" and names["KH26120999"] == "新客"
    assert OperationLog.objects.filter(record_type="privacy.retentionrun", action="apply").exists()


def test_apply_without_approval_is_refused_and_changes_nothing(rule, old_clients, officer, store):
    run = retention.run_propose(actor=officer, store=store, rule=rule)
    with translation.override("en"), pytest.raises(ValidationError, match="not been approved"):
        retention.run_apply(run=run)
    with pytest.raises(CommandError, match="approved by a second person"):
        call_command("privacy", "retention", "--apply", stdout=io.StringIO())
    assert not Erasure.objects.exists()
    assert Client.objects.filter(name__startswith="老客").count() == 3
    assert OperationLog.objects.filter(action="apply_refused").exists()


def test_someone_without_the_permission_cannot_propose(rule, front_desk, store):
    from anxin.audit.models import UseLog

    with pytest.raises(PermissionDenied):
        retention.run_propose(actor=front_desk, store=store, rule=rule)
    assert not RetentionRun.objects.exists()
    assert UseLog.objects.filter(user=front_desk, outcome="denied").exists()


def test_monthly_task_only_proposes(rule, old_clients):
    from anxin.privacy.rights_tasks import retention_monthly

    retention_monthly.call_local()
    run = RetentionRun.objects.get()
    assert run.state == RunState.PROPOSED and run.proposed_by is None and run.candidates == 3
    assert not Erasure.objects.exists()


def test_retention_pages(client, login, rule, old_clients, officer, officer_b, store):
    login(client, officer)
    assert client.get("/privacy/retention/").status_code == 200
    response = client.post(f"/privacy/retention/rules/{rule.pk}/propose/")
    run = RetentionRun.objects.get()
    assert response.status_code == 302
    response = client.post(f"/privacy/retention/runs/{run.pk}/approve/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and b"second person" in response.content
    login(client, officer_b)
    response = client.post(f"/privacy/retention/runs/{run.pk}/approve/")
    assert response.status_code == 302
    assert RetentionRun.objects.get().state == RunState.APPLIED
