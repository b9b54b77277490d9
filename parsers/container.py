"""Open a plain .zip attachment one level deep and hand back the spreadsheets inside it."""

from __future__ import annotations

from parsers.errors import NestedArchive, NotExcel
from parsers.limits import DEFAULT_LIMITS, Limits
from parsers.sniff import SPREADSHEET_KINDS, sniff
from parsers.zipguard import open_members, read_member

ARCHIVE_KINDS = frozenset({"zip", "broken_zip"})


def unpack_container(
    payload: bytes, filename: str, limits: Limits = DEFAULT_LIMITS
) -> list[tuple[str, bytes]]:
    """(member name, bytes) of each spreadsheet in a zip attachment, judged by content, in zip order.

    The zip passes the same entry, size, ratio and path guards as a workbook. Spreadsheets are
    xlsx, xlsm, xls, ods and encrypted OOXML (left for `parse_workbook` to refuse with its own
    code). Members that are archives themselves are never opened; when nothing but archives is
    inside, `NestedArchive` (code `file_nested_zip`) is raised, and when nothing spreadsheet-like
    is inside at all, `NotExcel` with kind "zip". Member names are decoded as `zipguard.decode_name`
    says (UTF-8 flag, else UTF-8 if valid, else Thai cp874).
    """
    found: list[tuple[str, bytes]] = []
    nested: list[str] = []
    for member in open_members(payload, limits, filename):
        if member.name.endswith("/"):
            continue
        data = read_member(payload, member, filename)
        kind = sniff(data)
        if kind in SPREADSHEET_KINDS or kind == "encrypted":
            found.append((member.name, data))
        elif kind in ARCHIVE_KINDS:
            nested.append(member.name)
    if not found and nested:
        raise NestedArchive(
            f"zip holds only other archives ({', '.join(nested)})",
            filename=filename,
            kind="zip",
            member=nested[0],
        )
    if not found:
        raise NotExcel("zip holds no spreadsheet", filename=filename, kind="zip")
    return found
