"""Why an attachment could not be read. Each error carries a stable finding code."""

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
    """The attachment is some other kind of file (PDF, image, CSV, HTML, text)."""

    code = "file_not_excel"


class LimitExceeded(ParseError):
    """The attachment breaks a size or shape limit checked before parsing."""

    code = "file_too_large"
