"""AUD-2: logs are kept at least six months (three years by default), then purged provably."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.utils import timezone

from anxin.audit import chain
from anxin.audit.checks import audit_settings
from anxin.audit.models import OperationLog, UseLog
from anxin.audit.services import PurgeRefused, operation_log, purge, use_log

from .helpers import drop_guards, frozen, raw

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def days_ago(n: int) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


@pytest.fixture
def history(db):
    """Entries 1000, 400, 184, 182 and 10 days old, in both logs, and nothing else."""
    for age in (1000, 400, 184, 182, 10):
        with frozen(days_ago(age)):
            operation_log(actor=None, action="update", record_type="x", record_id=str(age))
            use_log(actor=None, action="view", record_type="x", record_id=str(age))


def ages(model) -> list[str]:
    return list(model.objects.order_by("seq").values_list("record_id", flat=True))


def test_the_default_keeps_three_years(settings):
    from anxin.config.settings import base

    assert base.ANXIN_AUDIT_RETENTION_DAYS == 1095


@pytest.mark.req("AUD-2")
@pytest.mark.parametrize("days", [0, 30, 182, "365"])
def test_less_than_six_months_is_a_clear_error(settings, days):
    settings.ANXIN_AUDIT_RETENTION_DAYS = days
    errors = audit_settings()
    assert [e.id for e in errors] == ["audit.E001"]
    assert "at least 183 days" in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="at least 183 days"):
        purge(now=NOW)


@pytest.mark.req("AUD-2")
def test_six_months_is_accepted(settings):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 183
    assert audit_settings() == []


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_bad_retention_setting_refuses_the_purge_and_deletes_nothing(settings, history):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 30
    with pytest.raises(CommandError, match="at least 183 days"):
        call_command("audit", "purge")
    assert OperationLog.objects.count() == UseLog.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_purge_removes_only_what_is_past_retention(settings, history):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    with frozen(NOW):
        assert purge(now=NOW) == {"operation": 2, "use": 2}
    assert ages(UseLog) == ["184", "182", "10"]
    # the operation log also says the purge happened, and where each log starts now
    assert ages(OperationLog) == ["184", "182", "10", ""]
    record = OperationLog.objects.get(action="purge")
    assert record.record_type == "audit.log"
    assert record.changes["use_first_seq"] == {"before": 1, "after": 3}
    assert "retention 365 days" in record.reason


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_nothing_younger_than_six_months_is_ever_purged(settings, history):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 183
    purge(now=NOW)
    assert ages(UseLog) == ["182", "10"]


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_the_log_still_verifies_after_a_purge(
    settings, history, checkpoint_file, django_capture_on_commit_callbacks
):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    with django_capture_on_commit_callbacks(execute=True):
        purge(now=NOW)
    starts = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    assert [(r["kind"], r["log"], r["seq"]) for r in starts] == [
        ("start", "operation", 3),
        ("start", "use", 3),
    ]
    report = chain.verify()
    assert report.ok, report.problems
    assert report.counts == {"operation": 4, "use": 3}
    # Without the file, the purge's own entry in the operation log still anchors the chains.
    checkpoint_file.unlink()
    assert chain.verify(checkpoint=False).ok


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_deleting_more_after_a_purge_is_still_caught(settings, history):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    purge(now=NOW)
    drop_guards()
    raw("DELETE FROM audit_uselog WHERE seq = 3")  # the oldest kept entry
    report = chain.verify(checkpoint=False)
    assert [(p.log, p.seq) for p in report.problems] == [("use", 4)]
    assert "must start at seq 3" in report.problems[0].what


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_when_everything_is_old_the_chain_continues_after_the_purge(settings, db):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 183
    with frozen(days_ago(400)):
        for i in range(3):
            use_log(actor=None, action="view", record_type="x", record_id=str(i))
    assert purge(now=NOW) == {"operation": 0, "use": 3}
    assert not UseLog.objects.exists()
    assert chain.verify(checkpoint=False).ok
    entry = use_log(actor=None, action="view", record_type="x", record_id="new")
    assert entry.seq == 4
    report = chain.verify(checkpoint=False)
    assert report.ok and report.counts["use"] == 1


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_the_purge_leaves_the_guard_up(settings, history):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    purge(now=NOW)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM audit_uselog")
    assert UseLog.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_broken_log_is_not_purged(settings, history):
    """Purging could destroy the evidence of tampering: first the logs must verify."""
    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    drop_guards()
    raw("UPDATE audit_uselog SET purpose = 'x' WHERE seq = 1")
    with pytest.raises(PurgeRefused, match="use log entry seq 1"):
        purge(now=NOW)
    assert UseLog.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_the_purge_command_reports_and_dry_run_changes_nothing(settings, history, capsys):
    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    with frozen(NOW + dt.timedelta(seconds=1)):
        call_command("audit", "purge", "--dry-run")
        assert UseLog.objects.count() == 5
        assert "Would delete 2 operation log and 2 use log entries" in capsys.readouterr().out
        call_command("audit", "purge")
    assert "Deleted 2 operation log and 2 use log entries older than 365 days" in (
        capsys.readouterr().out
    )
    assert UseLog.objects.count() == 3


def test_purge_refuses_a_cutoff_inside_six_months(settings, monkeypatch):
    """Even if retention_days() were bypassed, the cutoff check stands."""
    from anxin.audit import services

    monkeypatch.setattr(services, "retention_days", lambda: 100)
    with pytest.raises(ImproperlyConfigured, match="younger than six months"):
        services.purge(now=timezone.now())


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_the_nightly_retention_run_purges(settings, history):
    from anxin.audit import tasks

    settings.ANXIN_AUDIT_RETENTION_DAYS = 365
    assert tasks.audit_purge.s().validate_datetime(dt.datetime(2026, 3, 3, 3, 47))
    with frozen(NOW):
        assert tasks.audit_purge.call_local() == {"operation": 2, "use": 2}
    assert ages(UseLog) == ["184", "182", "10"]
    drop_guards()
    raw("UPDATE audit_uselog SET purpose = 'x' WHERE seq = 4")
    with frozen(NOW + dt.timedelta(days=200)):
        assert tasks.audit_purge.call_local() is None  # refused: the log does not verify
    assert ages(UseLog) == ["184", "182", "10"]
