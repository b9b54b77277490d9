"""Why an attachment could not be read. Each error carries a stable finding code and a ctx dict."""

from __future__ import annotations


class ParseError(Exception):
    """An attachment could not be turned into sheets; `code` names the reason for the reply."""

    code = "file_unreadable"

    def __init__(self, message: str, *, filename: str = "", **ctx: str | int) -> None:
        super().__init__(f"{message} (file {filename!r})" if filename else message)
        self.filename = filename
        self.ctx: dict[str, str | int] = dict(ctx)


class UnreadableFile(ParseError):
    """The bytes look like a spreadsheet but no reader could open them (truncated, corrupt)."""

    code = "file_unreadable"


class EncryptedFile(ParseError):
    """The workbook is protected by a password that must be removed before sending."""

    code = "file_encrypted"


class NotExcel(ParseError):
    """The attachment is some other kind of file (PDF, image, CSV, HTML, text, xlsb); ctx `kind`."""

    code = "file_not_excel"


class NestedArchive(NotExcel):
    """A zip attachment holds only another zip; we open one level, never archives inside archives."""

    code = "file_nested_zip"


class LimitExceeded(ParseError):
    """The attachment breaks a size or shape limit checked before parsing; ctx `limit`, `value`, `maximum`."""

    code = "file_too_large"


class UnsafeFile(ParseError):
    """The file carries a construct no honest spreadsheet needs (XML entities, path tricks); ctx `reason`."""

    code = "file_unsafe"


class ReaderTimeout(ParseError):
    """Reading the attachment took longer than the time allowed per attachment (the worker was killed)."""

    code = "file_timeout"


class ReaderCrashed(ParseError):
    """The reader process died on the attachment (for example a native allocation failure)."""

    code = "file_reader_crashed"
