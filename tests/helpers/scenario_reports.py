"""What provinces attach, for the scenario suite: ลำพูน's report whole, in halves by อำเภอ, with LAOs left
out, and the files that travel beside it (a PDF cover letter, a zip of the parts).

Every workbook is built by `make_report` (tests/helpers/builders.py) from the real registry rows of the
province (58 LAOs in ลำพูน, in eight อำเภอ), so the names are the ones DLA's registry spells.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from parsers.types import CellValue
from tests.helpers.builders import RowDict, make_report, valid_rows
from tests.helpers.libreoffice import convert
from validators import load_registry
from validators.lao import Lao
from validators.registry import Registry

LAMPHUN = "ลำพูน"
LAMPANG = "ลำปาง"  # the neighbour whose name a copied title keeps


@functools.cache
def registry() -> Registry:
    return load_registry()


def laos(province: str = LAMPHUN) -> tuple[Lao, ...]:
    """The province's LAOs in registry order."""
    return tuple(registry().laos_in(province))


def codes(province: str = LAMPHUN) -> set[str]:
    """Every รหัส อปท. of the province."""
    return {lao.dla_code for lao in laos(province)}


def districts(province: str = LAMPHUN) -> list[str]:
    """The province's อำเภอ in the order its LAOs first name them."""
    return list(dict.fromkeys(lao.district_th for lao in laos(province)))


def codes_in(districts_: Collection[str], province: str = LAMPHUN) -> set[str]:
    """The รหัส อปท. of the province's LAOs in these อำเภอ."""
    return {lao.dla_code for lao in laos(province) if lao.district_th in districts_}


def halves(province: str = LAMPHUN) -> tuple[set[str], set[str]]:
    """The province cut in two by อำเภอ (whole อำเภอ on each side, the first as near half as it gets)."""
    first: list[str] = []
    for district in districts(province):
        if len(codes_in([*first, district], province)) * 2 > len(laos(province)) + 10:
            break
        first.append(district)
    one = codes_in(first, province)
    return one, codes(province) - one


def rows_for(
    wanted: Collection[str] | None = None,
    province: str = LAMPHUN,
    changes: Mapping[str, Mapping[str, CellValue]] | None = None,
) -> list[RowDict]:
    """Correct rows for the LAOs `wanted` (all when None), registry order, numbered from 1; `changes`
    updates the row of an LAO by its code."""
    chosen = [r for r in valid_rows(province, registry()) if wanted is None or r["dla_code"] in wanted]
    return [
        {**row, "seq": i, **(changes or {}).get(str(row["dla_code"]), {})} for i, row in enumerate(chosen, 1)
    ]


def report(
    wanted: Collection[str] | None = None,
    province: str = LAMPHUN,
    changes: Mapping[str, Mapping[str, CellValue]] | None = None,
    **options: Any,
) -> bytes:
    """The province's report holding the LAOs `wanted` (all when None); `options` go to make_report."""
    return make_report(province, rows_for(wanted, province, changes), registry=registry(), **options)


def names_of(wanted: Iterable[str]) -> dict[str, str]:
    """รหัส อปท. → full name, for the codes given."""
    by_code = {lao.dla_code: lao for lao in registry().laos}
    return {code: by_code[code].full_name_th for code in wanted}


def by_district(wanted: Iterable[str], province: str = LAMPHUN) -> dict[str, list[str]]:
    """อำเภอ → the full names of the province's LAOs `wanted` in it, in the province's registry order."""
    chosen = set(wanted)
    out: dict[str, list[str]] = {}
    for lao in laos(province):
        if lao.dla_code in chosen:
            out.setdefault(lao.district_th, []).append(lao.full_name_th)
    return out


def pick(wanted: int, province: str = LAMPHUN, *, skip: int = 0) -> list[str]:
    """`wanted` codes spread over the province (every fifth LAO from `skip`), registry order."""
    every = [lao.dla_code for lao in laos(province)]
    return every[skip::5][:wanted]


def abbreviated(code: str) -> str:
    """The LAO's name as provinces shorten it: อบต.… / ทต.… instead of the full type word."""
    lao = next(lao for lao in registry().laos if lao.dla_code == code)
    return f"{lao.type_abbr}{lao.name_th}"


def zipped(files: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of these files, Thai names stored as UTF-8 (what Windows' "Send to → Compressed" writes
    since Windows 10 1903)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in files:
            z.writestr(name, payload)
    return out.getvalue()


def resaved(payload: bytes, name: str, target: str, workdir: Path) -> tuple[str, bytes]:
    """The workbook `name` opened and saved again by headless LibreOffice as `target` (xlsx, xls, ods):
    the new file's name and bytes. Needs LibreOffice (tests/integration only)."""
    source, out = workdir / "before" / name, workdir / f"after-{target}"
    source.parent.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True)
    source.write_bytes(payload)
    convert(source, target, out)
    produced = out / f"{source.stem}.{target}"
    return produced.name, produced.read_bytes()


def cover_letter_pdf(text: str = "Letter") -> bytes:
    """A one-page PDF: the signed cover letter (หนังสือนำส่ง) scanned or printed to PDF."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
