"""A clean generated report for every one of the 76 provinces is accepted with no finding."""

from __future__ import annotations

import pytest

from tests.helpers.builders import check_report, located, make_report
from validators.registry import load_registry

REGISTRY = load_registry()


@pytest.mark.parametrize("province", REGISTRY.provinces())
def test_clean_report_of_every_province_is_accepted(province: str) -> None:
    report = check_report(make_report(province))
    assert located(report, keep_missing=True) == []
    assert report.status == "accepted"
    assert report.province == province
    assert len(report.records) == report.expected == len(REGISTRY.laos_in(province))
    assert all(len(r.dla_code) == 7 and len(r.issues) == 9 for r in report.records)
