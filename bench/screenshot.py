"""Render a report to HTML and look at it in headless Chromium: a screenshot and a print-to-PDF.

    python bench/screenshot.py [REPORT.json] [--out bench/screenshots] [--pages] [--keep]

Without REPORT.json it renders fixtures/reports/sample-report.json. It writes report.png (the
screen, 1400 px wide); --pages also prints the page to PDF (A4, as attached to a change request)
and writes each PDF page as a small page-NN.png (needs pdftoppm, poppler-utils); --keep also
keeps report.html and report.pdf.

The page itself loads nothing (its CSP forbids it), but Chromium the browser phones home even
with --disable-background-networking (update and account checks were seen in its net log). So
every host name resolves to nothing, HTTP(S) goes to a closed loopback port, and where
``unshare --net`` works (root, util-linux) Chromium runs in a network namespace of its own with
no interface up at all. The profile is a fresh temporary folder each run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hatls.report import loads
from hatls.report.html import render_html

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "reports" / "sample-report.json"
# Flags for root in a container: no sandbox, no GPU, and nothing phoned home.
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--no-pings",
    "--disable-features=OptimizationHints,MediaRouter,Translate,NetworkTimeServiceQuerying",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http=127.0.0.1:9;https=127.0.0.1:9",
    "--hide-scrollbars",
    "--mute-audio",
)


def isolated_prefix() -> tuple[str, ...]:
    """``unshare --net`` where it works: a network namespace with nothing but a downed loopback."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, timeout=10, check=False)
    return (unshare, "--net") if probe.returncode == 0 else ()


def chromium_run(
    page: Path, *action: str, window: str = "1400,2400", timeout: float = 120, isolate: bool = True
) -> None:
    """Run Chromium once on ``page`` (a local file) with ``action`` flags, e.g. --screenshot=…

    ``isolate=False`` keeps the host's loopback reachable (a test that listens for stray fetches).
    """
    prefix = isolated_prefix() if isolate else ()
    with tempfile.TemporaryDirectory(prefix="hatls-chromium-") as profile:
        command = [
            *prefix,
            CHROMIUM,
            *QUIET_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={window}",
            *action,
            page.resolve().as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)


def screenshot(page: Path, png: Path) -> Path:
    chromium_run(page, f"--screenshot={png.resolve()}")
    return png


def print_pdf(page: Path, pdf: Path) -> Path:
    chromium_run(page, f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer")
    return pdf


def pdf_pages(pdf: Path, prefix: Path, dpi: int = 50) -> list[Path]:
    """The PDF's pages as PNGs (small: for looking, not printing)."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=120
    )
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


def render(report_json: Path, html: Path) -> Path:
    html.write_text(render_html(loads(report_json.read_text(encoding="utf-8"))), encoding="utf-8")
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "screenshots")
    parser.add_argument("--pages", action="store_true", help="also write the PDF's pages as PNGs")
    parser.add_argument("--keep", action="store_true", help="also keep report.html and report.pdf")
    args = parser.parse_args(argv)
    missing = [tool for tool in (CHROMIUM, "pdftoppm" if args.pages else "")
               if tool and shutil.which(tool) is None]
    if missing:
        print(f"not found: {', '.join(missing)} (apt-get install -y chromium poppler-utils)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    # The HTML and the PDF are large: they stay in a temporary folder unless --keep.
    with tempfile.TemporaryDirectory(prefix="hatls-report-") as work:
        html = render(args.report, Path(work) / "report.html")
        pdf = print_pdf(html, Path(work) / "report.pdf")
        written.append(screenshot(html, args.out / "report.png"))
        if args.pages:
            for old in args.out.glob("page-*.png"):
                old.unlink()
            written += pdf_pages(pdf, args.out / "page")
        if args.keep:
            written += [Path(shutil.copy(f, args.out)) for f in (html, pdf)]
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
