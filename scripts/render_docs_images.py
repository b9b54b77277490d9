"""Render the README's pictures: page 1 of the master workbook and of a rejection reply, as printed by
headless LibreOffice from what `localreport demo` makes. Run it after changing the master or the replies:

    .venv/bin/python scripts/render_docs_images.py [--out docs/images]

It runs the demo in a temporary folder (ลำพูน's report there has the usual errors), prints the master
workbook to PDF (every sheet with its own print setup; page 1 is the first sheet) and the rejection reply's
HTML body to PDF (LibreOffice Writer), and renders each first page to PNG with pypdfium2.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from email.message import EmailMessage
from pathlib import Path

import pypdfium2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.entrypoints.demo import run_demo  # noqa: E402

SCALE = 1.5  # 108 dpi: readable in the README, a few hundred KiB


def to_pdf(source: Path, work: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice is not installed: run scripts/ensure-servers as root")
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(work), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return work / f"{source.stem}.pdf"


def first_page_png(pdf: Path, target: Path) -> tuple[int, int]:
    """Page 1 of `pdf` as an RGB PNG (written with zlib: no imaging library needed)."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pixels = document[0].render(scale=SCALE, rev_byteorder=True).to_numpy()  # height × width × RGB(A)
    finally:
        document.close()
    height, width = pixels.shape[0], pixels.shape[1]
    rgb = pixels[:, :, :3].tobytes()
    rows = b"".join(b"\x00" + rgb[y * width * 3 : (y + 1) * width * 3] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    target.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
                       + chunk(b"IEND", b""))  # fmt: skip
    return width, height


def rejection_html(outbox: Path, work: Path) -> Path:
    """The HTML body of the demo's rejection reply, as a file LibreOffice opens."""
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if msg["X-Localreport-Outcome"] == "rejected":
            body = msg.get_body(("html",))
            assert body is not None, f"{path} has no HTML body"
            html = work / "reply-rejected.html"
            html.write_text(str(body.get_content()), encoding="utf-8")
            return html
    raise SystemExit(f"the demo wrote no rejection reply into {outbox}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docs-images-") as tmp:
        work = Path(tmp)
        run_demo(work / "demo")
        shown = {
            "master-page-1.png": to_pdf(work / "demo" / "master.xlsx", work),
            "reply-rejected.png": to_pdf(rejection_html(work / "demo" / "outbox", work), work),
        }
        for name, pdf in shown.items():
            width, height = first_page_png(pdf, args.out / name)
            print(f"{args.out / name}: {width}×{height}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
