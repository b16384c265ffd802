"""CSV for those who keep their pairs in a spreadsheet: one row per port.

Header (any order): `pair,role,host,address,port_id,port,mode,ha_sync,app_type`, plus an
optional `redundancy`. An unknown column is an error, as an unknown inventory key is: a typo
must not drop what a column says. Spreadsheets in many locales save with `;`, so a header
without a comma but with semicolons is read with `;`. `ha_sync` left empty is *unknown*
(written false with a review comment), never read as false.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from hatls.importer._model import ImportProblem, printable
from hatls.inventory import Mode, Redundancy, Role

REQUIRED_COLUMNS = ("pair", "role", "host", "address", "port_id", "port", "mode", "ha_sync", "app_type")
OPTIONAL_COLUMNS = ("redundancy",)
_MODES = {"unsecured": Mode.UNSECURED, "secured": Mode.SECURED, "auto-detect": Mode.AUTO_DETECT,
          "auto detect": Mode.AUTO_DETECT, "auto detect (upgrade)": Mode.AUTO_DETECT}
_TRUE = ("true", "yes", "1", "x")
_FALSE = ("false", "no", "0")


@dataclass(frozen=True, slots=True, kw_only=True)
class CsvRow:
    file: str
    line: int
    pair: str
    role: Role
    host: str
    address: str
    port_id: str
    port: int
    mode: Mode
    ha_sync: bool | None  # None = the cell is empty: not known
    app_type: str
    redundancy: Redundancy | None


def looks_like_csv(path: str, text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0].casefold()
    return path.casefold().endswith(".csv") or ("pair" in first and "port_id" in first)


def parse_csv(file: str, text: str) -> tuple[tuple[CsvRow, ...], tuple[ImportProblem, ...]]:
    text = text.removeprefix("\ufeff")
    header = text.split("\n", 1)[0]
    delimiter = ";" if ";" in header and "," not in header else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    problems: list[ImportProblem] = []
    try:
        columns = [name.strip().casefold() for name in next(reader)]
    except StopIteration:
        return (), (ImportProblem(file=file, subject="", message="empty CSV file"),)
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if unknown or missing:
        said = [f"unknown column(s) {', '.join(map(printable, unknown))}"] if unknown else []
        said += [f"missing column(s) {', '.join(missing)}"] if missing else []
        message = "; ".join(said) + f" (the header is {','.join(REQUIRED_COLUMNS)}[,redundancy])"
        return (), (ImportProblem(file=file, subject="line 1", message=message),)
    rows: list[CsvRow] = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            problems.append(ImportProblem(file=file, subject=f"line {line}",
                                          message=f"{len(cells)} cells for {len(columns)} columns"))
            continue
        row = _row(file, line, dict(zip(columns, (cell.strip() for cell in cells), strict=True)), problems)
        if row is not None:
            rows.append(row)
    return tuple(rows), tuple(problems)


def _row(file: str, line: int, cells: dict[str, str], problems: list[ImportProblem]) -> CsvRow | None:
    before = len(problems)
    subject = f"line {line} (pair {printable(cells['pair'])!r})" if cells["pair"] else f"line {line}"

    def bad(message: str) -> None:
        problems.append(ImportProblem(file=file, subject=subject, message=message))

    for required in ("pair", "role", "host", "port_id", "port", "mode"):
        if not cells[required]:
            bad(f"{required} is empty")
    role = {"primary": Role.PRIMARY, "backup": Role.BACKUP}.get(cells["role"].casefold())
    if cells["role"] and role is None:
        bad(f"role {printable(cells['role'])!r} is not primary or backup")
    port = int(cells["port"]) if cells["port"].isascii() and cells["port"].isdigit() else None
    if cells["port"] and (port is None or not 1 <= port <= 65535):
        bad(f"port {printable(cells['port'])!r} is not a port number (1-65535)")
    mode = _MODES.get(cells["mode"].casefold())
    if cells["mode"] and mode is None:
        bad(f"mode {printable(cells['mode'])!r} is not unsecured, secured or auto-detect")
    ha_sync = _ha_sync(cells["ha_sync"])
    if cells["ha_sync"] and ha_sync is None:
        bad(f"ha_sync {printable(cells['ha_sync'])!r} is not true or false (leave it empty if unknown)")
    redundancy = _redundancy(cells.get("redundancy", ""))
    if cells.get("redundancy") and redundancy is None:
        bad(f"redundancy {printable(cells['redundancy'])!r} is not hot-standby or warm-standby")
    if len(problems) > before or role is None or port is None or mode is None:
        return None
    return CsvRow(file=file, line=line, pair=cells["pair"], role=role, host=cells["host"],
                  address=cells["address"], port_id=cells["port_id"], port=port, mode=mode,
                  ha_sync=ha_sync, app_type=cells["app_type"], redundancy=redundancy)


def _ha_sync(cell: str) -> bool | None:
    folded = cell.casefold()
    return True if folded in _TRUE else False if folded in _FALSE else None


def _redundancy(cell: str) -> Redundancy | None:
    try:
        return Redundancy(cell.casefold()) if cell else None
    except ValueError:
        return None
