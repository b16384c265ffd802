"""From CSV rows to a draft inventory: `build_from_rows`, pure.

The spreadsheet states mode and ha_sync itself, so those are taken as written; an empty
`ha_sync` cell and a missing redundancy are review notes. Rows that contradict each other (two
hosts for one server, two types for one pair) are errors: the draft would be wrong.
"""

from __future__ import annotations

from collections import Counter

from hatls.importer._csv import CsvRow
from hatls.importer._draft import Draft, DraftPair, DraftPort, DraftServer, Outcome
from hatls.importer._model import ImportProblem, SourceFormat, printable
from hatls.inventory import Role, host_problem


def build_from_rows(rows: tuple[CsvRow, ...], problems: tuple[ImportProblem, ...],
                    sources: tuple[str, ...]) -> Outcome:
    errors = list(problems)
    by_pair: dict[str, list[CsvRow]] = {}
    for row in rows:
        by_pair.setdefault(row.pair, []).append(row)
    pairs = [pair for name, members in by_pair.items() if (pair := _pair(name, members, errors)) is not None]
    if not rows and not errors:
        errors.append(ImportProblem(file=", ".join(sources), subject="",
                                    message="nothing to import: no rows"))
    draft = Draft(format=SourceFormat.CSV, sources=sources,
                  pairs=() if errors else tuple(sorted(pairs, key=lambda p: p.name.casefold())))
    return Outcome(draft=draft, errors=tuple(errors))


def _subject(rows: list[CsvRow]) -> str:
    lines = ", ".join(str(row.line) for row in rows[:5]) + (", …" if len(rows) > 5 else "")
    return f"pair {printable(rows[0].pair)!r} (line {lines})"


def _one(rows: list[CsvRow], column: str, values: list[str], errors: list[ImportProblem]) -> str:
    distinct = sorted({value for value in values if value})
    if len(distinct) > 1:
        errors.append(ImportProblem(file=rows[0].file, subject=_subject(rows),
                                    message=f"the rows give different {column}s: "
                                            + ", ".join(repr(printable(v)) for v in distinct)))
    return distinct[0] if distinct else ""


def _pair(name: str, rows: list[CsvRow], errors: list[ImportProblem]) -> DraftPair | None:
    before = len(errors)
    app_type = _one(rows, "app_type", [row.app_type for row in rows], errors)
    redundancies = _one(rows, "redundancy", [row.redundancy.value if row.redundancy else "" for row in rows],
                        errors)
    servers = {role: _server(role, [row for row in rows if row.role is role], errors) for role in Role}
    primary, backup = servers[Role.PRIMARY], servers[Role.BACKUP]
    if not any(row.role is Role.PRIMARY for row in rows):
        errors.append(ImportProblem(file=rows[0].file, subject=_subject(rows),
                                    message="has backup rows but no primary row"))
    if len(errors) > before or primary is None:
        return None
    reviews: tuple[str, ...] = ()
    if backup is not None and not redundancies:
        reviews = ("redundancy: not in the CSV (no redundancy column or cell); hatls takes hot-standby: "
                   "check the pair's Redundancy Type in GAX",)
    redundancy = next((row.redundancy for row in rows if row.redundancy), None)
    return DraftPair(name=name, app_type=app_type or None, redundancy=redundancy, primary=primary,
                     backup=backup, reviews=reviews)


def _server(role: Role, rows: list[CsvRow], errors: list[ImportProblem]) -> DraftServer | None:
    if not rows:
        return None
    before = len(errors)
    host = _one(rows, f"{role.value} host", [row.host for row in rows], errors)
    address = _one(rows, f"{role.value} address", [row.address for row in rows], errors)
    for value, column in ((host, "host"), (address, "address")):
        trouble = host_problem(value) if value else None
        if trouble is not None:
            errors.append(ImportProblem(file=rows[0].file, subject=_subject(rows),
                                        message=f"{role.value} {column} {printable(value)!r} is not a host "
                                                f"name or IP address ({trouble})"))
    counts = Counter(row.port_id for row in rows)
    for port_id, count in counts.items():
        if count > 1:
            errors.append(ImportProblem(file=rows[0].file, subject=_subject(rows),
                                        message=f"{role.value} port id {printable(port_id)!r} is given "
                                                f"{count} times"))
    if len(errors) > before:
        return None
    ports = tuple(DraftPort(
        id=row.port_id, port=row.port, mode=row.mode, ha_sync=bool(row.ha_sync),
        reviews=() if row.ha_sync is not None else (
            "HA sync: the ha_sync cell is empty; written false. Check GAX: the application → Server Info → "
            "Listening Ports → the port → HA sync",)) for row in rows)
    return DraftServer(role=role, host=host, address=address if address and address != host else None,
                       ports=ports, source=f"{printable(rows[0].file)}, line(s) "
                       + ", ".join(str(row.line) for row in rows))
