"""Where backups go: directories (a local disk, a mounted NAS or USB drive) and S3 buckets.

Each destination writes a backup under a temporary name and renames it when it is complete, so
a destination never holds half a backup under a backup's name; it then re-reads what it wrote
and compares the SHA-256. Next to each backup goes ``<name>.sha256`` (``sha256sum`` format).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .archive import SUFFIX, sha256_file

PARTIAL = ".partial"
STALE_PARTIAL_SECONDS = 600


class DestinationError(Exception):
    pass


def describe_oserror(exc: OSError) -> str:
    reasons = {
        errno.ENOSPC: "the destination is full (no space left)",
        errno.EROFS: "the destination is read-only",
        errno.EACCES: "no permission to write to the destination",
        errno.EPERM: "no permission to write to the destination",
        errno.ENOENT: "the destination does not exist (not mounted?)",
        errno.EDQUOT: "the destination's quota is exceeded",
        errno.EIO: "the destination reported an input/output error",
    }
    text = reasons.get(exc.errno, exc.strerror or str(exc))
    return f"{text} [{errno.errorcode.get(exc.errno, exc.errno)}]"


@dataclass
class Stored:
    name: str
    size: int


class DirectoryDestination:
    kind = "directory"

    def __init__(self, path: str | Path, *, create: bool = False):
        self.path = Path(path)
        self.create = create
        self.label = str(self.path)

    def _ready(self) -> None:
        if self.create:  # only the default destination inside the data directory
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such directory", str(self.path))

    def put(self, source: Path, name: str, checksum: str) -> str:
        self._ready()
        target = self.path / name
        temp = self.path / (name + PARTIAL)
        try:
            with open(source, "rb") as src, open(temp, "wb") as dst:
                os.fchmod(dst.fileno(), 0o600)
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            if sha256_file(temp) != checksum:
                raise DestinationError("the copy read back differs from the backup")
            os.replace(temp, target)
            side = self.path / (name + ".sha256")
            side_temp = self.path / (name + ".sha256" + PARTIAL)
            side_temp.write_text(f"{checksum}  {name}\n")
            os.replace(side_temp, side)
            _fsync_dir(self.path)
        except BaseException:
            for leftover in (temp, self.path / (name + ".sha256" + PARTIAL)):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        return str(target)

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.glob("*" + SUFFIX) if p.is_file())

    def fetch(self, name: str, into: Path) -> Path:
        source = self.path / name
        if not source.is_file():
            raise FileNotFoundError(errno.ENOENT, "no such backup", str(source))
        return source  # read in place: nothing is written here

    def checksum(self, name: str) -> str | None:
        side = self.path / (name + ".sha256")
        try:
            return side.read_text().split()[0]
        except (OSError, IndexError):
            return None

    def delete(self, name: str) -> None:
        for path in (self.path / name, self.path / (name + ".sha256")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def clean_partials(self, older_than: float = STALE_PARTIAL_SECONDS) -> None:
        """Remove what an interrupted backup left (not what a running one is writing)."""
        if self.path.is_dir():
            now = time.time()
            for leftover in self.path.glob("*" + PARTIAL):
                with contextlib.suppress(OSError):
                    if now - leftover.stat().st_mtime < older_than:
                        continue
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def inside_data_dir(self) -> bool:
        try:
            self.path.resolve().relative_to(Path(settings.DATA_DIR).resolve())
        except ValueError:
            return False
        return True


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class S3Destination:
    """An S3-compatible bucket (credentials from the usual AWS_* environment variables)."""

    kind = "s3"

    def __init__(self, url: str, endpoint_url: str | None = None):
        rest = url.removeprefix("s3://")
        self.bucket, _, prefix = rest.partition("/")
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.label = url

    def _client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url)

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, source: Path, name: str, checksum: str) -> str:
        client = self._client()
        client.upload_file(
            str(source),
            self.bucket,
            self._key(name),
            ExtraArgs={"Metadata": {"sha256": checksum}},
        )
        head = client.head_object(Bucket=self.bucket, Key=self._key(name))
        if head["ContentLength"] != source.stat().st_size:
            raise DestinationError("the stored object's size differs from the backup")
        return f"s3://{self.bucket}/{self._key(name)}"

    def names(self) -> list[str]:
        client = self._client()
        out = []
        paginator = client.get_paginator("list_objects_v2")
        prefix = self.prefix + "/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if name.endswith(SUFFIX) and "/" not in name:
                    out.append(name)
        return sorted(out)

    def fetch(self, name: str, into: Path) -> Path:
        target = into / name
        self._client().download_file(self.bucket, self._key(name), str(target))
        return target

    def checksum(self, name: str) -> str | None:
        head = self._client().head_object(Bucket=self.bucket, Key=self._key(name))
        return head.get("Metadata", {}).get("sha256")

    def delete(self, name: str) -> None:
        self._client().delete_object(Bucket=self.bucket, Key=self._key(name))

    def clean_partials(self, older_than: float = 0) -> None:
        pass  # an S3 upload appears only when complete

    def inside_data_dir(self) -> bool:
        return False


def configured() -> list:
    """The destinations from ``ANXIN_BACKUP_DESTINATIONS``, in order."""
    default = str(Path(settings.DATA_DIR) / "backups")
    out = []
    for item in settings.ANXIN_BACKUP_DESTINATIONS:
        if str(item).startswith("s3://"):
            out.append(S3Destination(item, settings.ANXIN_BACKUP_S3_ENDPOINT))
        else:
            out.append(DirectoryDestination(item, create=str(item) == default))
    return out


class Advice(str):
    """A warning in words for the page; ``detail`` holds the technical part (setting names,
    paths) the operator needs, shown folded away on the page and in full on the command line."""

    detail: str = ""

    def __new__(cls, words: str, detail: str = ""):
        advice = super().__new__(cls, words)
        advice.detail = detail
        return advice


def describe(destination) -> str:
    """A destination in words: which kind of place, not its path."""
    from django.utils.translation import gettext as _

    if getattr(destination, "kind", "") == "s3":
        return _("Storage bucket on the network (S3)")
    if destination.inside_data_dir():
        return _("Backup folder on this computer, beside the data")
    return _("Another folder or drive (disk, NAS or USB drive)")


def warnings(destinations: list) -> list[Advice]:
    """Why the configuration does not yet protect against losing the machine's disk."""
    from django.utils.translation import gettext as _

    if len(destinations) < 2:
        return [
            Advice(
                _(
                    "Backups go to one place only. Ask whoever runs the server to add a second "
                    "place elsewhere: another disk, a NAS or USB drive, or network storage."
                ),
                _(
                    "Backups go to one place only (%(where)s). Configure a second destination in "
                    "another place (another disk, a NAS or USB drive, or S3) with "
                    "ANXIN_BACKUP_DIRS or ANXIN_BACKUP_S3."
                )
                % {"where": destinations[0].label if destinations else "-"},
            )
        ]
    if all(d.inside_data_dir() for d in destinations):
        return [
            Advice(
                _(
                    "Every backup destination is inside the data directory: losing that disk loses "
                    "the backups too. Configure a destination in another place."
                )
            )
        ]
    return []
