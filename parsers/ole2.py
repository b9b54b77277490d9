"""A small, defensive reader of OLE2 compound files (CFB): the directory and its streams.

Enough to tell a legacy .xls (a `Workbook` or `Book` stream) from an encrypted OOXML package
(`EncryptionInfo` + `EncryptedPackage`) and to read the BIFF stream for the pre-parse guards.
Every chain walk is bounded by the file's sector count, so loops and lies end in `UnreadableFile`.
"""

from __future__ import annotations

import struct

from parsers.errors import UnreadableFile

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END_OF_CHAIN = 0xFFFFFFFE
MAX_REGULAR = 0xFFFFFFFA
HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")


class Ole2:
    """The directory of one compound file; `streams` maps each stream's name to (start, size)."""

    def __init__(self, payload: bytes, filename: str = "") -> None:
        self.payload, self.filename = payload, filename
        if len(payload) < 512 or not payload.startswith(MAGIC):
            self._fail("too short or not OLE2")
        f = HEADER.unpack_from(payload)
        self.sector = 1 << f[5]
        self.mini_sector = 1 << f[6]
        if self.sector not in (512, 4096) or self.mini_sector != 64:
            self._fail("odd sector sizes")
        n_fat, first_dir, self.cutoff = f[9], f[10], f[12]
        first_minifat, first_difat, n_difat = f[13], f[15], f[16]
        self.n_sectors = (len(payload) - 512) // self.sector + 1
        self.fat = self._load_fat(n_fat, first_difat, n_difat)
        self.streams: dict[str, tuple[int, int]] = {}
        root = self._read_directory(first_dir)
        self.mini_stream = self._chain_bytes(root[0], self.fat, self.sector, root[1]) if root[1] else b""
        minifat_bytes = self._chain_bytes(first_minifat, self.fat, self.sector, None)
        self.minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))

    def _fail(self, why: str) -> None:
        raise UnreadableFile(f"OLE2 container is malformed: {why}", filename=self.filename)

    def _sector(self, sid: int) -> bytes:
        if sid > MAX_REGULAR or sid + 1 >= self.n_sectors + 1:
            self._fail(f"sector {sid} is outside the file")
        off = (sid + 1) * self.sector
        return self.payload[off : off + self.sector]

    def _load_fat(self, n_fat: int, first_difat: int, n_difat: int) -> list[int]:
        ids = list(struct.unpack_from("<109I", self.payload, 76))
        sid, per = first_difat, self.sector // 4 - 1
        for _ in range(min(n_difat, self.n_sectors)):
            if sid > MAX_REGULAR:
                break
            block = struct.unpack(f"<{per + 1}I", self._sector(sid))
            ids.extend(block[:per])
            sid = block[per]
        fat: list[int] = []
        for fid in ids[: min(n_fat, self.n_sectors)]:
            if fid <= MAX_REGULAR:
                fat.extend(struct.unpack(f"<{self.sector // 4}I", self._sector(fid)))
        return fat

    def _chain(self, start: int, table: list[int], limit: int) -> list[int]:
        chain: list[int] = []
        sid = start
        while sid <= MAX_REGULAR:
            if len(chain) >= limit or sid >= len(table):
                self._fail("sector chain loops or leaves the allocation table")
            chain.append(sid)
            sid = table[sid]
        return chain

    def _chain_bytes(self, start: int, table: list[int], size: int, length: int | None) -> bytes:
        if table is self.fat:
            data = b"".join(self._sector(s) for s in self._chain(start, table, self.n_sectors))
        else:
            limit = len(self.mini_stream) // size + 1
            data = b"".join(
                self.mini_stream[s * size : (s + 1) * size] for s in self._chain(start, table, limit)
            )
        if length is not None and len(data) < length:
            self._fail("stream is shorter than its directory entry says")
        return data if length is None else data[:length]

    def _read_directory(self, first_dir: int) -> tuple[int, int]:
        data = self._chain_bytes(first_dir, self.fat, self.sector, None)
        root = (END_OF_CHAIN, 0)
        for off in range(0, len(data) - 127, 128):
            name_len, kind = struct.unpack_from("<HB", data, off + 64)
            start, size = struct.unpack_from("<IQ", data, off + 116)
            if self.sector == 512:
                size &= 0xFFFFFFFF
            name = data[off : off + max(min(name_len, 64) - 2, 0)].decode("utf-16-le", errors="replace")
            if kind == 5:
                root = (start, size)
            elif kind == 2:
                self.streams.setdefault(name, (start, size))
        return root

    def has(self, name: str) -> bool:
        """True when some stream (at any depth) has this name, compared case-insensitively."""
        return any(n.lower() == name.lower() for n in self.streams)

    def read(self, name: str, max_bytes: int) -> bytes:
        """The bytes of the first stream with this name (case-insensitive), at most `max_bytes` of them."""
        start, size = next(v for n, v in self.streams.items() if n.lower() == name.lower())
        size = min(size, max_bytes)
        if size < self.cutoff:
            return self._chain_bytes(start, self.minifat, self.mini_sector, size)
        return self._chain_bytes(start, self.fat, self.sector, size)
