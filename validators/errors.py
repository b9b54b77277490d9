"""Errors of the validators layer: the reference data it judges by (form, registry) could not be loaded."""

from __future__ import annotations

from parsers.errors import LocalreportError


class ReferenceDataError(LocalreportError):
    """The form definition or an LAO registry file is unreadable or inconsistent."""
