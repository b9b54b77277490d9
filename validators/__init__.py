"""Sheets → findings + clean records: Thai normalisation, the LAO registry, the form, validation."""

from __future__ import annotations

from validators.findings import Finding, LaoRecord, Report, Severity
from validators.form import Column, Form, load_form
from validators.lao import Lao
from validators.messages import HEADINGS, MESSAGES, heading_for, message_for
from validators.registry import (
    Registry,
    RegistryDiff,
    diff_registries,
    load_registry,
    read_dla_export,
    write_registry_csv,
)
from validators.validate import validate

__all__ = [
    "HEADINGS",
    "MESSAGES",
    "Column",
    "Finding",
    "Form",
    "Lao",
    "LaoRecord",
    "Registry",
    "RegistryDiff",
    "Report",
    "Severity",
    "diff_registries",
    "heading_for",
    "load_form",
    "load_registry",
    "message_for",
    "read_dla_export",
    "validate",
    "write_registry_csv",
]
