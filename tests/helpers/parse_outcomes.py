"""Parse outcomes for the hostile-file tests: a refusal's code and ctx, or the workbook that was read."""

from __future__ import annotations

from parsers import Limits, ParseError, Workbook, parse_workbook
from tests.helpers import hostile as h


def outcome(
    payload: bytes, filename: str = "report.xlsx", limits: Limits | None = None
) -> Workbook | ParseError:
    try:
        return parse_workbook(payload, filename, limits) if limits else parse_workbook(payload, filename)
    except ParseError as e:
        return e


def refused(
    payload: bytes, filename: str = "report.xlsx", limits: Limits | None = None
) -> tuple[str, dict[str, object]]:
    result = outcome(payload, filename, limits)
    assert isinstance(result, ParseError), f"expected a refusal, got {result}"
    return result.code, dict(result.ctx)


def read(payload: bytes, filename: str = "report.xlsx") -> Workbook:
    result = outcome(payload, filename)
    assert isinstance(result, Workbook), f"expected a workbook, got {result!r} {getattr(result, 'ctx', '')}"
    return result


def cells(xml: str, **kw: str) -> bytes:
    return h.patch_zip(h.xlsx(), {h.SHEET1: h.with_cells(xml, **kw)})
