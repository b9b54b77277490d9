"""The LAO registry: every อปท. DLA publishes, with normalised indexes for fast look-ups.

Loading the bundled CSVs and building every index takes well under a second and is cached.
Look-ups try the text exactly as written first (most cells are the official spelling) and only
then its normalised key, so a clean report never pays for normalisation or fuzzy search.
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import fuzz, process

from validators.dla_export import RegistryDiff, diff_registries, read_dla_export, write_registry_csv
from validators.errors import ReferenceDataError
from validators.geography import DISTRICTS_CSV, REGISTRY_CSV, District, read_districts_csv
from validators.lao import LAO_TYPES, REGISTRY_COLUMNS, Lao
from validators.normalize import key

__all__ = [
    "Lao",
    "Registry",
    "RegistryDiff",
    "diff_registries",
    "load_registry",
    "read_dla_export",
    "write_registry_csv",
]


# Everyday names of provinces whose official name is longer.
PROVINCE_ALIASES = {"อยุธยา": "พระนครศรีอยุธยา", "โคราช": "นครราชสีมา"}
DISTRICT_PREFIXES = ("อำเภอ", "อ.")
PROVINCE_PREFIXES = ("จังหวัด", "จ.")

Index = dict[str, tuple[Lao, ...]]


class RegistryError(ReferenceDataError):
    """A registry file is missing columns or holds rows that cannot be read."""


def _index(laos: Iterable[Lao], attr: str) -> Index:
    grouped: dict[str, list[Lao]] = defaultdict(list)
    for lao in laos:
        text = getattr(lao, attr)
        grouped[text].append(lao)
        normal = key(text)
        if normal != text:
            grouped[normal].append(lao)
    return {k: tuple(v) for k, v in grouped.items()}


def _lookup(index: Index, text: str) -> tuple[Lao, ...]:
    found = index.get(text)
    return found if found is not None else index.get(key(text), ())


class Registry:
    """Every LAO, grouped by province, with name, district and province indexes."""

    def __init__(self, laos: Iterable[Lao], districts: Iterable[District] = ()) -> None:
        """`districts` lists every อำเภอ (provinces_districts.csv); the LAOs' own are always added."""
        self.laos: tuple[Lao, ...] = tuple(laos)
        by_province: dict[str, list[Lao]] = defaultdict(list)
        for lao in sorted(self.laos, key=lambda x: (x.province_code, x.district_code, x.dla_code[1:])):
            by_province[lao.province_th].append(lao)
        self._by_province = {p: tuple(v) for p, v in by_province.items()}
        codes = {lao.province_th: lao.province_code for lao in self.laos}
        self._provinces = sorted(self._by_province, key=lambda p: codes[p])
        self._by_code = {lao.dla_code: lao for lao in self.laos}
        self._full = {p: _index(v, "full_name_th") for p, v in self._by_province.items()}
        self._bare = {p: _index(v, "name_th") for p, v in self._by_province.items()}
        self._full_all = _index(self.laos, "full_name_th")
        self._bare_all = _index(self.laos, "name_th")
        self._districts = self._build_districts(districts)
        self._district_keys = {p: self._district_variants(p, ds) for p, ds in self._districts.items()}
        self._any_district = frozenset(k for variants in self._district_keys.values() for k in variants)
        self._province_keys = self._province_variants()

    def _build_districts(self, rows: Iterable[District]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for row in rows:
            if row.province_th in self._by_province:
                found[row.province_th].setdefault(row.district_th, row.district_code)
        for lao in self.laos:
            found[lao.province_th].setdefault(lao.district_th, lao.district_code)
        return {p: sorted(((c, d) for d, c in ds.items()), key=lambda cd: cd[0]) for p, ds in found.items()}

    @staticmethod
    def _district_variants(province: str, districts: list[tuple[str, str]]) -> dict[str, str]:
        variants: dict[str, str] = {}
        for code, district in districts:
            names = [district]
            if code.endswith("01"):  # the capital district: อ.เมือง
                names += ["เมือง", "เมือง" + province]
            for name in names:
                for prefix in ("", *DISTRICT_PREFIXES):
                    variants.setdefault(key(prefix + name), district)
                    variants.setdefault(prefix + name, district)
        return variants

    def _province_variants(self) -> dict[str, str]:
        names = {p: p for p in self._provinces}
        names.update((alias, p) for alias, p in PROVINCE_ALIASES.items() if p in self._by_province)
        variants: dict[str, str] = {}
        for name, province in names.items():
            for prefix in ("", *PROVINCE_PREFIXES):
                variants[key(prefix + name)] = province
                variants[prefix + name] = province
        return variants

    # --- provinces and districts -------------------------------------------------------------

    def provinces(self) -> list[str]:
        """The reporting provinces (those with LAOs), ordered by DOPA province code."""
        return list(self._provinces)

    def province_names(self) -> dict[str, str]:
        """Every accepted spelling of a province (official, alias, with จังหวัด/จ.) → official name."""
        return dict(self._province_keys)

    def resolve_province(self, text: str) -> str | None:
        """The official province a cell names (จังหวัดกาญจนบุรี, จ.กาญจนบุรี, กาญจนบุรี), or None."""
        found = self._province_keys.get(text)
        return found if found is not None else self._province_keys.get(key(text))

    def districts_of(self, province: str) -> list[str]:
        """The province's districts (อำเภอ), official spelling, by district code."""
        return [d for _, d in self._districts.get(province, [])]

    def is_district(self, text: str) -> bool:
        """Whether `text` names a district of some province, as `resolve_district` reads it."""
        return text in self._any_district or key(text) in self._any_district

    def resolve_district(self, province: str, text: str) -> str | None:
        """The official district a cell names: ท่าม่วง, อ.ท่าม่วง, อำเภอท่าม่วง; เมือง/อ.เมือง → เมือง<จังหวัด>."""
        variants = self._district_keys.get(province, {})
        found = variants.get(text)
        return found if found is not None else variants.get(key(text))

    # --- LAOs --------------------------------------------------------------------------------

    def laos_in(self, province: str) -> list[Lao]:
        """The province's LAOs ordered by district, then DLA running number."""
        return list(self._by_province.get(province, ()))

    def lao_by_code(self, code: str) -> Lao | None:
        """The LAO with this DLA code; 8-digit zero-padded codes are accepted."""
        if len(code) == 8 and code.startswith("0"):
            code = code[1:]
        return self._by_code.get(code)

    def full_name_index(self, province: str) -> Mapping[str, tuple[Lao, ...]]:
        """The province's full names (as written officially, and as normalised keys) → LAOs."""
        return self._full.get(province, {})

    def full_names(self) -> Mapping[str, tuple[Lao, ...]]:
        """Every province's full names (as written officially, and as normalised keys) → LAOs."""
        return self._full_all

    def district_index(self, province: str) -> Mapping[str, str]:
        """Every accepted spelling of the province's districts (raw and key) → official name."""
        return self._district_keys.get(province, {})

    def by_full_name(self, province: str, text: str) -> tuple[Lao, ...]:
        """LAOs of the province whose full name equals `text` after normalisation."""
        return _lookup(self._full.get(province, {}), text)

    def by_bare_name(self, province: str, text: str) -> tuple[Lao, ...]:
        """LAOs of the province whose bare name (without type word) equals `text` after normalisation."""
        return _lookup(self._bare.get(province, {}), text)

    def anywhere_by_full_name(self, text: str) -> tuple[Lao, ...]:
        """LAOs of any province whose full name equals `text` after normalisation."""
        return _lookup(self._full_all, text)

    def anywhere_by_bare_name(self, text: str) -> tuple[Lao, ...]:
        """LAOs of any province whose bare name equals `text` after normalisation."""
        return _lookup(self._bare_all, text)

    # --- suggestions -------------------------------------------------------------------------

    def closest_names(self, province: str, district: str | None, text: str, limit: int = 3) -> list[str]:
        """Up to `limit` official full names of the district (else the province) closest to `text`."""
        laos = self._by_province.get(province, ())
        if district is not None:
            laos = tuple(lao for lao in laos if lao.district_th == district) or laos
        choices = sorted({lao.full_name_th for lao in laos})
        return _closest(key(text), choices, limit)

    def closest_districts(self, province: str, text: str, limit: int = 3) -> list[str]:
        """Up to `limit` districts of the province closest to `text`."""
        return _closest(key(text), self.districts_of(province), limit)

    def closest_provinces(self, text: str, limit: int = 3) -> list[str]:
        """Up to `limit` provinces closest to `text`."""
        return _closest(key(text), self._provinces, limit)


def _closest(text: str, choices: list[str], limit: int, cutoff: float = 50.0) -> list[str]:
    found = process.extract(text, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff)
    return [choice for choice, _score, _index in found]


def read_registry_csv(path: Path) -> list[Lao]:
    """The LAOs of a registry CSV in our format (see lao.REGISTRY_COLUMNS)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(REGISTRY_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise RegistryError(f"registry {path} lacks columns {sorted(missing)}")
        laos = [Lao(**{c: (row[c] or "").strip() for c in REGISTRY_COLUMNS}) for row in reader]
    unknown = {lao.lao_type for lao in laos} - set(LAO_TYPES)
    if unknown:
        raise RegistryError(f"registry {path} has unknown lao_type values {sorted(unknown)}")
    return laos


def load_registry(path: Path | None = None) -> Registry:
    """The registry in `path` (our CSV format), or the bundled one when None (cached).

    Districts come from provinces_districts.csv next to `path` when present, else the bundled one.
    """
    if path is None:
        return _bundled()
    districts = path.parent / DISTRICTS_CSV.name
    try:
        laos = read_registry_csv(path)
        return Registry(laos, read_districts_csv(districts if districts.exists() else DISTRICTS_CSV))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RegistryError(f"cannot read registry {path}: {e}") from e


@functools.cache
def _bundled() -> Registry:
    return Registry(read_registry_csv(REGISTRY_CSV), read_districts_csv(DISTRICTS_CSV))
