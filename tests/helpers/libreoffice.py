"""Headless LibreOffice for the integration tests: a real producer and reader of spreadsheets.

Each conversion runs with its own profile in its own process group, killed on timeout (soffice.bin
outlives the wrapper script). A missing LibreOffice skips the test, or fails it under CI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

INSTALL_HINT = "apt-get install -y --no-install-recommends libreoffice-calc-nogui"


def soffice() -> str:
    """The path of `soffice`, or skip (fail under CI) with the install command."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        message = f"LibreOffice (soffice) is not installed; run as root: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def convert(source: Path, target: str, outdir: Path, timeout: float = 120) -> bytes:
    """Run `soffice --convert-to target` on `source` into `outdir`; its output, after it has exited 0.

    `target` is a format (`ods`, `xlsx`) or a filter string (`csv:Text - txt - csv (StarCalc):…`).
    """
    proc = subprocess.Popen(
        [soffice(), "--headless", "--norestore", f"-env:UserInstallation={(outdir / 'lo-profile').as_uri()}",
         "--convert-to", target, "--outdir", str(outdir), str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"soffice did not convert {source} within {timeout} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 0, output.decode(errors="replace")
    return output


@dataclass(frozen=True)
class Printed:
    """A document as headless LibreOffice prints it: each page's extracted text, and its paper size."""

    pages: tuple[str, ...]
    width_pt: float  # the first page's
    height_pt: float

    @property
    def landscape(self) -> bool:
        return self.width_pt > self.height_pt


def print_pdf(source: Path, outdir: Path, timeout: float = 180) -> Printed:
    """Convert a workbook to PDF with LibreOffice (every sheet, with its own print setup) and read it back
    with pypdf. Thai text comes back as extracted from the PDF's fonts: compare without spaces."""
    outdir.mkdir(parents=True, exist_ok=True)
    convert(source, "pdf", outdir, timeout)
    pdf = outdir / f"{source.stem}.pdf"
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    return Printed(tuple(page.extract_text() or "" for page in reader.pages), float(box.width),
                   float(box.height))  # fmt: skip
