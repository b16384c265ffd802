"""Memory benchmark: N closed loopback ports scanned with ``--json`` and ``--html``, then rendered.

    python bench/memory.py --n 5000                 # the issue-11 target: scan + render
    python bench/memory.py --n 5000 --work /tmp/m   # keep the inventory, reports and logs

N ports where nothing listens (refused at once): N/4 pairs, primary on 127.1.x.y, backup on
127.2.x.y, two secured ports each (the layout of bench/scale.py with every pair closed). hatls
runs as its own process under ``os.wait4``, which gives wall time, CPU time and peak RSS:

1. ``hatls scan inventory.toml --json report.json --html report.html --quiet``
2. ``hatls render report.json --html rendered.html``

and the sizes of what they wrote, plus the floor every run pays before reading a byte: the peak
RSS of a Python that only imports what ``render`` imports. Only loopback addresses (127.0.0.0/8)
are used; no server runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PORTS = (4433, 4434)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    step: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_status: int


def inventory_toml(n: int) -> str:
    lines = ["version = 1", ""]
    for i in range(max(1, n // 4)):
        lines += ["[[pair]]", f'name = "pair-{i}"', 'app_type = "T-Server"']
        for section, net in (("primary", 1), ("backup", 2)):
            ports = ", ".join(f'{{ id = "tls{k}", port = {p}, mode = "secured"'
                              f'{", ha_sync = true" if k == 0 else ""} }}'
                              for k, p in enumerate(PORTS))
            lines += [f"[pair.{section}]", f'host = "p{i}-{section}.bench.test"',
                      f'address = "127.{net}.{i // 250}.{i % 250 + 1}"', f"ports = [ {ports} ]"]
        lines.append("")
    return "\n".join(lines)


def assert_closed(n: int) -> None:
    """The bench is about refused ports: check a few really refuse (nothing else listens there)."""
    for i in (0, max(1, n // 4) - 1):
        for net in (1, 2):
            for port in PORTS:
                address = f"127.{net}.{i // 250}.{i % 250 + 1}"
                try:
                    socket.create_connection((address, port), timeout=1).close()
                except ConnectionRefusedError:
                    continue
                raise SystemExit(f"{address}:{port} accepts connections; pick other ports")


def run_measured(step: str, cmd: list[str], *, cwd: Path) -> Measure:
    """Wall, CPU and peak RSS of one child process, from wait4's rusage."""
    started = time.perf_counter()
    with (cwd / f"{step}.log").open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    return Measure(step=step, wall_s=round(time.perf_counter() - started, 2),
                   cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
                   peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
                   exit_status=os.waitstatus_to_exitcode(status))


def bench(n: int, work: Path) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    assert_closed(n)
    (work / "inventory.toml").write_text(inventory_toml(n))
    hatls = [sys.executable, "-m", "hatls"]
    scan = run_measured("scan", [*hatls, "scan", "inventory.toml", "--json", "report.json",
                                 "--html", "report.html", "--quiet"], cwd=work)
    render = run_measured("render", [*hatls, "render", "report.json", "--html", "rendered.html"],
                          cwd=work)
    floor = run_measured("imports", [sys.executable, "-c", "import hatls.cli, hatls.report.codec, "
                                     "hatls.report.html, hatls.report.html_view"], cwd=work)
    sizes = {name: (work / name).stat().st_size for name in
             ("report.json", "report.html", "rendered.html") if (work / name).exists()}
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    return {"n": n, "endpoints": len(report["endpoints"]), "findings": len(report["findings"]),
            "scan": asdict(scan), "render": asdict(render), "imports": asdict(floor),
            "bytes": sizes,
            "render_rss_over_json": round(render.peak_rss_mb * 2**20 / sizes["report.json"], 2),
            "render_growth_over_json": round((render.peak_rss_mb - floor.peak_rss_mb) * 2**20
                                             / sizes["report.json"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[5000])
    parser.add_argument("--work", type=Path, default=None, help="keep files here (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="hatls-memory-"))
    rows = [bench(n, work / f"n{n}") for n in args.n]
    for row in rows:
        scan, render, size, floor = row["scan"], row["render"], row["bytes"], row["imports"]
        assert isinstance(scan, dict) and isinstance(render, dict) and isinstance(size, dict)
        assert isinstance(floor, dict)
        print(f"n={row['n']} endpoints={row['endpoints']} findings={row['findings']}\n"
              f"  scan   : {scan['peak_rss_mb']} MB peak RSS, {scan['wall_s']} s wall, "
              f"{scan['cpu_s']} s CPU, exit {scan['exit_status']}\n"
              f"  render : {render['peak_rss_mb']} MB peak RSS, {render['wall_s']} s wall, "
              f"exit {render['exit_status']}  ({row['render_rss_over_json']}x the JSON; "
              f"{row['render_growth_over_json']}x above the {floor['peak_rss_mb']} MB of imports)\n"
              f"  files  : JSON {size.get('report.json', 0) / 2**20:.1f} MB, "
              f"HTML {size.get('report.html', 0) / 2**20:.1f} MB, "
              f"re-rendered HTML {size.get('rendered.html', 0) / 2**20:.1f} MB")
    (work / "results.json").write_text(json.dumps(rows, indent=2))
    print(f"files in {work}")


if __name__ == "__main__":
    main()
