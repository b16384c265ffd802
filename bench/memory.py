"""Memory benchmark: N closed loopback ports scanned with ``--json`` and ``--html``, then rendered.

    python bench/memory.py --n 5000                 # the issue-11 target: scan + render
    python bench/memory.py --n 5000 --work /tmp/m   # keep the inventory, reports and logs

N ports where nothing listens (refused at once): N/4 pairs, primary on 127.0.1.x, backup on
127.0.2.x, two secured ports each; pairs 1-250 use ports 47000/47001, the next 250 47002/47003,
and so on (bench/scale.py's nginx may be serving 127.1.x.y/127.2.x.y:4433 meanwhile). Every
port is checked to refuse before the run. hatls runs as its own process under ``os.wait4``,
which gives wall time, CPU time and peak RSS:

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

BASE_PORT = 47000
PER_ADDRESS = 250     # pairs before the addresses repeat with the next two ports


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    step: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_status: int


def layout(n: int) -> list[tuple[int, str, str, tuple[int, int]]]:
    """(pair, role, address, ports) for N ports: N/4 pairs of two servers with two ports."""
    out = []
    for i in range(max(1, n // 4)):
        first = BASE_PORT + 2 * (i // PER_ADDRESS)
        for role, net in (("primary", 1), ("backup", 2)):
            out.append((i, role, f"127.0.{net}.{i % PER_ADDRESS + 1}", (first, first + 1)))
    return out


def inventory_toml(n: int) -> str:
    lines = ["version = 1", ""]
    for pair, role, address, ports in layout(n):
        if role == "primary":
            lines += ["", "[[pair]]", f'name = "pair-{pair}"', 'app_type = "T-Server"']
        listed = ", ".join(f'{{ id = "tls{k}", port = {p}, mode = "secured"'
                           f'{", ha_sync = true" if k == 0 else ""} }}' for k, p in enumerate(ports))
        lines += [f"[pair.{role}]", f'host = "p{pair}-{role}.bench.test"',
                  f'address = "{address}"', f"ports = [ {listed} ]"]
    return "\n".join(lines) + "\n"


def assert_closed(n: int) -> None:
    """The bench is about refused ports: every one must refuse (nothing else listens there)."""
    for _, _, address, ports in layout(n):
        for port in ports:
            try:
                socket.create_connection((address, port), timeout=1).close()
            except ConnectionRefusedError:
                continue
            raise SystemExit(f"{address}:{port} accepts connections; pick another BASE_PORT")


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
    floor = run_measured("imports", [sys.executable, "-c", "import hatls.cli._render, hatls.report, "
                                     "hatls.report.html"], cwd=work)
    sizes = {name: (work / name).stat().st_size for name in
             ("report.json", "report.html", "rendered.html") if (work / name).exists()}
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    return {"n": n, "endpoints": len(report["endpoints"]), "findings": len(report["findings"]),
            "unreachable": sum(e["reachable"] is False for e in report["endpoints"]),
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
        print(f"n={row['n']} endpoints={row['endpoints']} (unreachable {row['unreachable']}) "
              f"findings={row['findings']}\n"
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
