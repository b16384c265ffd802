"""hatls: live TLS probe and compliance scanner for high-availability server pairs.

The public API: ``load_inventory`` (the TOML inventory of docs/inventory.md), ``scan`` (async: probe and
judge every endpoint, returning a ``Report``), ``load_report`` / ``dump_report`` (the JSON of
docs/report.md) and ``rejudge`` (judge a saved report again without the network). Everything else is
private to the package; the ``hatls`` command is a thin layer over these.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hatls._version import __version__

if TYPE_CHECKING:
    from hatls.inventory import Inventory, InventoryError, load_inventory
    from hatls.probe.scanner import scan
    from hatls.report import Report
    from hatls.report import dumps as dump_report
    from hatls.report import loads as load_report
    from hatls.scanning import rejudge

# The public names are imported when first used, so that `import hatls` (which the `hatls`
# command does first) stays instant and a Ctrl-C at start-up reaches hatls.launch's guard.
_PUBLIC = {
    "Inventory": ("hatls.inventory", "Inventory"),
    "InventoryError": ("hatls.inventory", "InventoryError"),
    "load_inventory": ("hatls.inventory", "load_inventory"),
    "dump_report": ("hatls.report", "dumps"),
    "load_report": ("hatls.report", "loads"),
    "Report": ("hatls.report", "Report"),
    "rejudge": ("hatls.scanning", "rejudge"),
    "scan": ("hatls.probe.scanner", "scan"),
}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'hatls' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


__all__ = [
    "Inventory",
    "InventoryError",
    "Report",
    "__version__",
    "dump_report",
    "load_inventory",
    "load_report",
    "rejudge",
    "scan",
]
