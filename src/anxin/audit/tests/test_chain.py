"""AUD-2: `anxin audit verify` finds every edit, deletion, insertion and reordering."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from anxin.audit import chain
from anxin.audit.models import ChainHead, OperationLog, UseLog
from anxin.audit.services import operation_log, use_log

from .helpers import drop_guards, raw


@pytest.fixture
def logs(db):
    """Five changes and six reads, and nothing else (no personas: their creation is logged)."""
    for i in range(1, 6):
        operation_log(
            actor=None,
            action="update",
            record_type="org.post",
            record_id=str(i),
            changes={"name": {"before": f"旧{i}", "after": f"新{i}"}},
        )
    for i in range(1, 7):
        use_log(
            actor=None,
            action="view",
            record_type="clients.client",
            record_id=str(i),
            purpose="回访",
        )


def verify_fails(*, naming: str) -> str:
    """Run ``anxin audit verify``; it must exit 1 and its first line must name ``naming``."""
    out, err = [], []

    class Sink:
        def __init__(self, into):
            self.into = into

        def write(self, text):
            self.into.append(text)

        def flush(self):
            pass

    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=Sink(out), stderr=Sink(err))
    assert failure.value.returncode == 1
    first = "".join(err).splitlines()[0]
    assert first.startswith("BROKEN: ") and naming in first, first
    return first


def use_id(seq: int) -> int:
    return UseLog.objects.get(seq=seq).pk


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_intact_log_verifies_and_is_checkpointed(logs, capsys, checkpoint_file):
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "OK: operation log 5 entries, use log 6 entries"
    lines = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    assert [(r["kind"], r["log"], r["seq"]) for r in lines] == [
        ("checkpoint", "operation", 5),
        ("checkpoint", "use", 6),
    ]
    assert lines[1]["mac"] == UseLog.objects.get(seq=6).mac


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_empty_log_verifies(capsys):
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "OK: operation log 0 entries, use log 0 entries"


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_edited_entry_is_named(logs):
    drop_guards()
    raw("UPDATE audit_uselog SET purpose = %s WHERE seq = 3", ["营销"])
    line = verify_fails(naming=f"use log entry seq 3 (id {use_id(3)})")
    assert "edited" in line


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_edited_before_after_values_are_named(logs):
    drop_guards()
    entry = OperationLog.objects.get(seq=2)
    raw(
        "UPDATE audit_operationlog SET changes = %s WHERE seq = 2",
        [json.dumps({"name": {"before": "旧2", "after": "别的"}})],
    )
    verify_fails(naming=f"operation log entry seq 2 (id {entry.pk})")


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_edited_time_or_record_is_named(logs):
    drop_guards()
    raw("UPDATE audit_uselog SET record_id = '99' WHERE seq = 5")
    verify_fails(naming="use log entry seq 5")
    raw("UPDATE audit_uselog SET record_id = '5' WHERE seq = 5")
    raw("UPDATE audit_operationlog SET at = %s WHERE seq = 4", [OperationLog.objects.get(seq=3).at])
    verify_fails(naming="operation log entry seq 4")


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_deleted_entry_is_named(logs):
    drop_guards()
    raw("DELETE FROM audit_uselog WHERE seq = 4")
    line = verify_fails(naming=f"use log entry seq 5 (id {use_id(5)})")
    assert "seq 4 is missing" in line


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_deleted_first_entry_is_named(logs):
    drop_guards()
    raw("DELETE FROM audit_operationlog WHERE seq = 1")
    line = verify_fails(naming="operation log entry seq 2")
    assert "must start at seq 1" in line


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_deleted_last_entry_is_found_by_the_chain_head(logs):
    drop_guards()
    raw("DELETE FROM audit_uselog WHERE seq = 6")
    line = verify_fails(naming="use log entry seq 5")
    assert "ends at seq 6" in line


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_cut_tail_with_a_forged_head_is_found_by_the_checkpoint(logs, checkpoint_file):
    call_command("audit", "verify")  # checkpoints use seq 6
    drop_guards()
    raw("DELETE FROM audit_uselog WHERE seq >= 5")
    last = UseLog.objects.get(seq=4)
    ChainHead.objects.filter(log="use").update(seq=4, mac=last.mac)  # an intruder's tidy-up
    line = verify_fails(naming="use log entry seq 6")
    assert "checkpoint" in line and "ends at seq 4" in line


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_entry_inserted_at_the_end_is_named(logs):
    drop_guards()
    fake = UseLog(
        seq=7,
        at=UseLog.objects.get(seq=6).at,
        record_type="clients.client",
        record_id="99",
        action="view",
        mac="0" * 64,
    )
    fake.save()
    ChainHead.objects.filter(log="use").update(seq=7, mac=fake.mac)
    verify_fails(naming=f"use log entry seq 7 (id {fake.pk})")


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_entry_inserted_in_the_middle_is_named(logs):
    drop_guards()
    # Make room after seq 3 (two steps: the seq column is unique), then slip one in.
    raw("UPDATE audit_uselog SET seq = seq + 1000 WHERE seq > 3")
    raw("UPDATE audit_uselog SET seq = seq - 999 WHERE seq > 1000")
    template = UseLog.objects.get(seq=3)
    fake = UseLog(
        seq=4,
        at=template.at,
        user_id=template.user_id,
        record_type="clients.client",
        record_id="99",
        action="view",
        mac=template.mac,
    )
    fake.save()
    verify_fails(naming=f"use log entry seq 4 (id {fake.pk})")


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_reordered_entries_are_named(logs):
    drop_guards()
    second, third, fourth = (OperationLog.objects.get(seq=n) for n in (2, 3, 4))
    raw("UPDATE audit_operationlog SET seq = 100 WHERE seq = 2")
    raw("UPDATE audit_operationlog SET seq = 2 WHERE seq = 3")
    raw("UPDATE audit_operationlog SET seq = 3 WHERE seq = 100")
    line = verify_fails(naming=f"operation log entry seq 2 (id {third.pk})")
    assert "moved" in line
    report = chain.verify(checkpoint=False)
    assert [(p.log, p.seq, p.id) for p in report.problems] == [
        ("operation", 2, third.pk),
        ("operation", 3, second.pk),
        ("operation", 4, fourth.pk),  # chained to what used to come before it
    ]


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_wrong_key_fails_from_the_first_entry(logs, settings):
    call_command("audit", "verify")
    settings.ANXIN_AUDIT_KEY = "not-the-key-the-log-was-written-with"
    line = verify_fails(naming="operation log entry seq 1")
    assert "key" in line
    report = chain.verify(checkpoint=False)
    assert any("not authentic" in p.what for p in report.problems)  # nor are the checkpoints


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_an_edited_checkpoint_file_is_reported(logs, checkpoint_file):
    call_command("audit", "verify")
    lines = checkpoint_file.read_text().splitlines()
    record = json.loads(lines[1])
    record["seq"] = 3
    checkpoint_file.write_text(lines[0] + "\n" + json.dumps(record) + "\n")
    report = chain.verify(checkpoint=False)
    assert [p.what for p in report.problems] == [
        f"checkpoint file {checkpoint_file} line 2: not authentic "
        "(edited, or written with another audit key)"
    ]


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_a_replaced_entry_is_caught_by_its_checkpoint_even_if_re_chained(logs, settings):
    """Someone who stole the key and rebuilt the chain still differs from the checkpoint."""
    call_command("audit", "verify")
    drop_guards()
    row = UseLog.objects.filter(seq=6).values(*chain.FIELDS["use"]).get()
    row["purpose"] = "营销"
    prev = UseLog.objects.get(seq=5).mac
    mac = chain.compute_mac("use", prev, row)
    raw("UPDATE audit_uselog SET purpose = %s, mac = %s WHERE seq = 6", ["营销", mac])
    ChainHead.objects.filter(log="use").update(mac=mac)
    line = verify_fails(naming="use log entry seq 6")
    assert "checkpoint" in line


@pytest.mark.django_db
@pytest.mark.req("AUD-2")
def test_checkpoints_are_written_every_n_entries_after_commit_only(
    settings, manager, checkpoint_file, django_capture_on_commit_callbacks
):
    settings.ANXIN_AUDIT_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(7):
            use_log(actor=manager, action="view", record_type="x", record_id=str(i))
    with django_capture_on_commit_callbacks(execute=False) as never_committed:
        for i in range(2):
            use_log(actor=manager, action="view", record_type="x", record_id=str(i))
    records = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    assert [(r["log"], r["seq"]) for r in records] == [("use", 3), ("use", 6)]
    assert len(never_committed) == 1  # seq 9's checkpoint waits for a commit that never came
    assert records[1]["mac"] == UseLog.objects.get(seq=6).mac


@pytest.mark.django_db
@pytest.mark.req("AUD-2", "AUD-3")
def test_the_nightly_verification_alerts_the_supervisor_once(logs):
    from anxin.audit import tasks
    from anxin.audit.models import Alert, AlertRule

    assert tasks.verify_and_alert().ok and not Alert.objects.exists()
    drop_guards()
    raw("UPDATE audit_uselog SET purpose = 'x' WHERE seq = 2")
    assert not tasks.verify_and_alert().ok
    tasks.audit_verify.call_local()  # the scheduled job: same finding, no second alert
    alert = Alert.objects.get()
    assert alert.rule == AlertRule.INTEGRITY and alert.user is None
    assert "use log entry seq 2" in alert.summary
