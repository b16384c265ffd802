"""Load and validate an inventory (docs/inventory.md) into frozen values.

The contract: a file valid under docs/inventory.md loads; anything else raises `InventoryError` with
*every* problem found, each naming file, line (where one can be found) and key path such as
`pair[2].backup.ports[1].mode`. `tomllib` reports syntax errors with a line; for everything
else the one TOML checker (`hatls._toml`) finds the line in the source text.

    inventory = load_inventory("inventory.toml")   # or InventoryError, before any connection

The shapes live in `_model` (which also says how a report's JSON holds them, for the generic codec
of `hatls.report`), the checks in `_build`, `_servers` and `_tls`, bounded file reading in
`_reading`; this module is the public face of all of them.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from pathlib import Path

from hatls._toml import Checker, LineIndex, Problem
from hatls.inventory._build import (
    CLIENT_KEYS,
    MAX_LABEL_CHARS,
    PAIR_KEYS,
    PAIR_TABLES,
    REPORT_KEYS,
    SCAN_KEYS,
    TOP_KEYS,
    build_inventory,
)
from hatls.inventory._model import (
    SEC_PROTOCOL_VERSIONS,
    CertificateLevel,
    CipherList,
    ClientIdentity,
    Inventory,
    InventoryError,
    Mode,
    Pair,
    PemFile,
    PortSpec,
    Redundancy,
    ReportLabels,
    Role,
    ScanSettings,
    SecProtocol,
    Server,
    TlsExpectations,
)
from hatls.inventory._reading import MEBIBYTE, UnreadableFile, read_at_most, read_regular_file
from hatls.inventory._servers import PORT_KEYS, SERVER_KEYS, host_problem
from hatls.inventory._tls import TLS_KEYS

MAX_INVENTORY_BYTES = 16 * MEBIBYTE  # thousands of pairs fit in a few hundred kB

__all__ = [
    "CLIENT_KEYS",
    "MAX_LABEL_CHARS",
    "MEBIBYTE",
    "PAIR_KEYS",
    "PAIR_TABLES",
    "PORT_KEYS",
    "REPORT_KEYS",
    "SCAN_KEYS",
    "SEC_PROTOCOL_VERSIONS",
    "SERVER_KEYS",
    "TLS_KEYS",
    "TOP_KEYS",
    "CertificateLevel",
    "CipherList",
    "ClientIdentity",
    "Inventory",
    "InventoryError",
    "Mode",
    "Pair",
    "PemFile",
    "PortSpec",
    "Problem",
    "Redundancy",
    "ReportLabels",
    "Role",
    "ScanSettings",
    "SecProtocol",
    "Server",
    "TlsExpectations",
    "UnreadableFile",
    "host_problem",
    "load_inventory",
    "parse_inventory",
    "read_at_most",
    "read_regular_file",
]

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def load_inventory(path: str | os.PathLike[str]) -> Inventory:
    """Read and check the inventory at `path`; PEM paths in it are relative to its folder."""
    file = os.fspath(path)
    try:
        # Not only regular files: `hatls validate <(generate-inventory)` reads a pipe.
        with open(file, "rb") as handle:
            data = read_at_most(handle.read, MAX_INVENTORY_BYTES)
    except FileNotFoundError:
        raise _whole_file_error(file, "file not found") from None
    except OSError as error:
        raise _whole_file_error(file, f"cannot read: {error.strerror or error}") from None
    except UnreadableFile as refused:  # /dev/zero, say
        raise _whole_file_error(file, str(refused)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _whole_file_error(file, f"not UTF-8 text (byte {error.start}); TOML files are UTF-8") from None
    base_dir = str(Path(file).parent)
    return _parse(text, path=file, base_dir=base_dir, sha256=hashlib.sha256(data).hexdigest())


def parse_inventory(text: str, *, path: str, base_dir: str) -> Inventory:
    """Check inventory `text`, as if read from `path`; PEM paths are relative to `base_dir`."""
    return _parse(text, path=path, base_dir=base_dir, sha256=hashlib.sha256(text.encode()).hexdigest())


def _parse(text: str, *, path: str, base_dir: str, sha256: str) -> Inventory:
    # Windows editors (Notepad, where a Genesys administrator may well write this) start UTF-8
    # files with a byte-order mark, which TOML does not allow; it carries no meaning, so drop it.
    text = text.removeprefix("\ufeff")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InventoryError((_syntax_problem(path, error),)) from None
    except RecursionError:
        raise _whole_file_error(path, "invalid TOML: nested too deeply") from None
    checker = Checker(file=path, lines=LineIndex(text))
    inventory = build_inventory(checker, base_dir, document, path=path, sha256=sha256)
    if checker.problems:
        # Whole-file problems (line None) first, then in file order.
        problems = sorted(checker.problems, key=lambda problem: problem.line or 0)
        raise InventoryError(tuple(problems))
    assert inventory is not None, "an inventory is refused only with a problem that says why"
    return inventory


def _syntax_problem(path: str, error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    position = _TOML_POSITION.search(message)
    if position is None:
        return Problem(file=path, line=None, key="", message=f"invalid TOML: {message}")
    reason = message[: position.start()]
    return Problem(
        file=path,
        line=int(position.group(1)),
        key="",
        message=f"invalid TOML: {reason} (column {position.group(2)})",
    )


def _whole_file_error(path: str, message: str) -> InventoryError:
    return InventoryError((Problem(file=path, line=None, key="", message=message),))
