"""Replace the registry from DLA's open-data export (dlads_05_01) and say what changed.

The export has one row per LAO × tambon with Thai headers (จังหวัด, อำเภอ, ตำบล, รหัส อปท.,
ประเภท อปท., อปท., …). It arrives as UTF-8 (with or without BOM) or cp874, comma-separated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from validators.errors import ReferenceDataError
from validators.geography import District, read_districts_csv
from validators.lao import LAO_TYPES, REGISTRY_COLUMNS, Lao, full_name
from validators.normalize import clean, header_key, key

if TYPE_CHECKING:
    from validators.registry import Registry

# header_key of an accepted header → our field
EXPORT_HEADERS = {
    "รหัสอปท": "code",
    "รหัสองค์กรปกครองส่วนท้องถิ่น": "code",
    "รหัส": "code",
    "ประเภทอปท": "type",
    "ประเภท": "type",
    "ประเภทองค์กรปกครองส่วนท้องถิ่น": "type",
    "อปท": "name",
    "ชื่ออปท": "name",
    "ชื่อองค์กรปกครองส่วนท้องถิ่น": "name",
    "จังหวัด": "province",
    "อำเภอ": "district",
}
# key of a type cell, dots removed → lao_type
EXPORT_TYPES = {
    **{key(type_th).replace(".", ""): t for t, (type_th, _w, _a) in LAO_TYPES.items()},
    **{key(abbr).replace(".", ""): t for t, (_th, _w, abbr) in LAO_TYPES.items() if abbr != "-"},
    "เมืองพัทยา": "special_admin_area",
    "รูปแบบพิเศษ": "special_admin_area",
}


class DlaExportError(ReferenceDataError):
    """DLA's export lacks a needed column or holds a row that cannot be read."""


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-874 as Excel on Thai Windows saves "CSV"."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DlaExportError("the file is an Excel workbook, not CSV: save it as CSV UTF-8 and import that")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp874")
    except UnicodeDecodeError as e:
        raise DlaExportError(
            f"the file is not CSV text (neither UTF-8 nor Windows-874 at byte {e.start})"
        ) from e


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, text in enumerate(header):
        name = EXPORT_HEADERS.get(header_key(text))
        if name is not None:
            found.setdefault(name, i)
    missing = {"code", "type", "name", "province", "district"} - set(found)
    if missing:
        raise DlaExportError(f"DLA export lacks columns {sorted(missing)}; header was {list(header)}")
    return found


def _strip_prefix(text: str, prefixes: Sequence[str]) -> str:
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return text


def _bare_name(lao_type: str, name: str) -> str:
    type_th, _word, abbr = LAO_TYPES[lao_type]
    return _strip_prefix(name, [type_th, abbr] if abbr != "-" else [type_th])


def read_dla_export(data: bytes, districts: Sequence[District] | None = None) -> list[Lao]:
    """The LAOs of DLA's export, one per รหัส อปท. (first row wins), in file order."""
    rows = list(csv.reader(io.StringIO(_decode(data))))
    if not rows:
        raise DlaExportError("DLA export is empty")
    cols = _columns(rows[0])
    geo = {(d.province_th, d.district_th): d for d in (districts or read_districts_csv())}
    by_code_province = {d.province_code: d for d in geo.values()}
    laos: dict[str, Lao] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {name: clean(row[i]) if i < len(row) else "" for name, i in cols.items()}
        code = "".join(ch for ch in cell["code"] if ch.isdigit())
        if len(code) == 8 and code.startswith("0"):
            code = code[1:]
        if len(code) != 7:
            raise DlaExportError(f"DLA export line {line}: รหัส อปท. {cell['code']!r} is not 7 digits")
        if code in laos:
            continue
        lao_type = EXPORT_TYPES.get(key(cell["type"]).replace(".", ""))
        if lao_type is None:
            raise DlaExportError(f"DLA export line {line}: unknown ประเภท อปท. {cell['type']!r}")
        laos[code] = _lao(code, lao_type, cell, geo, by_code_province)
    return list(laos.values())


def _lao(
    code: str,
    lao_type: str,
    cell: dict[str, str],
    geo: dict[tuple[str, str], District],
    by_code_province: dict[str, District],
) -> Lao:
    province = _strip_prefix(cell["province"], ["จังหวัด", "จ."])
    district = _strip_prefix(cell["district"], ["อำเภอ", "อ."])
    place = geo.get((province, district))
    known_province = by_code_province.get(code[1:3])
    name = _bare_name(lao_type, cell["name"])
    type_th, _word, abbr = LAO_TYPES[lao_type]
    return Lao(
        dla_code=code,
        lao_type=lao_type,
        type_th=type_th,
        type_abbr=abbr,
        name_th=name,
        full_name_th=full_name(lao_type, name),
        province_code=place.province_code if place else code[1:3],
        province_th=province,
        province_en=place.province_en if place else (known_province.province_en if known_province else ""),
        district_code=place.district_code if place else code[1:5],
        district_th=district,
        district_en=place.district_en if place else "",
    )


def write_registry_csv(laos: Sequence[Lao], path: Path) -> None:
    """Write `laos` in our registry CSV format (UTF-8, header row), via a temp file and rename."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(lao.as_row() for lao in laos)
    tmp.replace(path)


@dataclass(frozen=True, slots=True)
class RegistryDiff:
    """What a new registry changes, matched by DLA code."""

    added: tuple[Lao, ...] = ()
    removed: tuple[Lao, ...] = ()
    renamed: tuple[tuple[Lao, Lao], ...] = field(default=())  # (old, new): bare name or place changed
    retyped: tuple[tuple[Lao, Lao], ...] = field(default=())  # (old, new): lao_type changed

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.retyped)

    def summary_lines(self) -> list[str]:
        """One line per change, then a count line; for the operator's terminal."""
        lines = [f"added {_describe(n)}" for n in self.added]
        lines += [f"removed {_describe(o)}" for o in self.removed]
        lines += [f"renamed {o.dla_code}: {_place(o)} -> {_place(n)}" for o, n in self.renamed]
        lines += [f"retyped {o.dla_code}: {o.full_name_th} -> {n.full_name_th}" for o, n in self.retyped]
        lines.append(
            f"{len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.renamed)} renamed, {len(self.retyped)} retyped"
        )
        return lines


def _describe(lao: Lao) -> str:
    return f"{lao.dla_code} {_place(lao)}"


def _place(lao: Lao) -> str:
    return f"{lao.full_name_th} ({lao.district_th}, {lao.province_th})"


def diff_registries(old: Registry, new: Sequence[Lao]) -> RegistryDiff:
    """Compare the registry in use with the LAOs of a new export."""
    before = {lao.dla_code: lao for lao in old.laos}
    after = {lao.dla_code: lao for lao in new}
    common = [(before[c], after[c]) for c in before if c in after]
    return RegistryDiff(
        added=tuple(after[c] for c in after if c not in before),
        removed=tuple(before[c] for c in before if c not in after),
        renamed=tuple(
            (o, n)
            for o, n in common
            if (o.name_th, o.district_th, o.province_th) != (n.name_th, n.district_th, n.province_th)
        ),
        retyped=tuple((o, n) for o, n in common if o.lao_type != n.lao_type),
    )
