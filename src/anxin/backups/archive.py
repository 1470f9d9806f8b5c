"""The backup file: a compressed tar of the parts, encrypted in chunks with AES-256-GCM.

Layout of ``<name>.anxbak``::

    b"ANXBAK01" | header length (4 bytes, big-endian) | header (JSON, plaintext)
    chunk 0 | chunk 1 | … | final chunk        each: length (4 bytes) | AES-GCM(zstd(1 MiB of the tar))

Format 2 (this version writes it) compresses each chunk with zstd (level 1, a frame of its own
with its content size); format 1 used zlib and is still read. The header names the format, the
backup, the compression ("zstd" or "zlib"), a random salt and the fingerprint of
the backup key (so a wrong key is reported as such, not as damage). The archive key is
HKDF(backup key, salt): every archive has its own key, so the chunk counter is a safe nonce.
Each chunk's associated data is the SHA-256 of the header, the chunk number and a "final" flag:
a chunk that is altered, moved, dropped or cut off fails authentication, and a file that ends
before its final chunk is reported as truncated. Memory stays bounded by the chunk size.

Inside (once decrypted and decompressed) is a streaming tar: the parts (``database.sqlite3`` or
``database.pgdump``, and ``media.tar`` when there are uploads), then ``manifest.json``, which
lists each part with its size and SHA-256 (hashed as it streamed in, so nothing is read twice).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tarfile
import threading
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"ANXBAK01"
FORMAT = 2  # written; READS lists every format this version can restore
READS = {1: "zlib", 2: "zstd"}
CHUNK = 1 << 20  # plaintext bytes per encrypted chunk
SUFFIX = ".anxbak"
MANIFEST = "manifest.json"
COMPRESSION_LEVEL = 1  # zstd: fast; encrypted field values hardly compress anyway
COMPRESS_THREADS = 2
IN_FLIGHT = 2  # chunks being compressed at once, besides the one at hand (memory: a few MiB)
READ_AHEAD = 1  # chunks being decrypted and decompressed ahead of the one being read
MAX_SEALED = CHUNK + CHUNK // 100 + 1024  # a chunk that did not compress, plus the framing
MAX_HEADER = 64 * 1024
BUFFER = 1 << 20


class ArchiveError(Exception):
    """The backup file cannot be used; the message says why, for the operator."""


class WrongKey(ArchiveError):
    pass


class Damaged(ArchiveError):
    pass


_local = threading.local()


def _zstd_compress(raw: bytes) -> bytes:
    # One compressor per thread (they are not thread-safe); the C code releases the GIL.
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(
            level=COMPRESSION_LEVEL, write_content_size=True, write_checksum=False
        )
    return compressor.compress(raw)


def _zstd_decompress(data: bytes, index: int) -> bytes:
    try:
        size = zstandard.frame_content_size(data)
    except zstandard.ZstdError:
        size = -2
    if not 0 <= size <= CHUNK:
        raise Damaged(f"the backup file's chunk {index} is malformed")
    decompressor = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    try:
        plain = decompressor.decompress(data, max_output_size=CHUNK)
    except zstandard.ZstdError as exc:
        raise Damaged(f"the backup file's compressed data is damaged ({exc})") from None
    if len(plain) != size:
        raise Damaged(f"the backup file's chunk {index} is malformed")
    return plain


def _zlib_decompress(data: bytes, index: int) -> bytes:
    inflate = zlib.decompressobj()
    try:
        plain = inflate.decompress(data, CHUNK + 1)
    except zlib.error as exc:
        raise Damaged(f"the backup file's compressed data is damaged ({exc})") from None
    if not inflate.eof or len(plain) > CHUNK or inflate.unused_data:
        raise Damaged(f"the backup file's chunk {index} is malformed")
    return plain


def _zlib_compress(raw: bytes) -> bytes:
    return zlib.compress(raw, 1)


COMPRESS = {"zlib": _zlib_compress, "zstd": _zstd_compress}  # zlib: only for the tests of format 1
DECOMPRESS = {"zlib": _zlib_decompress, "zstd": _zstd_decompress}


def _hkdf(material: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def key_material(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else bytes(value)
    raw = raw.strip()
    if len(raw) < 32:
        raise ArchiveError(
            "the backup key is missing or too short (ANXIN_BACKUP_KEY, or backup.key in the "
            "data directory; 'anxin keys import' restores it from a key export)"
        )
    return raw


def fingerprint(material: bytes) -> str:
    return _hkdf(material, b"anxin-backup-fingerprint-v1").hex()[:16]


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _aad(header_hash: bytes, index: int, final: bool) -> bytes:
    return header_hash + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream: compresses, encrypts in chunks, writes to ``out`` (hashing it)."""

    def __init__(self, out, material: bytes, *, name: str, created: str):
        super().__init__()
        salt = os.urandom(16)
        header = {
            "format": FORMAT,
            "backup": name,
            "created": created,
            "compression": READS[FORMAT],
            "chunk": CHUNK,
            "salt": salt.hex(),
            "key": fingerprint(material),
        }
        body = json.dumps(header, sort_keys=True).encode()
        head = MAGIC + struct.pack(">I", len(body)) + body
        self._out = out
        self.sha256 = hashlib.sha256()
        self.written = 0
        self._emit(head)
        self._header_hash = hashlib.sha256(head).digest()
        self._aead = AESGCM(_hkdf(material, b"anxin-backup-archive-v1", salt))
        self._raw = bytearray()
        self._index = 0
        self.plain = 0
        # zstd releases the GIL: chunks are compressed on two threads, sealed in order.
        self._pool = ThreadPoolExecutor(max_workers=COMPRESS_THREADS)
        self._pending: deque = deque()
        self._compress = COMPRESS[header["compression"]]

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.sha256.update(data)
        self.written += len(data)

    def _seal(self, data: bytes, final: bool) -> None:
        sealed = self._aead.encrypt(
            _nonce(self._index), data, _aad(self._header_hash, self._index, final)
        )
        self._emit(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def _submit(self, raw: bytes) -> None:
        self._pending.append(self._pool.submit(self._compress, raw))
        while len(self._pending) > IN_FLIGHT:  # memory stays bounded: a few chunks at most
            self._seal(self._pending.popleft().result(), False)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.plain += len(data)
        self._raw += data
        while len(self._raw) >= CHUNK:
            self._submit(bytes(self._raw[:CHUNK]))
            del self._raw[:CHUNK]
        return len(data)

    def finish(self) -> None:
        try:
            self._pending.append(self._pool.submit(self._compress, bytes(self._raw)))
            self._raw = bytearray()
            while self._pending:
                data = self._pending.popleft().result()
                self._seal(data, not self._pending)
        finally:
            self._pool.shutdown()


def read_header(fh) -> tuple[dict, bytes]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise Damaged("this is not an Anxin backup file (or its beginning is damaged)")
    raw_len = fh.read(4)
    if len(raw_len) != 4:
        raise Damaged("the backup file is truncated (its header is incomplete)")
    (length,) = struct.unpack(">I", raw_len)
    if length > MAX_HEADER:
        raise Damaged("the backup file's header is damaged")
    body = fh.read(length)
    if len(body) != length:
        raise Damaged("the backup file is truncated (its header is incomplete)")
    try:
        header = json.loads(body)
        int(header["format"])
        bytes.fromhex(header["salt"])
    except (ValueError, KeyError, TypeError):
        raise Damaged("the backup file's header is damaged") from None
    if header["format"] not in READS:
        raise ArchiveError(f"backup format {header['format']} is not one this version reads")
    if header.get("compression") != READS[header["format"]]:
        raise Damaged("the backup file's header is damaged")
    return header, magic + raw_len + body


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the decrypted, decompressed tar; raises ``ArchiveError``s.

    Chunks are read in order on the calling thread and authenticated and decompressed on two
    thread, one chunk ahead (memory stays bounded); they are handed out in order, and an
    error is raised where it occurs in the file, after every chunk before it.
    """

    def __init__(self, fh, material: bytes):
        super().__init__()
        self._fh = fh
        self.header, head = read_header(fh)
        if self.header.get("key") != fingerprint(material):
            raise WrongKey(
                "this backup was encrypted with another backup key (fingerprint "
                f"{self.header.get('key')}; this installation's is {fingerprint(material)}). "
                "Import the keys exported from the installation that made it: "
                "'anxin keys import FILE'."
            )
        self._header_hash = hashlib.sha256(head).digest()
        self._aead = AESGCM(
            _hkdf(material, b"anxin-backup-archive-v1", bytes.fromhex(self.header["salt"]))
        )
        self._decompress = DECOMPRESS[self.header["compression"]]
        self._index = 0  # chunks handed out
        self._read = 0  # chunks read from the file
        self._eof = False
        self._done = False
        self._out = bytearray()
        self._pool = ThreadPoolExecutor(max_workers=READ_AHEAD + 1)
        self._pending: deque[Future] = deque()

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        super().close()

    def _open(self, index: int, sealed: bytes) -> tuple[bool, bytes]:
        for final in (False, True):
            try:
                data = self._aead.decrypt(
                    _nonce(index), sealed, _aad(self._header_hash, index, final)
                )
            except InvalidTag:
                continue
            return final, self._decompress(data, index)
        raise Damaged(f"the backup file is damaged: chunk {index} fails its authentication check")

    def _fail(self, error: ArchiveError) -> None:
        failed: Future = Future()
        failed.set_exception(error)
        self._pending.append(failed)
        self._eof = True

    def _fill(self) -> None:
        while not self._eof and len(self._pending) <= READ_AHEAD:
            raw_len = self._fh.read(4)
            if not raw_len:
                self._eof = True
                return
            if len(raw_len) != 4:
                return self._fail(
                    Damaged(
                        "the backup file is truncated: it ends before its last chunk "
                        f"(after {self._read} chunks)"
                    )
                )
            (length,) = struct.unpack(">I", raw_len)
            if length > MAX_SEALED:
                return self._fail(Damaged(f"the backup file is damaged at chunk {self._read}"))
            sealed = self._fh.read(length)
            if len(sealed) != length:
                return self._fail(
                    Damaged(f"the backup file is truncated inside chunk {self._read}")
                )
            self._pending.append(self._pool.submit(self._open, self._read, sealed))
            self._read += 1

    def _next_chunk(self) -> bytes | None:
        if self._done:
            return None
        self._fill()
        if not self._pending:
            raise Damaged(
                "the backup file is truncated: it ends before its last chunk "
                f"(after {self._index} chunks)"
            )
        final, plain = self._pending.popleft().result()
        self._index += 1
        if final:
            self._done = True
            if self._pending or self._fh.read(1):
                raise Damaged("the backup file has extra bytes after its last chunk")
        return plain

    def readinto(self, buffer) -> int:
        want = len(buffer)
        while len(self._out) < want:
            chunk = self._next_chunk()
            if chunk is None:
                break
            self._out += chunk
        n = min(want, len(self._out))
        buffer[:n] = self._out[:n]
        del self._out[:n]
        return n


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BUFFER):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


def write_archive(
    target: Path,
    material: bytes,
    *,
    name: str,
    created: str,
    manifest: dict,
    parts: dict[str, Path],
    progress: Callable[[int], None] | None = None,
    complete: Callable[[dict], None] | None = None,
) -> tuple[str, int]:
    """Write the archive to ``target``; returns (SHA-256 of the file, its size).

    The parts are hashed as they stream in; the manifest, with every part's size and SHA-256,
    goes last (``manifest["parts"]`` is filled in here; ``complete(manifest)``, if given, adds
    the rest just before it is written).
    """
    manifest["parts"] = {}
    with open(target, "xb") as out:
        writer = EncryptingWriter(out, material, name=name, created=created)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for part, path in parts.items():
                info = tarfile.TarInfo(part)
                info.size = path.stat().st_size
                info.mode = 0o600
                with open(path, "rb") as src:
                    counting = _Counting(src, progress)
                    tar.addfile(info, counting)
                manifest["parts"][part] = {"size": info.size, "sha256": counting.sha256.hexdigest()}
            if complete is not None:
                complete(manifest)
            body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(body))
        writer.finish()
        out.flush()
    return writer.sha256.hexdigest(), writer.written


class _Counting:
    def __init__(self, fh, progress):
        self._fh, self._progress = fh, progress
        self.sha256 = hashlib.sha256()

    def read(self, n=-1):
        data = self._fh.read(n)
        self.sha256.update(data)
        if self._progress and data:
            self._progress(len(data))
        return data


def extract(
    path: Path,
    material: bytes,
    into: Path | None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Decrypt and check every part against the manifest; write them into ``into`` if given.

    Returns the manifest. Raises ``ArchiveError`` on a wrong key or any damage. With
    ``into=None`` it only verifies (nothing is written anywhere).
    """
    manifest = None
    seen: dict[str, tuple[int, str]] = {}
    with (
        open(path, "rb") as fh,
        io.BufferedReader(DecryptingReader(fh, material), BUFFER) as reader,
    ):
        try:
            tar = tarfile.open(fileobj=reader, mode="r|")  # noqa: SIM115
        except tarfile.TarError as exc:
            raise Damaged(f"the backup's content is damaged ({exc})") from None
        with tar:
            try:
                for member in tar:
                    if not member.isfile() or "/" in member.name or member.name.startswith("."):
                        raise Damaged(f"unexpected entry in the backup: {member.name!r}")
                    src = tar.extractfile(member)
                    if manifest is not None:
                        raise Damaged("the backup has entries after its manifest")
                    if member.name == MANIFEST:
                        try:
                            manifest = json.loads(src.read(MAX_HEADER * 16))
                        except ValueError:
                            raise Damaged("the backup's manifest is damaged") from None
                        continue
                    digest, size = hashlib.sha256(), 0
                    out = open(into / member.name, "xb") if into is not None else None  # noqa: SIM115
                    try:
                        while block := src.read(BUFFER):
                            digest.update(block)
                            size += len(block)
                            if out is not None:
                                out.write(block)
                            if progress:
                                progress(len(block))
                    finally:
                        if out is not None:
                            out.close()
                    seen[member.name] = (size, digest.hexdigest())
            except tarfile.TarError as exc:
                raise Damaged(f"the backup's content is damaged ({exc})") from None
        # Drain to the final chunk: a file cut after the tar's end must still be refused.
        while reader.read(BUFFER):
            pass
    if manifest is None:
        raise Damaged("the backup has no manifest")
    expected = manifest.get("parts", {})
    for part, facts in expected.items():
        if part not in seen:
            raise Damaged(f"the backup lacks its part {part}")
        size, digest = seen[part]
        if size != facts.get("size") or digest != facts.get("sha256"):
            raise Damaged(f"the part {part} does not match its SHA-256 in the manifest")
    extra = set(seen) - set(expected)
    if extra:
        raise Damaged(f"the backup has parts its manifest does not list: {sorted(extra)}")
    return manifest
