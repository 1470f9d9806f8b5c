"""A backup process killed with SIGKILL mid-way harms neither the database nor earlier backups."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from anxin.backups import archive

ROOT = Path(__file__).resolve().parents[4]


def _anxin(env, *args, check=True, timeout=180):
    done = subprocess.run(
        [sys.executable, "-m", "anxin.manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"anxin {' '.join(args)} failed: {done.stdout}\n{done.stderr}")
    return done


@pytest.mark.sqlite_only
@pytest.mark.req("STO-4")
def test_backup_killed_mid_way(tmp_path):
    data = tmp_path / "data"
    dirs = [tmp_path / "disk", tmp_path / "nas"]
    for d in dirs:
        d.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "anxin.config.settings.test",
        "ANXIN_DATA_DIR": str(data),
        "ANXIN_BACKUP_DIRS": ",".join(map(str, dirs)),
    }
    _anxin(env, "migrate", "-v0")
    _anxin(env, "demo")
    _anxin(env, "backup")
    (first,) = sorted(dirs[0].glob("*" + archive.SUFFIX))
    before = {d: {p.name: p.read_bytes() for p in d.iterdir()} for d in dirs}

    slow = {**env, "ANXIN_BACKUP_TEST_PAUSE": "1.5"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "anxin.manage", "backup"],
        env=slow,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = data / "anxin.sqlite3"
    deadline = time.monotonic() + 60
    phase = ""
    try:
        while time.monotonic() < deadline:  # kill it while it writes the archive
            conn = sqlite3.connect(db, timeout=10)
            row = conn.execute(
                "SELECT phase FROM backups_backup WHERE result='running' ORDER BY id DESC"
            ).fetchone()
            conn.close()
            phase = row[0] if row else ""
            if phase in ("archive", "verify"):
                break
            time.sleep(0.1)
        assert phase in ("archive", "verify"), f"the backup never got there (phase {phase!r})"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # The database is unharmed...
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert "OK" in _anxin(env, "audit", "verify").stdout
    # ... the earlier backups are intact, and no half backup carries a backup's name.
    after = {d: {p.name: p.read_bytes() for p in d.iterdir()} for d in dirs}
    assert after == before
    assert archive.sha256_file(first) == (dirs[0] / (first.name + ".sha256")).read_text().split()[0]
    # The app still works: the next backup runs, records the killed one, and a drill passes.
    _anxin(env, "backup")
    conn = sqlite3.connect(db)
    results = conn.execute("SELECT result, reason FROM backups_backup ORDER BY id").fetchall()
    conn.close()
    assert [r for r, _ in results] == ["ok", "failed", "ok"]
    assert results[1][1]  # the reason: interrupted
    assert "Restore drill OK" in _anxin(env, "restore-drill").stdout
    assert not [p for p in (data / "backup-staging").rglob("*") if p.is_file()]
