"""The project's error root, and why an attachment could not be read.

`LocalreportError` lives here, in the lowest layer, so that every package can branch from it: `ParseError`
(parsers), `ReferenceDataError` (validators: the form and the registry), `StorageError` (storage) and
`BotError` (bot). The command line catches the root and prints one line; nothing else catches it broadly.

A `ParseError` carries a stable finding `code` and a `ctx` dict: the judge turns it into a finding, never a
crash. Each subclass names its code in the class statement.
"""

from __future__ import annotations

from typing import ClassVar


class LocalreportError(Exception):
    """Base of every error localreport raises on purpose (English, with identifiers)."""


class ParseError(LocalreportError):
    """An attachment could not be turned into sheets; `code` names the reason for the reply."""

    code: ClassVar[str] = "file_unreadable"

    def __init_subclass__(cls, *, code: str = "", **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if code:
            cls.code = code

    def __init__(self, message: str, *, filename: str = "", **ctx: str | int) -> None:
        super().__init__(f"{message} (file {filename!r})" if filename else message)
        self.filename = filename
        self.ctx: dict[str, str | int] = dict(ctx)


class UnreadableFile(ParseError, code="file_unreadable"):
    """The bytes look like a spreadsheet but no reader could open them (truncated, corrupt)."""


class EncryptedFile(ParseError, code="file_encrypted"):
    """The workbook is protected by a password that must be removed before sending."""


class NotExcel(ParseError, code="file_not_excel"):
    """The attachment is some other kind of file (PDF, image, CSV, HTML, text, xlsb); ctx `kind`."""


class NestedArchive(NotExcel, code="file_nested_zip"):
    """A zip attachment holds only another zip; we open one level, never archives inside archives."""


class LimitExceeded(ParseError, code="file_too_large"):
    """The attachment breaks a size or shape limit checked before parsing; ctx `limit`, `value`, `maximum`."""


class UnsafeFile(ParseError, code="file_unsafe"):
    """The file carries a construct no honest spreadsheet needs (XML entities, path tricks); ctx `reason`."""


class ReaderTimeout(ParseError, code="file_timeout"):
    """Reading the attachment took longer than the time allowed per attachment (the worker was killed)."""


class ReaderCrashed(ParseError, code="file_reader_crashed"):
    """The reader process died on the attachment (for example a native allocation failure)."""
