"""``hatls validate INVENTORY``: load an inventory and everything it names, connecting to nothing.

Exit status: 0 valid, 2 not (the message says where).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._clock import utc_now
from hatls.cli._exit import EXIT_USAGE, fail
from hatls.identity import load_identities
from hatls.inventory import InventoryError, load_inventory
from hatls.policy import PolicyError, load_policy
from hatls.waivers import load_waivers


def validate(inventory: Annotated[Path, typer.Argument(
        metavar="INVENTORY", help="The inventory file (TOML).")]) -> None:
    """Check an inventory without connecting to anything."""
    try:
        inv = load_inventory(inventory)
        load_policy(inv.scan.policy)
        load_identities(inv, os.environ)
        if inv.scan.waivers is not None:
            load_waivers(inv.scan.waivers, today=utc_now().date(), pairs=(p.name for p in inv.pairs))
    except (InventoryError, PolicyError) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    ports = sum(len(s.ports) for p in inv.pairs for s in p.servers())
    typer.echo(f"{inventory}: valid — {len(inv.pairs)} pair(s), {ports} port(s)")
