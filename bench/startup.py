"""Start-up benchmark: how long ``hatls`` takes before it does anything, and which imports cost.

    python bench/startup.py                       # hatls --version and --help, 30 runs each
    python bench/startup.py --runs 50 -- rules    # any command line: here `hatls rules`
    python bench/startup.py --src /tmp/old/src    # the same for another checkout (before/after)

Each command line runs ``--runs`` times as its own process (``python -m hatls …``, the path the
``hatls`` script takes: hatls.launch, then hatls.cli), after one unmeasured warm-up run that fills
the page cache and writes the bytecode; the wall time of each run is taken around the process, so
it includes the interpreter's own start (measured alone as ``python -c pass``). The min is the
figure to compare (what the code costs when the machine lets it run); the median shows the noise
of a shared machine. Then ``python -X importtime`` of the first command line: the imports with the
largest cumulative time, to see what to make lazy next.

``--src`` puts another source tree first on ``sys.path`` (e.g. ``git archive main | tar -x -C
/tmp/old``), so the before and after run on the same machine, in the same minute.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    label: str
    wall: tuple[float, ...]   # seconds, one per process
    cpu: tuple[float, ...]    # user + system seconds of the same processes

    def line(self) -> str:
        wall, cpu = sorted(1000 * r for r in self.wall), sorted(1000 * r for r in self.cpu)
        return (f"{self.label:<26} wall min {wall[0]:6.1f} median {statistics.median(wall):6.1f} "
                f"max {wall[-1]:6.1f} ms | cpu min {cpu[0]:6.1f} median {statistics.median(cpu):6.1f} ms")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportCost:
    module: str
    self_us: int
    cumulative_us: int


def environment(src: str | None) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def run_once(argv: list[str], *, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process (``os.wait4``: its own rusage, not the machine's)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):   # 2: a usage error is a valid thing to time too
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def time_runs(label: str, argv: list[str], *, runs: int, env: dict[str, str]) -> Timing:
    run_once(argv, env=env)   # warm-up, not measured
    measured = [run_once(argv, env=env) for _ in range(runs)]
    return Timing(label=label, wall=tuple(w for w, _ in measured), cpu=tuple(c for _, c in measured))


def import_costs(argv: list[str], *, env: dict[str, str]) -> tuple[ImportCost, ...]:
    """``-X importtime`` of one run: every module with its own and its cumulative import time."""
    proc = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env, capture_output=True,
                          text=True, check=False)
    costs = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        costs.append(ImportCost(module=name.strip(), self_us=int(own), cumulative_us=int(cumulative)))
    return tuple(costs)


def which_hatls(env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-c", "import hatls; print(hatls.__file__)"], env=env,
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measured runs per command line")
    parser.add_argument("--top", type=int, default=15, help="imports listed by cumulative time")
    parser.add_argument("--src", help="a source tree to put first on sys.path (before/after)")
    parser.add_argument("command", nargs="*", help="a hatls command line (default: --version, then --help)")
    args = parser.parse_args()
    env = environment(args.src)
    lines = [args.command] if args.command else [["--version"], ["--help"]]

    print(f"python {sys.version.split()[0]}, hatls from {which_hatls(env)}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores\n")
    timings = [time_runs("python -c pass", [sys.executable, "-c", "pass"], runs=args.runs, env=env),
               time_runs("python -c 'import hatls'", [sys.executable, "-c", "import hatls"],
                         runs=args.runs, env=env)]
    timings += [time_runs("hatls " + " ".join(line), [sys.executable, "-m", "hatls", *line],
                          runs=args.runs, env=env) for line in lines]
    for timing in timings:
        print(timing.line())

    costs = import_costs([sys.executable, "-m", "hatls", *lines[0]], env=env)
    print(f"\npython -X importtime -m hatls {' '.join(lines[0])}: {len(costs)} modules; "
          f"top {args.top} by cumulative time (us)")
    print(f"{'cumulative':>10} {'self':>8}  module")
    for cost in sorted(costs, key=lambda c: c.cumulative_us, reverse=True)[:args.top]:
        print(f"{cost.cumulative_us:>10} {cost.self_us:>8}  {cost.module}")
    hatls_modules = sorted({c.module for c in costs if c.module.startswith("hatls")})
    print(f"\nhatls modules imported ({len(hatls_modules)}): {', '.join(hatls_modules)}")


if __name__ == "__main__":
    main()
