"""The test suite: a throw-away data directory, fast hashing, tasks run inline."""

import atexit
import os
import shutil
import tempfile

if "ANXIN_DATA_DIR" not in os.environ:
    _tmp = tempfile.mkdtemp(prefix="anxin-test-")
    os.environ["ANXIN_DATA_DIR"] = _tmp
    atexit.register(shutil.rmtree, _tmp, ignore_errors=True)

from .base import *  # noqa: F403
from .base import DATA_DIR, DATABASES, HUEY, sqlite_config

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: concurrency tests need WAL and several connections.
    DATABASES["default"] = sqlite_config(DATA_DIR / "anxin.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
HUEY = {**HUEY, "immediate": True}

# Each test process its own marks (core.home.changed), as it has its own database: parallel
# workers reuse the same user ids.
CACHES = {
    **CACHES,  # noqa: F405
    "marks": {**CACHES["marks"], "LOCATION": str(DATA_DIR / f"marks-{os.getpid()}")},  # noqa: F405
}
