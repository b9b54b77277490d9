"""Read the LAO name a province wrote and find the registry LAO it means.

The form wants the full name exactly as DLA writes it: type word + bare name
(องค์การบริหารส่วนตำบลท่าเสา). Provinces also write abbreviations (อบต.ท่าเสา, ท.ต., เทศบาลต.),
องค์กร for องค์การ, the bare name alone, the type word alone, or the name followed by its อำเภอ or
จังหวัด. `match_name` tries the exact full name first (a dict hit), then each reading of the text,
and says which finding code, if any, the cell deserves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from validators.lao import LAO_TYPES, Lao
from validators.normalize import key
from validators.registry import Registry

MUNICIPALITIES = ("subdistrict_municipality", "town_municipality", "city_municipality")
# An upgrade goes one step up this ladder: a report may carry the older type.
TYPE_RANK = {
    "subdistrict_admin_org": 0,
    "subdistrict_municipality": 1,
    "town_municipality": 2,
    "city_municipality": 3,
}

# (pattern on the key of the cell, lao_type or None for "some municipality", how it is written)
_TYPE_PREFIXES: tuple[tuple[re.Pattern[str], str | None, str], ...] = (
    *((re.compile(re.escape(key(th))), t, "full") for t, (th, _w, _a) in LAO_TYPES.items() if t in TYPE_RANK),
    (re.compile(re.escape(key("องค์การบริหารส่วนจังหวัด"))), "provincial_admin_org", "full"),
    (re.compile("องค์กรบริหารส่วนตำบล"), "subdistrict_admin_org", "misspelled"),
    (re.compile("องค์กรบริหารส่วนจังหวัด"), "provincial_admin_org", "misspelled"),
    (re.compile(r"อ\.?บ\.?ต\.?"), "subdistrict_admin_org", "abbreviated"),
    (re.compile(r"อ\.?บ\.?จ\.?"), "provincial_admin_org", "abbreviated"),
    (re.compile(r"ท\.?ต\.?|เทศบาลต\.?"), "subdistrict_municipality", "abbreviated"),
    (re.compile(r"ท\.?ม\.?|เทศบาลม\.?"), "town_municipality", "abbreviated"),
    (re.compile(r"ท\.?น\.?|เทศบาลน\.?"), "city_municipality", "abbreviated"),
    (re.compile("เทศบาล"), None, "abbreviated"),
)
_PLACE_MARKERS = re.compile(r"อำเภอ|อ\.|จังหวัด|จ\.")


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a name cell: which type word it starts with, how written, and the bare name."""

    lao_type: str | None
    written: str  # full, misspelled, abbreviated, none
    bare: str
    place_suffix: bool = False


@dataclass(frozen=True, slots=True)
class NameMatch:
    """What a name cell names. `laos` has one LAO when the match is certain."""

    laos: tuple[Lao, ...] = ()
    code: str | None = None  # finding code for the name cell; None when written correctly
    written_type: str | None = None  # the type the cell's words say, if any
    wrong_district: bool = False  # found in the province, but not in the row's district
    elsewhere: tuple[Lao, ...] = ()  # found only in other provinces

    @property
    def lao(self) -> Lao | None:
        return self.laos[0] if len(self.laos) == 1 else None


def readings(text_key: str) -> list[Reading]:
    """Every plausible reading of a name key, most literal first."""
    found: list[Reading] = []
    for pattern, lao_type, written in _TYPE_PREFIXES:
        m = pattern.match(text_key)
        if m:
            found.append(Reading(lao_type, written, text_key[m.end() :]))
    found.append(Reading(None, "none", text_key))
    for reading in list(found):
        for m in _PLACE_MARKERS.finditer(reading.bare):
            if m.start() > 0:
                found.append(Reading(reading.lao_type, reading.written, reading.bare[: m.start()], True))
                break
    return found


def in_district(laos: tuple[Lao, ...], district: str | None) -> tuple[Lao, ...]:
    if district is None:
        return laos
    if len(laos) == 1:
        return laos if laos[0].district_th == district else ()
    return tuple(lao for lao in laos if lao.district_th == district)


def _code(reading: Reading) -> str | None:
    if reading.written == "abbreviated":
        return "lao_name_abbreviated"
    if reading.written == "misspelled":
        return "lao_name_type_misspelled"
    if reading.place_suffix:
        return "lao_name_with_place"
    if reading.written == "none":
        return "lao_name_missing_type"
    return "lao_type_changed"


def _pick(pool: tuple[Lao, ...], reading: Reading) -> tuple[Lao, ...]:
    """The LAOs of `pool` the reading most likely means: same type, else the next type up, else any."""
    if reading.lao_type is None:
        if reading.written == "abbreviated":  # "เทศบาล" alone: some municipality
            return tuple(lao for lao in pool if lao.lao_type in MUNICIPALITIES) or pool
        return pool
    same = tuple(lao for lao in pool if lao.lao_type == reading.lao_type)
    if same:
        return same
    rank = TYPE_RANK.get(reading.lao_type)
    higher = [lao for lao in pool if rank is not None and TYPE_RANK.get(lao.lao_type, -1) > rank]
    if higher:
        step = min(TYPE_RANK[lao.lao_type] for lao in higher)
        return tuple(lao for lao in higher if TYPE_RANK[lao.lao_type] == step)
    return pool


def match_name(registry: Registry, province: str, district: str | None, text: str) -> NameMatch:
    """The registry LAO(s) of `province` (and of `district` when known) that `text` names."""
    exact = registry.by_full_name(province, text)
    if exact:
        here = in_district(exact, district)
        return NameMatch(here or exact, None, exact[0].lao_type, wrong_district=not here)
    type_only = False
    all_readings = readings(key(text))
    for reading in all_readings:
        if not reading.bare:
            type_only = type_only or reading.lao_type is not None
            continue
        found = registry.by_bare_name(province, reading.bare)
        if not found:
            continue
        here = in_district(found, district)
        laos = _pick(here or found, reading)
        if (
            reading.written == "full"
            and not reading.place_suffix
            and any(lao.lao_type == reading.lao_type for lao in laos)
        ):
            return NameMatch(laos, None, reading.lao_type, wrong_district=not here)
        return NameMatch(laos, _code(reading), reading.lao_type, wrong_district=not here)
    if type_only:
        return NameMatch(code="lao_name_type_only")
    return NameMatch(code="lao_not_found", elsewhere=elsewhere(registry, province, text, all_readings))


def elsewhere(
    registry: Registry, province: str, text: str, all_readings: list[Reading] | None = None
) -> tuple[Lao, ...]:
    """LAOs of other provinces that the text names exactly (full name, or typed bare name)."""
    if all_readings is None:
        all_readings = readings(key(text))
    found = [lao for lao in registry.anywhere_by_full_name(text) if lao.province_th != province]
    if found:
        return tuple(found)
    for reading in all_readings:
        if reading.lao_type is None or not reading.bare:
            continue
        others = [
            lao
            for lao in registry.anywhere_by_bare_name(reading.bare)
            if lao.province_th != province and lao.lao_type == reading.lao_type
        ]
        if others:
            return tuple(others)
    return ()
