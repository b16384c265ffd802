"""Scale benchmark: N loopback TLS endpoints served by one nginx, scanned by hatls and by sslyze.

    python bench/scale.py --n 20 200 2000            # hatls and sslyze on the same endpoints
    python bench/scale.py --n 10000 --closed 0.9 --no-sslyze   # memory at 10,000 endpoints
    python bench/scale.py --n 2000 --no-sslyze --workers 1 2   # hatls --workers: the core curve

One nginx process (stream module, ``return`` after the TLS handshake) listens on every live
endpoint, so the server side costs little and is the same for both tools. Each tool runs as its own
process under ``os.wait4``, which gives its wall time, CPU time (user + system) and peak RSS.
Connections per endpoint are counted on the server side, from nginx's per-session access log, so
both tools are measured by the same ruler. Only loopback addresses (127.0.0.0/8) are used.

The layout follows an HA inventory: a pair has a primary on 127.1.x.y and a backup on 127.2.x.y,
each with two secured ports; ``--closed`` turns the last share of pairs into ports where nothing
listens (refused at once), which is how the 10,000-endpoint memory run stays affordable.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from hatls.lab.pki import CertificateAuthority

SSLYZE = os.environ.get("HATLS_BENCH_SSLYZE", "/tmp/sslyze/bin/python")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"
PORTS = (4433, 4434)           # two secured ports per server
SSLYZE_COMMANDS = ("--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3",
                   "--certinfo", "--mozilla_config", "disable")
# Mozilla intermediate: a "modern endpoint" in the sense of the connection target.
MODERN_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                  "ECDHE-ECDSA-CHACHA20-POLY1305")
MODERN_GROUPS = "X25519:prime256v1:secp384r1"
NGINX_WORKERS = int(os.environ.get("HATLS_BENCH_NGINX_WORKERS", "1"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    pair: int
    role: str      # "a" = primary, "b" = backup
    address: str
    port: int
    live: bool

    @property
    def host(self) -> str:
        return f"p{self.pair}-{self.role}.bench.test"


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_status: int
    # Time the tool's processes were runnable but waited for a CPU (the kernel's schedstat,
    # sampled every 0.2 s): what other work on the machine took from it. Summed over processes.
    runq_wait_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    n: int
    live: int
    tool: str
    measure: Measure
    connections_per_live_endpoint: float
    max_connections_per_endpoint: int
    load_before: float   # the machine's 1-minute load average as the tool started (noise gauge)
    server_cpu_s: float = 0.0   # CPU nginx (master and workers) spent during the tool's run


def layout(n: int, closed_share: float) -> tuple[Target, ...]:
    pairs = max(1, n // 4)
    live_pairs = pairs - round(pairs * closed_share)
    out = []
    for i in range(pairs):
        for role, net in (("a", 1), ("b", 2)):
            address = f"127.{net}.{i // 250}.{i % 250 + 1}"
            out += [Target(pair=i, role=role, address=address, port=p, live=i < live_pairs)
                    for p in PORTS]
    return tuple(out)


def write_pki(folder: Path) -> None:
    now = datetime.now(UTC)
    ca = CertificateAuthority.create("hatls bench CA", now=now)
    leaf = ca.issue(common_name="bench.test", dns_names=["*.bench.test"], now=now, days=30)
    (folder / "ca.pem").write_bytes(ca.cert_pem)
    (folder / "leaf.pem").write_bytes(leaf.fullchain_pem)
    (folder / "leaf.key").write_bytes(leaf.key_pem)


def nginx_conf(folder: Path, targets: tuple[Target, ...]) -> str:
    listens = "\n".join(f"    listen {t.address}:{t.port} ssl;" for t in targets if t.live)
    return f"""load_module {STREAM_MODULE};
daemon off;
master_process on;
worker_processes {NGINX_WORKERS};
worker_rlimit_nofile 40000;
pid {folder}/nginx.pid;
error_log {folder}/error.log error;
events {{ worker_connections 8192; }}
stream {{
  log_format session '$server_addr:$server_port';
  access_log {folder}/access.log session;
  ssl_certificate {folder}/leaf.pem;
  ssl_certificate_key {folder}/leaf.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers {MODERN_CIPHERS};
  ssl_ecdh_curve {MODERN_GROUPS};
  ssl_handshake_timeout 10s;
  server {{
{listens}
    return "hello\\n";
  }}
}}
"""


def start_nginx(folder: Path, targets: tuple[Target, ...]) -> subprocess.Popen[bytes]:
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(folder, targets))
    proc = subprocess.Popen([NGINX, "-p", str(folder), "-e", str(folder / "error.log"),
                             "-c", str(conf)])
    live = [t for t in targets if t.live]
    deadline = time.monotonic() + 60
    while live and time.monotonic() < deadline:
        try:
            socket.create_connection((live[-1].address, live[-1].port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((folder / "error.log").read_text()) from None
            time.sleep(0.1)
    if live:
        raise RuntimeError("nginx did not start listening within 60 s")
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def inventory_toml(targets: tuple[Target, ...]) -> str:
    lines = ["version = 1", "[scan]", 'trusted_ca = ["ca.pem"]', "[tls]",
             'trusted_ca = ["ca.pem"]', ""]
    by_pair: dict[int, list[Target]] = {}
    for t in targets:
        by_pair.setdefault(t.pair, []).append(t)
    for pair, members in by_pair.items():
        lines += ["[[pair]]", f'name = "pair-{pair}"', 'app_type = "T-Server"']
        for role, section in (("a", "primary"), ("b", "backup")):
            own = [t for t in members if t.role == role]
            ports = ", ".join(f'{{ id = "tls{i}", port = {t.port}, mode = "secured"'
                              f'{", ha_sync = true" if i == 0 else ""} }}'
                              for i, t in enumerate(own))
            lines += [f"[pair.{section}]", f'host = "{own[0].host}"',
                      f'address = "{own[0].address}"', f"ports = [ {ports} ]"]
        lines.append("")
    return "\n".join(lines)


def run_measured(cmd: list[str], *, cwd: Path, log: Path) -> Measure:
    """Wall, CPU and peak RSS of one child process (and its children), from wait4's rusage."""
    started = time.perf_counter()
    waited: dict[int, float] = {}
    done = threading.Event()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=_sample_runq, args=(proc.pid, waited, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measure(wall_s=round(time.perf_counter() - started, 2),
                   cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
                   peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
                   exit_status=proc.returncode, runq_wait_s=round(sum(waited.values()), 1))


def _sample_runq(root: int, waited: dict[int, float], done: threading.Event) -> None:
    """The run-queue wait of ``root`` and its children, last value seen per process."""
    while not done.wait(0.2):
        children = Path(f"/proc/{root}/task/{root}/children")
        try:
            pids = [root, *(int(p) for p in children.read_text().split())]
        except OSError:
            continue
        for pid in pids:
            with contextlib.suppress(OSError, IndexError, ValueError):
                waited[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def sessions_since(log: Path, offset: int) -> tuple[Counter[str], int]:
    """Sessions nginx logged after byte ``offset``: one line per connection, at its end."""
    time.sleep(1.0)  # nginx writes a session's line once it has seen the close
    with log.open("rb") as f:
        f.seek(offset)
        data = f.read()
    return Counter(line.decode() for line in data.splitlines() if line), offset + len(data)


def server_cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds of nginx's master and its worker processes so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [proc.pid]
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / ticks


def row(n: int, tool: str, targets: tuple[Target, ...], measure: Measure,
        sessions: Counter[str], load: float, server_s: float = 0.0) -> Row:
    live = [f"{t.address}:{t.port}" for t in targets if t.live]
    counts = [sessions.get(key, 0) for key in live]
    return Row(n=len(targets), live=len(live), tool=tool, measure=measure,
               connections_per_live_endpoint=round(sum(counts) / max(1, len(live)), 1),
               max_connections_per_endpoint=max(counts, default=0), load_before=load,
               server_cpu_s=round(server_s, 2))


# The public API with the report streamed to its file (codec.write_json): what `hatls scan --json`
# costs once write_outputs streams too; the CLI today builds the whole JSON text first.
API_STREAM = """
import sys, trio
from datetime import UTC, datetime
import hatls
from hatls.report import write_json
inventory = hatls.load_inventory(sys.argv[1])
report = trio.run(lambda: hatls.scan(inventory, now=lambda: datetime.now(UTC)))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    write_json(report, out)
"""


def hatls_command(profile: Path | None, *, api_stream: bool = False,
                  workers: int | None = None) -> list[str]:
    if api_stream:
        return [sys.executable, "-c", API_STREAM, "inventory.toml", "report.json"]
    scan = ["scan", "inventory.toml", "--json", "report.json", "--quiet",
            *(["--workers", str(workers)] if workers else [])]
    if profile is None:
        return [sys.executable, "-m", "hatls", *scan]
    return [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(profile),
            "-m", "hatls", *scan]


def bench_one(n: int, *, closed: float, with_sslyze: bool, work: Path,
              profile: Path | None, api_stream: bool = False,
              workers: Sequence[int | None] = (None,)) -> list[Row]:
    folder = work / f"n{n}"
    folder.mkdir(parents=True, exist_ok=True)
    targets = layout(n, closed)
    write_pki(folder)
    (folder / "inventory.toml").write_text(inventory_toml(targets))
    (folder / "targets.txt").write_text(
        "".join(f"{t.host}:{t.port}{{{t.address}}}\n" for t in targets))
    nginx = start_nginx(folder, targets)
    rows = []
    try:
        log = folder / "access.log"
        _, offset = sessions_since(log, 0)  # past the start-up check's own connection
        for count in workers:
            load = os.getloadavg()[0]
            command = hatls_command(profile, api_stream=api_stream, workers=count)
            server_before = server_cpu(nginx)
            measure = run_measured(command, cwd=folder, log=folder / "hatls.log")
            server_s = server_cpu(nginx) - server_before
            sessions, offset = sessions_since(log, offset)
            tool = "hatls (API, streamed JSON)" if api_stream else "hatls"
            tool += f" --workers {count}" if count else ""
            rows.append(row(n, tool, targets, measure, sessions, load, server_s))
        if with_sslyze:
            cmd = [SSLYZE, "-m", "sslyze", "--targets_in", "targets.txt", *SSLYZE_COMMANDS,
                   "--json_out", "sslyze.json", "--quiet"]
            load = os.getloadavg()[0]
            measure = run_measured(cmd, cwd=folder, log=folder / "sslyze.log")
            sessions, offset = sessions_since(log, offset)
            rows.append(row(n, "sslyze", targets, measure, sessions, load))
    finally:
        stop(nginx)
    return rows


def table(rows: list[Row]) -> str:
    head = ("| endpoints | live | tool | wall s | CPU s | peak RSS MB | conns/endpoint | max conns "
            "| load | nginx CPU s | run-queue wait s |\n"
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    body = [f"| {r.n} | {r.live} | {r.tool} | {r.measure.wall_s} | {r.measure.cpu_s} | "
            f"{r.measure.peak_rss_mb} | {r.connections_per_live_endpoint} | "
            f"{r.max_connections_per_endpoint} | {r.load_before:.1f} | {r.server_cpu_s} | "
            f"{r.measure.runq_wait_s} |"
            for r in rows]
    return "\n".join([head, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[20, 200, 2000])
    parser.add_argument("--closed", type=float, default=0.0,
                        help="share of pairs whose ports refuse connections (0..1)")
    parser.add_argument("--no-sslyze", dest="sslyze", action="store_false")
    parser.add_argument("--profile", action="store_true", help="run hatls under pyinstrument")
    parser.add_argument("--api-stream", action="store_true",
                        help="run hatls through the public API, streaming the JSON to its file")
    parser.add_argument("--workers", type=int, nargs="+", default=[None],
                        help="run hatls once per count with --workers COUNT (default: its own)")
    parser.add_argument("--work", type=Path, default=None, help="keep files here (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="hatls-bench-"))
    rows: list[Row] = []
    for n in args.n:
        profile = work / f"profile-n{n}.txt" if args.profile else None
        rows += bench_one(n, closed=args.closed, with_sslyze=args.sslyze, work=work,
                          profile=profile, api_stream=args.api_stream, workers=args.workers)
        print(table(rows[-(len(args.workers) + args.sslyze):]), flush=True)
    (work / "results.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))
    print(f"\n{table(rows)}\n\nfiles in {work}")


if __name__ == "__main__":
    main()
