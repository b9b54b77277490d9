"""The bundled LAO registry, its look-ups, and replacing it from DLA's open-data export."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import REGISTRY_CSV
from validators.dla_export import DlaExportError
from validators.registry import Registry, diff_registries, load_registry, read_dla_export, write_registry_csv

REGISTRY = load_registry()
EXPORT_HEADER = "จังหวัด,อำเภอ,ตำบล,รหัส อปท.,ประเภท อปท.,อปท.,หมายเหตุ\n"


def test_registry_lists_76_reporting_provinces_and_7849_laos() -> None:
    provinces = REGISTRY.provinces()
    assert len(provinces) == 76 and "กรุงเทพมหานคร" not in provinces
    assert provinces[0] == "สมุทรปราการ"  # ordered by DOPA code (11)
    assert len(REGISTRY.laos) == 7849
    assert len(REGISTRY.laos_in("นครราชสีมา")) == 334


def test_fresh_registry_builds_well_under_a_second() -> None:
    start = time.perf_counter()
    load_registry(REGISTRY_CSV)
    assert time.perf_counter() - start < 1.0


def test_same_full_name_twice_in_one_province_is_told_apart_by_district() -> None:
    found = REGISTRY.by_full_name("กาญจนบุรี", "องค์การบริหารส่วนตำบลท่าเสา")
    assert sorted((lao.dla_code, lao.district_th) for lao in found) == [
        ("6710203", "ไทรโยค"),
        ("6710518", "ท่ามะกา"),
    ]


def test_lao_fields_follow_the_registry() -> None:
    lao = REGISTRY.lao_by_code("06710203")
    assert lao is not None
    assert (lao.type_th, lao.type_abbr, lao.name_th, lao.full_name_th, lao.province_th, lao.district_th) == (
        "องค์การบริหารส่วนตำบล",
        "อบต.",
        "ท่าเสา",
        "องค์การบริหารส่วนตำบลท่าเสา",
        "กาญจนบุรี",
        "ไทรโยค",
    )
    pattaya = REGISTRY.by_full_name("ชลบุรี", "เมืองพัทยา")[0]
    assert (pattaya.type_word, pattaya.district_th) == ("เมืองพัทยา", "บางละมุง")


@pytest.mark.parametrize(
    ("written", "district"),
    [
        ("ท่าม่วง", "ท่าม่วง"),
        ("อ.ท่าม่วง", "ท่าม่วง"),
        ("อำเภอท่าม่วง", "ท่าม่วง"),
        ("อำเภอ ท่าม่วง", "ท่าม่วง"),
        ("เมือง", "เมืองกาญจนบุรี"),
        ("อ.เมือง", "เมืองกาญจนบุรี"),
        ("อำเภอเมืองกาญจนบุรี", "เมืองกาญจนบุรี"),
        ("ท่าม่วงใหม่", None),
        ("บางบัวทอง", None),
    ],
)
def test_district_spellings_resolve_within_the_province(written: str, district: str | None) -> None:
    assert REGISTRY.resolve_district("กาญจนบุรี", written) == district


def test_capital_district_of_ayutthaya_is_its_mueang() -> None:
    assert REGISTRY.resolve_district("พระนครศรีอยุธยา", "อ.เมือง") == "พระนครศรีอยุธยา"


@pytest.mark.parametrize(
    ("written", "province"),
    [
        ("กาญจนบุรี", "กาญจนบุรี"),
        ("จังหวัดกาญจนบุรี", "กาญจนบุรี"),
        ("จ.กาญจนบุรี", "กาญจนบุรี"),
        ("อยุธยา", "พระนครศรีอยุธยา"),
        ("กรุงเทพมหานคร", None),
    ],
)
def test_province_spellings_resolve(written: str, province: str | None) -> None:
    assert REGISTRY.resolve_province(written) == province


def test_districts_of_a_province_follow_dopa_order() -> None:
    assert REGISTRY.districts_of("กาญจนบุรี")[:3] == ["เมืองกาญจนบุรี", "ไทรโยค", "บ่อพลอย"]


def export_rows() -> str:
    return (
        EXPORT_HEADER
        + "กาญจนบุรี,ไทรโยค,ท่าเสา,6710203,อบต.,ท่าเสา,\n"
        + "กาญจนบุรี,ไทรโยค,ท่าเสา,6710203,อบต.,ท่าเสา,ซ้ำต่อตำบล\n"
        + "จังหวัดกาญจนบุรี,อำเภอเมืองกาญจนบุรี,ท่ามะขาม,05710103,เทศบาลตำบล,เทศบาลตำบลท่ามะขาม,\n"
        + "ชลบุรี,บางละมุง,หนองปรือ,3200408,เมืองพัทยา,เมืองพัทยา,\n"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_dla_export_is_read_in_any_of_its_encodings_one_lao_per_code(encoding: str) -> None:
    laos = read_dla_export(export_rows().encode(encoding))
    assert [(lao.dla_code, lao.full_name_th, lao.district_th, lao.district_code) for lao in laos] == [
        ("6710203", "องค์การบริหารส่วนตำบลท่าเสา", "ไทรโยค", "7102"),
        ("5710103", "เทศบาลตำบลท่ามะขาม", "เมืองกาญจนบุรี", "7101"),
        ("3200408", "เมืองพัทยา", "บางละมุง", "2004"),
    ]
    assert laos[2].lao_type == "special_admin_area"


def test_registry_written_from_an_export_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "dla_lao_registry.csv"
    write_registry_csv(read_dla_export(export_rows().encode()), path)
    registry = load_registry(path)
    assert registry.provinces() == ["ชลบุรี", "กาญจนบุรี"]
    assert registry.by_full_name("กาญจนบุรี", "เทศบาลตำบลท่ามะขาม")[0].province_en == "Kanchanaburi"


def test_diff_reports_added_removed_renamed_and_retyped() -> None:
    old = Registry([lao for lao in REGISTRY.laos if lao.province_th == "กาญจนบุรี"])
    new = read_dla_export(
        (
            EXPORT_HEADER
            + "กาญจนบุรี,ไทรโยค,ท่าเสา,6710203,เทศบาลตำบล,ท่าเสา,\n"
            + "กาญจนบุรี,เมืองกาญจนบุรี,ท่ามะขาม,5710103,เทศบาลตำบล,ท่ามะขามใหม่,\n"
            + "กาญจนบุรี,ไทรโยค,ท่าเสา,6710299,อบต.,ท่าเสาใหม่,\n"
        ).encode()
    )
    diff = diff_registries(old, new)
    assert [lao.dla_code for lao in diff.added] == ["6710299"]
    assert len(diff.removed) == len(old.laos) - 2
    assert [(o.name_th, n.name_th) for o, n in diff.renamed] == [("ท่ามะขาม", "ท่ามะขามใหม่")]
    assert [(o.type_th, n.type_th) for o, n in diff.retyped] == [("องค์การบริหารส่วนตำบล", "เทศบาลตำบล")]
    lines = diff.summary_lines()
    assert lines[-1] == f"1 added, {len(old.laos) - 2} removed, 1 renamed, 1 retyped"
    assert "retyped 6710203: องค์การบริหารส่วนตำบลท่าเสา -> เทศบาลตำบลท่าเสา" in lines


def test_export_without_a_code_column_is_refused() -> None:
    with pytest.raises(DlaExportError, match="lacks columns"):
        read_dla_export("จังหวัด,อำเภอ,อปท.\nกาญจนบุรี,ไทรโยค,ท่าเสา\n".encode())
