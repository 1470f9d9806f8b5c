"""Django's SQLite backend, with the database's writers queued on a lock file.

SQLite has one writer at a time. A second writer's ``BEGIN IMMEDIATE`` is refused while the
first holds the lock, and SQLite's busy handler tries again after sleeping 1, 2, 5, 10 … 100 ms:
under load a waiting request sleeps far longer than the transaction it waits for lasts (a
checkout's bills waited most of their time this way), and whoever happens to try at the right
moment goes first. Here every write transaction first takes an exclusive ``flock`` on
``<database>.writers`` (a file beside the database, shared by every server process): the one
waiting is woken as soon as the writer before it has committed. The lock is kept from ``BEGIN``
to ``COMMIT``/``ROLLBACK``; waiting for it is bounded by the connection's ``timeout`` (30 s),
after which the transaction fails as SQLite's own "database is locked" would.
"""

import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Between tries for the lock file: short at first, at most this long.
LONGEST_PAUSE = 0.002


class DatabaseWrapper(base.DatabaseWrapper):
    _writers_fd = None
    _holding = False

    def _writers_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}.writers"

    def _take_writers_lock(self) -> None:
        if self._holding:
            return
        path = self._writers_path()
        if path is None:
            return
        if self._writers_fd is None:
            self._writers_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fd = self._writers_fd
        try:  # the common case: nobody is writing
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait_for_writers(fd)
        self._holding = True

    def _wait_for_writers(self, fd: int) -> None:
        limit = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + limit
        pause = 0.0001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)

    def _release_writers_lock(self) -> None:
        if self._holding:
            self._holding = False
            fcntl.flock(self._writers_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._take_writers_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writers_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writers_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writers_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writers_lock()
            if self._writers_fd is not None:
                os.close(self._writers_fd)
                self._writers_fd = None
