"""The backup file format: sealed in chunks; any change or cut is refused; memory stays bounded."""

import hashlib
import io
import json
import os
import tarfile
import tracemalloc

import pytest

from anxin.backups import archive

KEY = archive.key_material("k" * 43)


def _make(tmp_path, size=3_000_000):
    part = tmp_path / "database.sqlite3"
    part.write_bytes(os.urandom(size // 2) + b"row\n" * (size // 8))
    parts = {"database.sqlite3": part}
    manifest = {}
    target = tmp_path / "b.anxbak"
    checksum, size = archive.write_archive(
        target, KEY, name="b", created="now", manifest=manifest, parts=parts
    )
    return target, part, checksum, size


@pytest.mark.req("STO-4")
def test_round_trip_and_checksum(tmp_path):
    target, part, checksum, size = _make(tmp_path)
    assert archive.sha256_file(target) == checksum and target.stat().st_size == size
    assert part.read_bytes()[:1000] not in target.read_bytes()  # encrypted
    out = tmp_path / "out"
    out.mkdir()
    manifest = archive.extract(target, KEY, out)
    assert (out / "database.sqlite3").read_bytes() == part.read_bytes()
    assert manifest["parts"]["database.sqlite3"]["sha256"] == archive.sha256_file(part)


@pytest.mark.req("STO-4", "STO-5")
@pytest.mark.parametrize("where", [0, 30, 0.25, 0.5, 0.75, -1])
def test_one_flipped_byte_is_refused(tmp_path, where):
    target, *_ = _make(tmp_path)
    data = bytearray(target.read_bytes())
    pos = where if isinstance(where, int) else int(len(data) * where)
    data[pos] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(archive.ArchiveError):
        archive.extract(target, KEY, None)


@pytest.mark.req("STO-5")
@pytest.mark.parametrize("keep", [10, 0.3, 0.6, -1])
def test_truncated_file_is_refused(tmp_path, keep):
    target, *_ = _make(tmp_path)
    data = target.read_bytes()
    cut = keep if isinstance(keep, int) and keep > 0 else int(len(data) * keep) if keep > 0 else -1
    target.write_bytes(data[:cut])
    with pytest.raises(archive.Damaged, match=r"truncated|damaged"):
        archive.extract(target, KEY, None)


@pytest.mark.req("STO-5")
def test_wrong_key_says_so(tmp_path):
    target, *_ = _make(tmp_path)
    with pytest.raises(archive.WrongKey, match="another backup key"):
        archive.extract(target, archive.key_material("x" * 43), None)


def _traced_peak(tmp_path, size: int) -> int:
    """Python's peak allocations while ``size`` random bytes go through the writer and reader."""
    part = tmp_path / f"big-{size}"
    part.write_bytes(os.urandom(size))
    target = tmp_path / f"x-{size}.anxbak"
    tracemalloc.start()
    try:
        archive.write_archive(
            target, KEY, name="x", created="now", manifest={}, parts={"big": part}
        )
        archive.extract(target, KEY, None)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.req("STO-4")
def test_memory_bounded_by_chunks(tmp_path):
    """Python's peak stays a few chunks (each stage holds at most IN_FLIGHT + 1), not the file:
    64 chunks of data, a peak under 16."""
    assert _traced_peak(tmp_path, 64 * archive.CHUNK) < 16 * archive.CHUNK


def _header(target):
    with open(target, "rb") as fh:
        return archive.read_header(fh)[0]


@pytest.mark.req("STO-4")
def test_new_archives_are_zstd_format_2(tmp_path):
    target, *_ = _make(tmp_path)
    header = _header(target)
    assert (header["format"], header["compression"]) == (2, "zstd")


@pytest.mark.req("STO-4", "STO-5")
def test_format_1_zlib_archives_are_still_read(tmp_path, monkeypatch):
    """Backups made before zstd (format 1, zlib) restore; one flipped byte is still refused."""
    monkeypatch.setattr(archive, "FORMAT", 1)
    target, part, *_ = _make(tmp_path)
    monkeypatch.undo()
    assert (_header(target)["format"], _header(target)["compression"]) == (1, "zlib")
    out = tmp_path / "out"
    out.mkdir()
    manifest = archive.extract(target, KEY, out)
    assert (out / "database.sqlite3").read_bytes() == part.read_bytes()
    assert manifest["parts"]["database.sqlite3"]["sha256"] == archive.sha256_file(part)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(archive.Damaged):
        archive.extract(target, KEY, None)


@pytest.mark.req("STO-5")
def test_header_naming_another_compression_is_refused(tmp_path):
    """The header is authenticated (its hash is in every chunk's associated data): relabelling
    a zstd archive as zlib is refused, not decompressed with the wrong codec."""
    target, *_ = _make(tmp_path)
    data = target.read_bytes()
    forged = data.replace(b'"compression": "zstd"', b'"compression": "zlib"', 1)
    forged = forged.replace(b'"format": 2', b'"format": 1', 1)
    assert forged != data
    target.write_bytes(forged)
    with pytest.raises(archive.Damaged, match="authentication"):
        archive.extract(target, KEY, None)


def _tarfile_archive(target, parts: dict, manifest: dict) -> None:
    """An archive whose tar ``tarfile`` streamed, as earlier versions wrote them."""
    if target.exists():
        target.unlink()
    with open(target, "xb") as out:
        writer = archive.EncryptingWriter(out, KEY, name="old", created="now")
        entries = [*parts.items(), (archive.MANIFEST, json.dumps(manifest).encode())]
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name, data in entries:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        writer.finish()


@pytest.mark.req("STO-5")
def test_archives_whose_tar_python_wrote_are_read(tmp_path):
    """Earlier versions streamed the tar through ``tarfile`` (record padding, pax headers for
    names that are not ASCII); such backups still extract and verify, part by part."""
    parts = {"database.sqlite3": os.urandom(1_500_000), "媒体.tar": b"x" * 70_000}
    manifest = {
        "parts": {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in parts.items()
        }
    }
    target = tmp_path / "old.anxbak"
    _tarfile_archive(target, parts, manifest)
    into = tmp_path / "out"
    into.mkdir()
    assert archive.extract(target, KEY, into) == manifest
    assert {p.name: p.read_bytes() for p in into.iterdir()} == parts
    # A part that does not match the manifest is still refused.
    manifest["parts"]["媒体.tar"]["sha256"] = "0" * 64
    _tarfile_archive(target, parts, manifest)
    with pytest.raises(archive.Damaged):
        archive.extract(target, KEY, None)
