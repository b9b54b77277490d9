"""The README's pictures are made by a script anyone can run (`make docs-images`): it runs the demo and
prints page 1 of the master and of the rejection reply through headless LibreOffice."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT
from tests.helpers.libreoffice import soffice


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_the_script_renders_both_pictures_and_the_readme_shows_them(tmp_path: Path) -> None:
    soffice()  # skip (fail under CI) with the install command when LibreOffice is missing
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_docs_images.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]

    for name in ("master-page-1.png", "reply-rejected.png"):
        width, height = png_size(tmp_path / name)
        assert width > 600 and height > 400  # a whole A4 page at 108 dpi, either way round
        committed = ROOT / "docs" / "images" / name
        assert png_size(committed)[0] > 600, f"{committed} is missing: run make docs-images"
        assert f"docs/images/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")
