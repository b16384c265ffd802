"""``hatls demo``: start the built-in lab, scan it like ``hatls scan`` does, write both reports.

``hatls demo --serve`` starts the same lab and keeps it up until Ctrl-C without scanning it, so the
walk-through of the docs (scan, diff after a fix, sign, verify, export) can be followed by hand
against real servers; ``--fixed`` serves the lab with its planted faults corrected.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import trio
import typer

from hatls.cli._clock import utc_now
from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_INTERRUPTED, EXIT_USAGE, fail
from hatls.cli._outputs import ReportFiles
from hatls.cli._scan import ScanRequest, run_scan
from hatls.findings import Severity
from hatls.identity import load_identities
from hatls.inventory import load_inventory
from hatls.lab.demo import (
    DEMO_PAIRS,
    SINGLE_ADDRESS,
    DemoPair,
    build_lab,
    lab_addresses,
    on_one_address,
    with_faults_fixed,
    write_inventory,
)
from hatls.lab.endpoint import RunningEndpoint
from hatls.lab.server import can_listen_on, serve_endpoints
from hatls.output import OutputError
from hatls.policy import load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report import Report, summary_lines


def demo(
    out: Annotated[
        Path, typer.Option(metavar="DIR", help="Folder for the lab inventory, its PKI and the reports.")
    ] = Path("hatls-demo"),
    serve: Annotated[bool, typer.Option(
        "--serve", help="Start the lab, write its inventory to OUT and keep it up until Ctrl-C, "
                        "without scanning it: scan it yourself.")] = False,
    fixed: Annotated[bool, typer.Option(
        "--fixed", help="With --serve: the lab with its planted faults fixed (to see a diff).")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress or summary on standard error.")] = False,
) -> None:
    """Start the built-in loopback lab of HA pairs, scan it, write the reports to OUT. Exit 1 is
    the normal result: the lab has faults planted on purpose."""
    if fixed and not serve:
        raise fail("--fixed goes with --serve", EXIT_USAGE)
    try:
        status = run_demo(out, quiet=quiet, serve=serve, fixed=fixed)
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None
    except OSError as exc:  # the folder or the lab inventory could not be written
        raise fail(f"{out}: cannot write: {exc.strerror or exc}", EXIT_CANNOT_RUN) from None
    raise typer.Exit(status)


def demo_pairs(*, fixed: bool = False,
               can_listen: Callable[[str], bool] = can_listen_on) -> tuple[DemoPair, ...]:
    """The lab's pairs, on 127.0.1.x/127.0.2.x where this machine allows it, else on 127.0.0.1."""
    pairs = with_faults_fixed(DEMO_PAIRS) if fixed else DEMO_PAIRS
    if all(can_listen(address) for address in lab_addresses(pairs)):
        return pairs
    return on_one_address(pairs, SINGLE_ADDRESS)


async def _demo(out: Path, quiet: bool, pairs: Sequence[DemoPair]) -> tuple[Report, int, Path]:
    lab = build_lab(utc_now(), pairs)
    async with trio.open_nursery() as nursery:
        running: tuple[RunningEndpoint, ...] = await nursery.start(serve_endpoints, lab.configs)
        inventory_path = write_inventory(out, lab, running, pairs)
        inventory = load_inventory(inventory_path)
        request = ScanRequest(
            identities=load_identities(inventory, {}),
            inventory=inventory, policy=load_policy(inventory.scan.policy), fail_on=Severity.HIGH,
            limits=ScanLimits.from_inventory(inventory), quiet=quiet,
            files=ReportFiles(json=str(out / "report.json"), html=str(out / "report.html")),
        )
        report, status = await run_scan(request)
        nursery.cancel_scope.cancel()
    return report, status, inventory_path


async def _serve(out: Path, pairs: Sequence[DemoPair], fixed: bool) -> None:
    lab = build_lab(utc_now(), pairs)
    async with trio.open_nursery() as nursery:
        running: tuple[RunningEndpoint, ...] = await nursery.start(serve_endpoints, lab.configs)
        inventory_path = write_inventory(out, lab, running, pairs)
        addresses = ", ".join(lab_addresses(pairs))
        state = "with its faults fixed" if fixed else "with faults planted on purpose"
        typer.echo(f"hatls demo lab: {len(pairs)} pair(s), {len(running)} port(s) on {addresses}, "
                   f"{state}; Ctrl-C stops it")
        typer.echo(f"inventory: {inventory_path}")
        typer.echo(f"scan it:   hatls scan {inventory_path} --json report.json --html report.html")
        # Ctrl-C (or SIGTERM) is how a served lab is meant to end: wait for it here, inside trio,
        # so it stops the servers cleanly instead of unwinding through them as KeyboardInterrupt.
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                break
        nursery.cancel_scope.cancel()
    typer.echo("hatls demo lab: stopped", err=True)


def run_demo(out: Path, *, quiet: bool, serve: bool = False, fixed: bool = False) -> int:
    out.mkdir(parents=True, exist_ok=True)
    pairs = demo_pairs(fixed=fixed)
    if serve:
        trio.run(_serve, out, pairs, fixed)
        return 0
    report, status, inventory_path = trio.run(_demo, out, quiet, pairs)
    if not quiet:
        for line in summary_lines(report):
            typer.echo(line, err=True)
        typer.echo(f"  lab inventory: {inventory_path}", err=True)
        typer.echo(f"  JSON report:   {out / 'report.json'}", err=True)
        typer.echo(f"  HTML report:   {out / 'report.html'}", err=True)
        if status == 1:
            typer.echo("  (exit 1 is expected: the lab's faults are planted on purpose)", err=True)
    return EXIT_INTERRUPTED if status == EXIT_INTERRUPTED else status
