"""Nothing in the data directory is readable by group or others (SEC-10)."""

import os
import re
import stat

import pytest

from anxin.core.tests.test_platform import run_cli

# What the task worker, an upload and the file outbox create, as a running server would.
SETUP = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from huey.contrib.djhuey import HUEY
from anxin.notifications.backends import FileBackend

HUEY.storage.enqueue(b"probe")
assert HUEY.storage.dequeue() == b"probe"
default_storage.save("uploads/probe.txt", ContentFile(b"probe"))
FileBackend("sms").send(address="13900000000", subject="probe", body="")
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
# while the connections are open, their -wal and -shm files exist too
import os, stat
from django.conf import settings
for root, dirs, files in os.walk(settings.DATA_DIR):
    for name in [".", *dirs, *files]:
        mode = stat.S_IMODE(os.lstat(os.path.join(root, name)).st_mode)
        print(os.path.relpath(os.path.join(root, name), settings.DATA_DIR), oct(mode))
"""


def too_open(directory) -> list[str]:
    return [
        f"{path.relative_to(directory)} {stat.filemode(path.lstat().st_mode)}"
        for path in [directory, *directory.rglob("*")]
        if not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) & 0o077
    ]


@pytest.mark.req("SEC-10")
def test_every_file_in_a_fresh_data_directory_is_private_to_its_owner(tmp_path):
    data = tmp_path / "data"
    # left by an earlier version, or copied in: readable by everyone
    (data / "media").mkdir(parents=True, mode=0o755)
    (data / "media" / "old-upload.txt").write_text("x")
    os.chmod(data / "media" / "old-upload.txt", 0o644)
    os.chmod(data, 0o755)  # noqa: S103 (the too-open state under test)
    # the operator's shell has the usual umask 022
    old = os.umask(0o022)
    try:
        migrated = run_cli(["migrate", "--no-input"], tmp_path)
        assert migrated.returncode == 0, migrated.stderr
        set_up = run_cli(["shell", "-c", SETUP], tmp_path)
        assert set_up.returncode == 0, set_up.stderr
    finally:
        os.umask(old)
    seen = dict(re.findall(r"^(\S+) (0o[0-7]+)$", set_up.stdout, re.MULTILINE))
    names = {os.path.basename(path) for path in seen}
    assert names, set_up.stdout
    assert {"anxin.sqlite3", "tasks.sqlite3", "sms.log", "probe.txt", "master.key"} <= names
    assert {"anxin.sqlite3-wal", "tasks.sqlite3-wal", "tasks.sqlite3-shm"} <= names
    assert {path: mode for path, mode in seen.items() if int(mode, 8) & 0o077} == {}
    assert too_open(data) == []
