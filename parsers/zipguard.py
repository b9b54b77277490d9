"""Guarded access to zip containers: entry, size, ratio and path checks, and streamed inflation.

Members are inflated by our own loop over the raw deflate stream, so a member that inflates
beyond the size its directory entry declares is caught, and nothing is ever inflated whole.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from parsers.errors import EncryptedFile, UnreadableFile, UnsafeFile
from parsers.limits import Limits, check_limit

CHUNK = 256 * 1024  # inflated bytes per step
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, skip to name length, extra length
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Member:
    """One zip entry as its central directory describes it."""

    name: str  # decoded as described in `decode_name`
    raw_name: bytes
    flag_bits: int
    method: int
    compress_size: int
    file_size: int
    header_offset: int


def open_members(payload: bytes, limits: Limits, filename: str = "") -> list[Member]:
    """The members of a zip, after the entry, path, size and ratio checks; raise on any breach."""
    check_limit(limits, "attachment_bytes", len(payload), filename)
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as e:
        raise UnreadableFile(f"zip directory is unreadable: {e}", filename=filename) from e
    check_limit(limits, "zip_entries", len(infos), filename)
    members = [_member(info) for info in infos]
    total = 0
    for m in members:
        _check_name(m.name, filename)
        if m.flag_bits & 0x1:
            raise EncryptedFile(f"zip member {m.name!r} is encrypted", filename=filename)
        if m.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnreadableFile(
                f"zip member {m.name!r} uses compression method {m.method}", filename=filename
            )
        check_limit(limits, "total_uncompressed_bytes", m.file_size, filename, m.name)
        total += m.file_size
        if m.file_size > limits.ratio_floor_bytes:
            check_limit(limits, "entry_ratio", m.file_size // max(m.compress_size, 1), filename, m.name)
    check_limit(limits, "total_uncompressed_bytes", total, filename)
    return members


def _member(info: zipfile.ZipInfo) -> Member:
    raw = info.orig_filename.encode("cp437") if not info.flag_bits & 0x800 else info.filename.encode()
    return Member(
        name=decode_name(raw, info.flag_bits),
        raw_name=raw,
        flag_bits=info.flag_bits,
        method=info.compress_type,
        compress_size=info.compress_size,
        file_size=info.file_size,
        header_offset=info.header_offset,
    )


def decode_name(raw: bytes, flag_bits: int) -> str:
    """A member name: UTF-8 when flag bit 11 says so or the bytes are valid UTF-8, else Thai cp874.

    Windows' built-in zip writes names in the OEM code page without the UTF-8 flag; on Thai
    Windows that is cp874, which Python would otherwise misread as cp437.
    """
    if flag_bits & 0x800 or raw.isascii():
        return raw.decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp874", errors="replace")


def _check_name(name: str, filename: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts or "\x00" in name:
        raise UnsafeFile(
            f"zip member name {name!r} escapes the archive", filename=filename, reason="zip_path"
        )


def iter_member(payload: bytes, member: Member, filename: str = "") -> Iterator[bytes]:
    """Yield a member's inflated bytes in chunks, refusing once it passes its declared size."""
    start = _data_start(payload, member, filename)
    data = memoryview(payload)[start : start + member.compress_size]
    if len(data) != member.compress_size:
        raise UnreadableFile(f"zip member {member.name!r} is truncated", filename=filename)
    if member.method == zipfile.ZIP_STORED:
        for i in range(0, len(data), CHUNK):
            yield bytes(data[i : i + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    try:
        for i in range(0, len(data), CHUNK):
            pending = bytes(data[i : i + CHUNK])
            while pending:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                produced += len(out)
                _check_declared(produced, member, filename)
                if out:
                    yield out
        while not inflater.eof and (out := inflater.flush(CHUNK)):
            produced += len(out)
            _check_declared(produced, member, filename)
            yield out
    except zlib.error as e:
        raise UnreadableFile(f"zip member {member.name!r} is corrupt: {e}", filename=filename) from e
    if produced != member.file_size:
        raise UnreadableFile(
            f"zip member {member.name!r} inflates to {produced} bytes, not the declared {member.file_size}",
            filename=filename,
        )


def read_member(payload: bytes, member: Member, filename: str = "") -> bytes:
    """A whole member, inflated through the same guards as `iter_member`."""
    return b"".join(iter_member(payload, member, filename))


def _check_declared(produced: int, member: Member, filename: str) -> None:
    if produced > member.file_size:
        raise UnsafeFile(
            f"zip member {member.name!r} inflates beyond its declared {member.file_size} bytes",
            filename=filename,
            reason="zip_size_lie",
        )


def _data_start(payload: bytes, member: Member, filename: str) -> int:
    off = member.header_offset
    head = payload[off : off + LOCAL_HEADER.size]
    if len(head) != LOCAL_HEADER.size:
        raise UnreadableFile(f"zip member {member.name!r} has no local header", filename=filename)
    signature, name_len, extra_len = LOCAL_HEADER.unpack(head)
    if signature != b"PK\x03\x04":
        raise UnreadableFile(f"zip member {member.name!r} has a bad local header", filename=filename)
    return off + LOCAL_HEADER.size + int(name_len) + int(extra_len)
