"""The data directory: database, keys and task queue live here, outside the code.

Keys are generated on first start with mode 0600 and never printed.
"""

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def data_dir() -> Path:
    """Return the data directory, creating it if needed (``ANXIN_DATA_DIR``, default ``./var``)."""
    path = Path(os.environ.get("ANXIN_DATA_DIR", "var")).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A probe of its own: processes starting together must not remove each other's.
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ImproperlyConfigured(
            f"the data directory {path} cannot be created or written ({exc.strerror}). "
            "Set ANXIN_DATA_DIR to a writable directory."
        ) from exc
    return path


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
