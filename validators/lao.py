"""One Local Administrative Organisation (อปท.) as the registry lists it, and the table of LAO types."""

from __future__ import annotations

from dataclasses import dataclass, field

from validators.geography import Place

# lao_type → (type_th as in the registry, the type word a report writes, abbreviation)
LAO_TYPES: dict[str, tuple[str, str, str]] = {
    "provincial_admin_org": ("องค์การบริหารส่วนจังหวัด", "องค์การบริหารส่วนจังหวัด", "อบจ."),
    "city_municipality": ("เทศบาลนคร", "เทศบาลนคร", "ทน."),
    "town_municipality": ("เทศบาลเมือง", "เทศบาลเมือง", "ทม."),
    "subdistrict_municipality": ("เทศบาลตำบล", "เทศบาลตำบล", "ทต."),
    "subdistrict_admin_org": ("องค์การบริหารส่วนตำบล", "องค์การบริหารส่วนตำบล", "อบต."),
    "special_admin_area": ("องค์กรปกครองส่วนท้องถิ่นรูปแบบพิเศษ", "เมืองพัทยา", "-"),
}

REGISTRY_COLUMNS = (
    "dla_code",
    "lao_type",
    "type_th",
    "type_abbr",
    "name_th",
    "full_name_th",
    "province_code",
    "province_th",
    "province_en",
    "district_code",
    "district_th",
    "district_en",
)


@dataclass(frozen=True, slots=True)
class Lao(Place):
    """One row of dla_lao_registry.csv: the LAO's own columns here, its province and district from
    `Place`. `full_name_th` is the official spelling a report must use."""

    dla_code: str
    lao_type: str
    type_th: str
    type_abbr: str
    name_th: str
    full_name_th: str
    # The word the form's ประเภท อปท. column holds for this LAO (เมืองพัทยา for Pattaya): a field, not a
    # property, as the row checks read it once a row.
    type_word: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        word = LAO_TYPES.get(self.lao_type, (self.type_th, self.type_th, ""))[1]
        object.__setattr__(self, "type_word", word)

    def as_row(self) -> dict[str, str]:
        """This LAO as one row of the registry CSV."""
        return {name: getattr(self, name) for name in REGISTRY_COLUMNS}


def full_name(lao_type: str, name_th: str) -> str:
    """The official full name DLA writes: type word + bare name; เมืองพัทยา stands alone."""
    if lao_type == "special_admin_area":
        return name_th
    return LAO_TYPES[lao_type][0] + name_th
