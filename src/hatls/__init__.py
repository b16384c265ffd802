"""hatls: live TLS probe and compliance scanner for high-availability server pairs.

The public API: ``load_inventory`` (the TOML inventory of INVENTORY.md), ``scan`` (async: probe and
judge every endpoint, returning a ``Report``), ``load_report`` / ``dump_report`` (the JSON of
REPORT.md) and ``rejudge`` (judge a saved report again without the network). Everything else is
private to the package; the ``hatls`` command is a thin layer over these.
"""

from hatls._version import __version__
from hatls.inventory import Inventory, InventoryError, load_inventory
from hatls.report.codec import dumps as dump_report
from hatls.report.codec import loads as load_report
from hatls.report.model import Report
from hatls.run import rejudge, scan

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
