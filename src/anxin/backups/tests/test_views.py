"""The backups page, its progress (UX-6), the dashboard panel, and the guarded restore."""

import pytest
from django.utils import timezone

from anxin.accounts.models import Store, User
from anxin.backups import services
from anxin.backups.models import Backup, BackupCopy, Recovery, Result

pytestmark = pytest.mark.django_db(transaction=True)


def _user(name):
    return User.objects.get(username=name)


@pytest.mark.req("STO-4", "UX-6")
def test_run_a_backup_now_from_the_page(demo_data, two_dirs, client, login):
    login(client, _user("admin"))
    page = client.get("/backups/")
    assert page.status_code == 200
    assert b"Run a backup now" in page.content or "立即备份".encode() in page.content
    response = client.post("/backups/run/")
    backup = Backup.objects.get()
    assert response.status_code == 302 and response.url == f"/backups/{backup.pk}/"
    assert backup.result == Result.OK and backup.operator == _user("admin")
    detail = client.get(response.url).content.decode()
    assert backup.sha256 in detail and str(two_dirs[1]) in detail
    # Finished: the progress fragment no longer polls.
    fragment = client.get(f"/backups/{backup.pk}/progress/").content.decode()
    assert "hx-trigger" not in fragment


@pytest.mark.req("UX-6")
def test_progress_fragment_polls_while_running(demo_data, client, login):
    login(client, _user("admin"))
    backup = Backup.objects.create(
        name="anxin-running",
        started_at=timezone.now(),
        trigger="operator",
        phase="archive",
        progress=42,
    )
    fragment = client.get(f"/backups/{backup.pk}/progress/").content.decode()
    assert (
        'hx-trigger="every 2s"' in fragment
        and f'hx-get="/backups/{backup.pk}/progress/"' in fragment
    )
    assert '<progress id="progress-bar" value="42" max="100">' in fragment
    assert 'role="status"' in fragment


@pytest.mark.req("STO-4", "STO-5")
def test_who_may_see_and_run(demo_data, two_dirs, client, login):
    login(client, _user("frontdesk"))
    assert client.get("/backups/").status_code == 403
    assert client.post("/backups/run/").status_code == 403
    assert "backups/panel" not in str(client.get("/").templates)
    client.logout()
    login(client, _user("infosec"))  # information officer: sees, does not run
    page = client.get("/backups/").content.decode()
    assert "/backups/run/" not in page
    assert client.post("/backups/run/").status_code == 403
    assert client.post("/backups/drill/").status_code == 403
    assert not Backup.objects.exists() and not Recovery.objects.exists()


@pytest.mark.req("STO-4", "STO-5")
def test_dashboard_panel_shows_backup_health(demo_data, two_dirs, client, login):
    services.run_backup()
    services.run_recovery(kind="drill")
    old = Backup.objects.create(
        name="old", started_at=timezone.now(), trigger="schedule", result="ok"
    )
    BackupCopy.objects.create(
        backup=old,
        destination="/mnt/retired",
        ok=True,
        at=timezone.now() - timezone.timedelta(days=3),
    )
    login(client, _user("admin"))
    response = client.get("/")
    html = response.content.decode()
    assert "backups/panel.html" in [t.name for t in response.templates]
    for directory in two_dirs:
        assert str(directory) in html
    health = response.context["panels"][-1][1] if "panels" in response.context else None
    from anxin.backups.selectors import health as current

    state = current()
    assert [r["label"] for r in state["destinations"]] == [str(d) for d in two_dirs]
    assert all(r["age_hours"] is not None and not r["stale"] for r in state["destinations"])
    assert state["last_drill"].result == Result.OK and state["healthy"]
    assert state["warnings"] == []
    del health


@pytest.mark.req("STO-5")
def test_restore_needs_permission_second_factor_and_typed_name(demo_data, two_dirs, client, login):
    backup = services.run_backup()
    Store.objects.filter(short_code="BJ01").update(name="之后改的")
    admin = _user("admin")
    client.force_login(admin)  # no second factor in this session
    for response in (
        client.get(f"/backups/{backup.pk}/restore/"),
        client.post(f"/backups/{backup.pk}/restore/", {"confirm": backup.name}),
    ):  # sent to verify the second factor first
        assert response.status_code == 302 and response.url.startswith("/accounts/2fa/")
    assert not Recovery.objects.exists()
    login(client, admin)  # now with the second factor
    assert client.get(f"/backups/{backup.pk}/restore/").status_code == 200
    wrong = client.post(f"/backups/{backup.pk}/restore/", {"confirm": "yes"})
    assert wrong.status_code == 400 and 'id="id_confirm_error"' in wrong.content.decode()
    assert Store.objects.get(short_code="BJ01").name == "之后改的"
    assert not Recovery.objects.filter(kind="restore").exists()
    # The information officer may not restore at all.
    other = client.__class__()
    login(other, _user("infosec"))
    assert other.get(f"/backups/{backup.pk}/restore/").status_code == 403

    done = client.post(f"/backups/{backup.pk}/restore/", {"confirm": backup.name})
    assert done.status_code == 302
    recovery = Recovery.objects.get(kind="restore")
    assert done.url == f"/backups/recoveries/{recovery.token}/"
    assert recovery.result == Result.OK and recovery.operator == admin
    # The sessions are those of the backup's time: log in again.
    assert client.get(done.url).status_code == 302
    assert Store.objects.get(short_code="BJ01").name != "之后改的"
    from pathlib import Path

    from django.db import connection

    if connection.vendor == "sqlite":
        for aside in Path(connection.settings_dict["NAME"]).parent.glob("*.before-restore-*"):
            aside.unlink()
    else:
        from anxin.backups import engine

        engine.drop_database(recovery.checks["kept_aside"])
