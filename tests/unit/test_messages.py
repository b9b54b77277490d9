"""Every finding code has a Thai message whose placeholders its producers fill."""

from __future__ import annotations

import ast
import re

import pytest

from parsers import errors as parse_errors
from tests.helpers import ROOT
from validators.findings import Finding
from validators.messages import (
    FIELDS,
    HEADINGS,
    MESSAGES,
    OTHER_HEADING,
    heading_for,
    message_for,
    placeholders,
)

VALIDATORS = ROOT / "validators"
FINDING_CALLS = {"Finding", "_finding"}


def _trees() -> list[ast.AST]:
    return [
        ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(VALIDATORS.rglob("*.py"))
        if path.name != "messages.py"
    ]


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _constants(node: ast.expr | None) -> list[str]:
    """The string constants an expression can evaluate to: "a", or "a" if x else "b"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def code_literals() -> set[str]:
    """Every code written in validators/: `code="…"` arguments, `code = "…"` assignments and the
    `return "…"` of functions named *code*."""
    found: set[str] = set()
    for tree in _trees():
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef) and "code" in func.name:
                for ret in ast.walk(func):
                    if isinstance(ret, ast.Return):
                        found.update(_constants(ret.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                found.update(c for k in node.keywords if k.arg == "code" for c in _constants(k.value))
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets
            ):
                found.update(_constants(node.value))
    return found


def finding_ctx() -> list[tuple[str, set[str]]]:
    """(code, ctx keys) of each Finding(…)/_finding(…) call whose ctx is a literal dict or absent."""
    found: list[tuple[str, set[str]]] = []
    for tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in FINDING_CALLS):
                continue
            kwargs = {k.arg: k.value for k in node.keywords if k.arg}
            ctx = kwargs.get("ctx")
            if ctx is not None and not isinstance(ctx, ast.Dict):
                continue
            keys = {k.value for k in (ctx.keys if ctx else []) if isinstance(k, ast.Constant)}
            found.extend((code, {str(k) for k in keys}) for code in _constants(kwargs.get("code")))
    return found


def parser_codes() -> dict[str, set[str]]:
    """Codes of the parsers' exceptions → the ctx keys their docstrings announce ("ctx `kind`")."""
    found: dict[str, set[str]] = {}
    for cls in vars(parse_errors).values():
        if isinstance(cls, type) and issubclass(cls, parse_errors.ParseError):
            doc = (cls.__doc__ or "").partition("ctx")[2]
            found.setdefault(cls.code, set()).update(re.findall(r"`(\w+)`", doc))
    return found


def test_every_code_written_in_validators_has_a_message() -> None:
    assert sorted(code_literals() - set(MESSAGES)) == []


def test_every_parser_error_code_has_a_message() -> None:
    assert sorted(set(parser_codes()) - set(MESSAGES)) == []


def test_every_message_belongs_to_a_code_someone_produces() -> None:
    assert sorted(set(MESSAGES) - code_literals() - set(parser_codes())) == []


@pytest.mark.parametrize(("code", "keys"), finding_ctx(), ids=lambda v: v if isinstance(v, str) else "")
def test_message_placeholders_are_filled_by_the_findings_ctx(code: str, keys: set[str]) -> None:
    needed = placeholders(MESSAGES[code]) - set(FIELDS)
    assert needed <= keys, f"{code}: ctx {sorted(keys)} lacks {sorted(needed - keys)}"


@pytest.mark.parametrize(("code", "ctx"), sorted(parser_codes().items()))
def test_parser_error_messages_need_only_the_errors_ctx(code: str, ctx: set[str]) -> None:
    assert placeholders(MESSAGES[code]) - set(FIELDS) <= ctx


def test_codes_are_lower_snake_case_and_messages_thai() -> None:
    for code, text in MESSAGES.items():
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", code), code
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in text), code


def test_message_for_fills_ctx_and_finding_fields() -> None:
    finding = Finding(code="lao_duplicate", row=30, column="D", ctx={"first_row": 12})
    assert message_for(finding) == "ชื่อหน่วยงานซ้ำกับแถว 12 ให้ลบแถวที่ซ้ำ"
    assert message_for(Finding(code="file_encrypted")) == "ไฟล์ตั้งรหัสผ่านไว้ ให้ยกเลิกรหัสผ่านแล้วส่งใหม่"
    pdf = Finding(code="file_not_excel", ctx={"kind": "pdf"})
    assert message_for(pdf).startswith("ไฟล์แนบเป็น ไฟล์ PDF ไม่ใช่ Excel")
    empty = Finding(code="required_cell_empty", row=5, column="F", header="ชื่อ - สกุล")
    assert message_for(empty) == "ช่องนี้ว่าง ให้กรอก ชื่อ - สกุล"


def test_message_for_an_unknown_code_raises() -> None:
    with pytest.raises(KeyError):
        message_for(Finding(code="no_such_code"))


# --- headings: the title of a group of findings of one code ----------------------------------------


def test_every_code_has_a_heading_of_its_own_and_no_heading_lacks_a_code() -> None:
    assert sorted(set(MESSAGES) ^ set(HEADINGS)) == []
    assert len(set(HEADINGS.values())) == len(HEADINGS)  # two groups never share a title


@pytest.mark.parametrize("code", sorted(HEADINGS))
def test_a_heading_is_short_thai_without_placeholders(code: str) -> None:
    heading = HEADINGS[code]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in heading)
    assert not re.search(r"[A-Za-z{}]", heading)
    assert len(heading) <= 45 and heading.strip() == heading  # code points: marks count too
    assert heading_for(code) == heading


def test_a_code_without_a_heading_gets_a_general_one() -> None:
    assert heading_for("file_from_the_future") == HEADINGS["file_unreadable"]
    assert heading_for("no_such_code") == OTHER_HEADING
    assert OTHER_HEADING not in HEADINGS.values()


def test_new_findings_read_as_the_province_catalogue_says() -> None:
    title = Finding(
        code="province_title_mismatch", row=2, column="A", ctx={"province": "ลำพูน", "title_province": "ลำปาง"}
    )
    assert message_for(title) == (
        "หัวรายงานระบุจังหวัดลำปาง แต่รายชื่อ อปท. ในไฟล์เป็นของจังหวัดลำพูน ระบบจึงตรวจตามจังหวัดลำพูน "
        "กรุณาแก้ชื่อจังหวัดในหัวรายงาน"
    )
    twice = Finding(code="lao_duplicate_other_sheet", ctx={"first_row": 5, "first_sheet": "อ.ลี้"})
    assert message_for(twice) == "ชื่อหน่วยงานซ้ำกับแถว 5 ของแผ่นงาน อ.ลี้ ให้ลบแถวที่ซ้ำ"
