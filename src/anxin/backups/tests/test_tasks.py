"""The scheduler (PLT-2): nightly backups and monthly drills on huey; every final failure of any
task reaches the supervisors' inbox."""

import datetime as dt

import pytest
from huey.contrib.djhuey import HUEY, task

from anxin.backups import tasks
from anxin.backups.models import Backup, Recovery, Result, Trigger
from anxin.notifications.models import Notification

calls = {"flaky": 0}


@task(retries=1)
def always_fails():
    calls["flaky"] += 1
    raise RuntimeError("the printer is on fire")


@task()
def works():
    return 42


@pytest.mark.req("PLT-2")
def test_periodic_jobs_are_scheduled_on_the_task_queue(settings):
    def due(*when):
        return {t.name.rsplit(".", 1)[-1]: t for t in HUEY.read_periodic(dt.datetime(*when))}

    assert "nightly_backup" in due(2026, 3, 4, 2, 30)
    assert "nightly_backup" not in due(2026, 3, 4, 2, 31)
    assert "monthly_drill" in due(2026, 3, 1, 4, 30)
    assert "monthly_drill" not in due(2026, 3, 2, 4, 30)
    assert due(2026, 3, 4, 2, 30)["nightly_backup"].retries == 2
    # The time is configurable and checked.
    assert tasks.hour_minute("23:05", "X") == ("23", "5")
    from django.core.exceptions import ImproperlyConfigured

    for bad in ("25:00", "2.30", "noon"):
        with pytest.raises(ImproperlyConfigured):
            tasks.hour_minute(bad, "ANXIN_BACKUP_TIME")


@pytest.mark.req("PLT-2", "STO-4", "STO-5")
@pytest.mark.django_db(transaction=True)
def test_scheduled_backup_and_drill_run(demo_data, two_dirs):
    tasks.nightly_backup()
    backup = Backup.objects.get()
    assert backup.trigger == Trigger.SCHEDULE and backup.result == Result.OK
    tasks.monthly_drill()
    drill = Recovery.objects.get()
    assert drill.trigger == Trigger.SCHEDULE and drill.result == Result.OK


@pytest.mark.req("PLT-2")
@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_retried_then_reported(demo_data, supervisors):
    calls["flaky"] = 0
    works()
    # (the demo data holds notifications of its own: reminders, drafts waiting)
    assert not Notification.objects.filter(kind="tasks.failed").exists()
    always_fails()
    assert calls["flaky"] == 2  # first run and one retry
    notes = Notification.objects.filter(kind="tasks.failed")
    assert {n.recipient.username for n in notes} == {"admin", "auditor", "infosec"}
    assert all("always_fails" in n.subject and "on fire" in n.body for n in notes)


@pytest.mark.req("PLT-2", "STO-4")
@pytest.mark.django_db(transaction=True)
def test_scheduled_backup_that_fails_everywhere_is_reported(
    demo_data, supervisors, tmp_path, settings
):
    settings.ANXIN_BACKUP_DESTINATIONS = [str(tmp_path / "unplugged")]
    tasks.nightly_backup()
    assert Backup.objects.filter(result=Result.FAILED).count() >= 1
    assert Notification.objects.filter(kind="backups.failed").exists()
    # huey tries again later (a NAS back after a reboot); the final failure is what is reported.
    retry = [t for t in HUEY.scheduled() if t.name.endswith("nightly_backup")]
    assert retry and retry[0].retries == 1
    assert not Notification.objects.filter(kind="tasks.failed").exists()
    HUEY.flush()
