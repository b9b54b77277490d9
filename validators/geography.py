"""Provinces and districts as DOPA codes them (provinces_districts.csv), bundled with the registry."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
REGISTRY_CSV = DATA_DIR / "dla_lao_registry.csv"
DISTRICTS_CSV = DATA_DIR / "provinces_districts.csv"


@dataclass(frozen=True, slots=True)
class Place:
    """A province and one of its districts as DOPA codes and names them: where a `District` and an
    LAO (`validators.lao.Lao`) lie."""

    province_code: str
    province_th: str
    province_en: str
    district_code: str
    district_th: str
    district_en: str


@dataclass(frozen=True, slots=True)
class District(Place):
    """One อำเภอ (or Bangkok เขต) with its province."""


def read_districts_csv(path: Path = DISTRICTS_CSV) -> list[District]:
    """The rows of provinces_districts.csv."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            District(
                r["province_code"],
                r["province_th"],
                r["province_en"],
                r["district_code"],
                r["district_th"],
                r["district_en"],
            )
            for r in csv.DictReader(f)
        ]
