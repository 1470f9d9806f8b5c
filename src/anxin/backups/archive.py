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


class EncryptingWriter:
    """Takes the tar's bytes (``write``): compresses and encrypts them in chunks, writes them to
    ``out`` (hashing it); ``finish`` seals the final chunk."""

    def __init__(self, out, material: bytes, *, name: str, created: str):
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
        # zstd and AES-GCM release the GIL: chunks are compressed and sealed on two threads,
        # written in order on this one.
        self._pool = ThreadPoolExecutor(max_workers=COMPRESS_THREADS)
        self._pending: deque[Future] = deque()
        self._compress = COMPRESS[header["compression"]]

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.sha256.update(data)
        self.written += len(data)

    def _pack(self, index: int, raw: bytes, final: bool) -> tuple[bytes, bytes]:
        sealed = self._aead.encrypt(
            _nonce(index), self._compress(raw), _aad(self._header_hash, index, final)
        )
        return struct.pack(">I", len(sealed)), sealed

    def _submit(self, raw: bytes, final: bool = False) -> None:
        self._pending.append(self._pool.submit(self._pack, self._index, raw, final))
        self._index += 1
        while len(self._pending) > (0 if final else IN_FLIGHT):  # memory: a few chunks at most
            for piece in self._pending.popleft().result():
                self._emit(piece)  # two writes: no third copy of the chunk in memory

    def write(self, data) -> int:
        with memoryview(data) as view:
            size = len(view)
            self.plain += size
            taken = 0
            if self._raw:
                taken = min(CHUNK - len(self._raw), size)
                self._raw += view[:taken]
                if len(self._raw) < CHUNK:
                    return size
                self._submit(bytes(self._raw))
                self._raw = bytearray()
            while size - taken >= CHUNK:  # whole chunks go straight from the caller's buffer
                self._submit(bytes(view[taken : taken + CHUNK]))
                taken += CHUNK
            self._raw += view[taken:]
        return size

    def finish(self) -> None:
        """Seal the rest as the final chunk (empty when the data ended on a chunk boundary)."""
        try:
            raw, self._raw = bytes(self._raw), bytearray()
            self._submit(raw, final=True)
        finally:
            self._pool.shutdown(cancel_futures=True)


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


class DecryptingReader:
    """The decrypted, decompressed tar, chunk by chunk (``next_chunk``); raises ``ArchiveError``s.

    Chunks are read in order on the calling thread and authenticated and decompressed on two
    threads, one chunk ahead (memory stays bounded); they are handed out in order, and an
    error is raised where it occurs in the file, after every chunk before it.
    """

    def __init__(self, fh, material: bytes):
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
        self._pool = ThreadPoolExecutor(max_workers=READ_AHEAD + 1)
        self._pending: deque[Future] = deque()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

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

    def next_chunk(self) -> bytes | None:
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
        hasher = ThreadPoolExecutor(max_workers=1)  # the parts' SHA-256, beside the compression
        try:
            for part, path in parts.items():
                info = tarfile.TarInfo(part)
                info.size = path.stat().st_size
                info.mode = 0o600
                writer.write(info.tobuf(tarfile.PAX_FORMAT))
                digest = hashlib.sha256()
                hashing: deque[Future] = deque()
                copied = 0
                with open(path, "rb", buffering=0) as src:
                    while block := src.read(CHUNK):
                        hashing.append(hasher.submit(digest.update, block))
                        writer.write(block)
                        copied += len(block)
                        if progress:
                            progress(len(block))
                        while len(hashing) > IN_FLIGHT:
                            hashing.popleft().result()
                for future in hashing:
                    future.result()
                if copied != info.size:
                    raise ArchiveError(f"{part} changed size while it was being archived")
                writer.write(_padding(info.size))
                manifest["parts"][part] = {"size": info.size, "sha256": digest.hexdigest()}
        finally:
            hasher.shutdown()
        if complete is not None:
            complete(manifest)
        body = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o600
        writer.write(info.tobuf(tarfile.PAX_FORMAT))
        writer.write(body)
        writer.write(_padding(len(body)))
        writer.write(bytes(2 * tarfile.BLOCKSIZE))  # the tar's end: two empty blocks
        writer.finish()
        out.flush()
    return writer.sha256.hexdigest(), writer.written


def _padding(size: int) -> bytes:
    return bytes(-size % tarfile.BLOCKSIZE)


class _Plain:
    """The decrypted tar, read straight from the decrypted chunks (no copies of the data)."""

    def __init__(self, reader: DecryptingReader):
        self._reader = reader
        self._view = memoryview(b"")

    def _more(self) -> bool:
        chunk = self._reader.next_chunk()
        if chunk is None:
            return False
        self._view = memoryview(chunk)
        return True

    def blocks(self, n: int):
        """The next ``n`` bytes, as views of the chunks they lie in."""
        while n:
            if not self._view and not self._more():
                raise Damaged("the backup's content is damaged (it ends inside an entry)")
            piece = self._view[:n]
            self._view = self._view[len(piece) :]
            n -= len(piece)
            yield piece

    def take(self, n: int) -> bytes:
        return b"".join(bytes(piece) for piece in self.blocks(n))

    def drain(self) -> None:
        while self._more():
            pass


def _pax_records(data: bytes) -> dict[str, str]:
    """The ``"<length> <key>=<value>\\n"`` records of a pax extended header."""
    records, pos = {}, 0
    try:
        while pos < len(data):
            space = data.index(b" ", pos)
            length = int(data[pos:space])
            key, _, value = data[space + 1 : pos + length - 1].partition(b"=")
            records[key.decode()] = value.decode("utf-8", "surrogateescape")
            pos += length
    except ValueError:
        raise Damaged("the backup's content is damaged (a bad pax header)") from None
    return records


def _members(plain: _Plain):
    """The tar's entries, in order; the caller reads each one's data and padding."""
    extended: dict[str, str] = {}
    while True:
        block = plain.take(tarfile.BLOCKSIZE)
        if block == bytes(tarfile.BLOCKSIZE):
            return  # the end of the archive
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError as exc:
            raise Damaged(f"the backup's content is damaged ({exc})") from None
        if info.type in (tarfile.XHDTYPE, tarfile.XGLTYPE):
            data = plain.take(info.size + (-info.size % tarfile.BLOCKSIZE))[: info.size]
            if info.type == tarfile.XHDTYPE:
                extended = _pax_records(data)
            continue
        if "path" in extended:
            info.name = extended["path"]
        if "size" in extended:
            try:
                info.size = int(extended["size"])
            except ValueError:
                raise Damaged("the backup's content is damaged (a bad pax header)") from None
        extended = {}
        yield info


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
    with open(path, "rb") as fh:
        reader = DecryptingReader(fh, material)
        try:
            plain = _Plain(reader)
            for member in _members(plain):
                if not member.isfile() or "/" in member.name or member.name.startswith("."):
                    raise Damaged(f"unexpected entry in the backup: {member.name!r}")
                if manifest is not None:
                    raise Damaged("the backup has entries after its manifest")
                if member.name == MANIFEST:
                    if member.size > MAX_HEADER * 16:
                        raise Damaged("the backup's manifest is damaged")
                    try:
                        manifest = json.loads(plain.take(member.size))
                    except ValueError:
                        raise Damaged("the backup's manifest is damaged") from None
                else:
                    digest = hashlib.sha256()
                    out = open(into / member.name, "xb") if into is not None else None  # noqa: SIM115
                    try:
                        for block in plain.blocks(member.size):
                            digest.update(block)
                            if out is not None:
                                out.write(block)
                            if progress:
                                progress(len(block))
                    finally:
                        if out is not None:
                            out.close()
                    seen[member.name] = (member.size, digest.hexdigest())
                plain.take(-member.size % tarfile.BLOCKSIZE)
            # Drain to the final chunk: a file cut after the tar's end must still be refused.
            plain.drain()
        finally:
            reader.close()
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
