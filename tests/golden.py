"""The golden outputs of the sample report: what every output of hatls says about one saved report.

Produced only through the public API (``hatls.load_report``, ``rejudge``, ``dump_report``) and the
``hatls`` command, so the files hold across any rearrangement of the code inside: a change to them
is a change of behaviour, and is made on purpose with ``python -m tests.golden`` (review the diff).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import hatls

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "reports" / "sample-report.json"
GOLDEN = ROOT / "fixtures" / "golden"
# Durations measured while rendering (none today) would differ run to run; their digits are masked.
_MEASURED = re.compile(r"(rendered in |took )\d+(\.\d+)?")


def _hatls(*args: str, exits: tuple[int, ...] = (0,)) -> None:
    done = subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, check=False)
    if done.returncode not in exits:
        raise AssertionError(f"hatls {' '.join(args)}: exit {done.returncode}\n{done.stderr!r}")


def outputs() -> Iterator[tuple[str, str]]:
    """(golden file name, text) for every output of the sample report and of its re-judgement."""
    rejudged = hatls.dump_report(hatls.rejudge(hatls.load_report(SAMPLE.read_text("utf-8"))))
    yield "sample-rejudged.json", rejudged
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        again = work / "rejudged.json"
        again.write_text(rejudged, encoding="utf-8")
        _hatls("render", str(SAMPLE), "--html", str(work / "sample.html"))
        _hatls("export", str(SAMPLE), "--junit", str(work / "sample.junit.xml"),
               "--sarif", str(work / "sample.sarif"), "--metrics", str(work / "sample.prom"))
        _hatls("diff", str(SAMPLE), str(again), "--quiet",
               "--json", str(work / "drift.json"), "--html", str(work / "drift.html"), exits=(0, 1))
        for name in ("sample.html", "sample.junit.xml", "sample.sarif", "sample.prom",
                     "drift.json", "drift.html"):
            yield name, (work / name).read_text("utf-8")


def masked(text: str) -> str:
    return _MEASURED.sub(lambda m: m.group(1) + "N", text)


if __name__ == "__main__":
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, text in outputs():
        (GOLDEN / name).write_text(masked(text), encoding="utf-8")
        print(f"wrote {GOLDEN / name}")
