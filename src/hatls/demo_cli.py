"""``hatls demo``: start the built-in lab, scan it like ``hatls scan`` does, write both reports."""

from __future__ import annotations

from pathlib import Path

import trio
import typer

from hatls.identity import load_identities
from hatls.inventory import load_inventory
from hatls.lab.demo import build_lab, write_inventory
from hatls.lab.endpoint import RunningEndpoint
from hatls.lab.server import serve_endpoints
from hatls.policy import load_policy
from hatls.probe.scanner import ScanLimits
from hatls.report.model import Report
from hatls.report.text import summary_lines
from hatls.rules.model import Severity
from hatls.scan_cli import ScanRequest, run_scan, utc_now


async def _demo(out: Path, quiet: bool) -> tuple[Report, int, Path]:
    lab = build_lab(utc_now())
    async with trio.open_nursery() as nursery:
        running: tuple[RunningEndpoint, ...] = await nursery.start(serve_endpoints, lab.configs)
        inventory_path = write_inventory(out, lab, running)
        inventory = load_inventory(inventory_path)
        request = ScanRequest(
            identities=load_identities(inventory, {}),
            inventory=inventory, policy=load_policy(inventory.scan.policy), fail_on=Severity.HIGH,
            limits=ScanLimits.from_inventory(inventory), quiet=quiet,
            json_path=str(out / "report.json"), html_path=str(out / "report.html"),
        )
        report, status = await run_scan(request)
        nursery.cancel_scope.cancel()
    return report, status, inventory_path


def run_demo(out: Path, *, quiet: bool) -> int:
    out.mkdir(parents=True, exist_ok=True)
    report, status, inventory_path = trio.run(_demo, out, quiet)
    if not quiet:
        for line in summary_lines(report):
            typer.echo(line, err=True)
        typer.echo(f"  lab inventory: {inventory_path}", err=True)
        typer.echo(f"  JSON report:   {out / 'report.json'}", err=True)
        typer.echo(f"  HTML report:   {out / 'report.html'}", err=True)
    return status
