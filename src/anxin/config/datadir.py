"""The data directory: database, keys and task queue live here, outside the code.

Keys are generated on first start with mode 0600 and never printed. Nothing in the directory is
for anyone but the account that runs Anxin: every process that loads the settings sets the umask
to 077 (new files 0600, directories 0700: the databases and their -wal/-shm files, the task queue,
the outbox, uploads, collected static files, backups) and tightens what an earlier version or a
copy left readable by group or others.
"""

import os
import secrets
import stat
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PRIVATE_UMASK = 0o077


def data_dir() -> Path:
    """Return the data directory, creating it if needed (``ANXIN_DATA_DIR``, default ``./var``)."""
    path = Path(os.environ.get("ANXIN_DATA_DIR", "var")).expanduser().resolve()
    os.umask(PRIVATE_UMASK)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        make_private(path)
        # A probe of its own: processes starting together must not remove each other's.
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ImproperlyConfigured(
            f"the data directory {path} cannot be created or written ({exc.strerror}). "
            "Set ANXIN_DATA_DIR to a writable directory."
        ) from exc
    return path


def make_private(directory: Path) -> None:
    """Take group and others' access from ``directory`` and everything in it (symbolic links are
    left alone, and not followed). Runs at every start; only what is too open is changed."""
    for root, dirs, files in os.walk(directory):
        for name in [".", *dirs, *files]:
            entry = os.path.join(root, name)
            try:
                info = os.lstat(entry)
                if stat.S_ISLNK(info.st_mode) or not stat.S_IMODE(info.st_mode) & 0o077:
                    continue
                os.chmod(entry, stat.S_IMODE(info.st_mode) & ~0o077)
            except FileNotFoundError:
                continue  # removed meanwhile (a -shm file, a finished upload)
            except PermissionError as exc:
                raise ImproperlyConfigured(
                    f"{entry} is readable by others and cannot be made private ({exc.strerror}). "
                    "Give the data directory to the account that runs Anxin."
                ) from exc


def secret_file(directory: Path, name: str, nbytes: int = 32) -> str:
    """Read a secret from ``directory/name``; create it (mode 0600) on first use."""
    path = directory / name
    if not path.exists():
        value = secrets.token_urlsafe(nbytes)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"cannot create {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        return value
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"cannot read {path}: {exc.strerror}") from exc
