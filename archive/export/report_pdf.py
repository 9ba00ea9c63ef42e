"""The package's custody report as PDF, for a court to file: printed from the same HTML by
headless Chromium (`--print-to-pdf`), with no network, in a throwaway
profile. The PDF is one more file of the package, its SHA-256 in the manifest like every
other, so `saksi verify` and the one-file verifier check it as they check report.html.

Without Chromium (SAKSI_CHROMIUM, else `chromium` on PATH) the package is made without the
PDF and the export says so in the log: an export is never refused for want of a printer.
SAKSI_CHROMIUM=none turns the PDF off (printing takes seconds per export)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from archive.settings import Settings

log = logging.getLogger("saksi.export")
PDF_NAME = "report.pdf"
TIMEOUT_S = 120
_FLAGS = (
    "--headless",
    "--no-sandbox",  # the page is the archive's own escaped HTML, holding no script
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing is fetched from anywhere
    "--no-pdf-header-footer",
)


def chromium(settings: Settings) -> str | None:
    if settings.chromium is not None:
        return settings.chromium
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(html: bytes, settings: Settings) -> bytes | None:
    """The PDF of `html`, or None (logged) when no Chromium can print it."""
    if settings.chromium == "none":
        return None
    browser = chromium(settings)
    if browser is None:
        log.warning("no Chromium to print the custody report as PDF: package made without it")
        return None
    with tempfile.TemporaryDirectory(prefix="saksi-report-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / PDF_NAME
        page.write_bytes(html)
        command = [browser, *_FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}"]
        try:
            subprocess.run(
                [*command, page.as_uri()], capture_output=True, timeout=TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            log.warning("Chromium could not print the custody report (%s)", type(e).__name__)
            return None
        if not out.is_file() or not out.read_bytes().startswith(b"%PDF-"):
            log.warning("Chromium made no PDF of the custody report: package made without it")
            return None
        return out.read_bytes()
