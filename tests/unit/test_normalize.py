"""Normalisation makes look-alike spellings equal, and cells stringify as the sender sees them."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.types import CellValue
from validators.normalize import cell_text, clean, header_key, key


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("องค์การบริหารส่วนตำบลท่าเสา", "องค์การบริหารส่วนตำบลท่าเสา"),
        ("องค์การบริหารส่วนตําบลท่าเสา", "องค์การบริหารส่วนตำบลท่าเสา"),  # ํ + า → ำ
        ("น\u0e4d\u0e49\u0e32", "น้ำ"),  # nikhahit, tone mark, sara aa → tone mark + sara am
        ("ท่าเสา\u200b", "ท่าเสา"),  # zero-width space
        ("\ufeffท่าเสา", "ท่าเสา"),  # BOM
        ("ท่า\u2060เสา", "ท่าเสา"),  # word joiner
        ("ท่า\u00a0เสา", "ท่า เสา"),  # NBSP
        ("ท่า\tเสา", "ท่า เสา"),
        ("ท่า\nเสา", "ท่า เสา"),
        ("ท่า    เสา ", "ท่า เสา"),
        ("ท่าาเสา", "ท่าเสา"),  # doubled vowel
        ("ท่่าเสา", "ท่าเสา"),  # doubled tone mark
        ("เเพร่", "แพร่"),  # two sara e for sara ae
        ("เทศบาลตำบลกม.๕", "เทศบาลตำบลกม.5"),  # Thai digits
        ("๐๖๗๑๐๒๐๓", "06710203"),
    ],
)
def test_look_alikes_normalise_to_the_same_text(typed: str, normal: str) -> None:
    assert clean(typed) == normal


def test_key_drops_every_space() -> None:
    assert key(" องค์การบริหารส่วนตำบล \u00a0ท่าเสา ") == "องค์การบริหารส่วนตำบลท่าเสา"


def test_header_key_ignores_punctuation_and_line_breaks() -> None:
    assert header_key("ชื่อ - สกุล\nผู้บริหารท้องถิ่น") == header_key("ชื่อ-สกุลผู้บริหารท้องถิ่น")
    assert header_key("รหัส\u00a0อปท.") == header_key("รหัส อปท")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (2110101, "2110101"),
        (2110101.0, "2110101"),
        ("02110101", "02110101"),
        (2.5, "2.5"),
        (True, "TRUE"),
        (dt.date(2020, 10, 1), "2020-10-01"),
        ("ผ่าน ", "ผ่าน "),
    ],
)
def test_cells_stringify_without_float_noise(value: CellValue, text: str) -> None:
    assert cell_text(value) == text
