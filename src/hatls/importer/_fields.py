"""Typed reads out of one parsed JSON object, each wrong value a problem naming the object.

The only place where parsed JSON (`object`) is looked at; the parsers turn what these return
into `hatls.importer._model` values at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from hatls.importer._model import ImportProblem, ObjectRef, PortInfo, printable, problem

MIN_PORT, MAX_PORT = 1, 65535


def as_table(value: object) -> Mapping[str, object] | None:
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return value
    return None


def as_list(value: object) -> list[object]:
    """A JSON array; one object where an array was expected counts as an array of one (XML-born
    JSON writes a single entry so), and null or absence as none."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


class ObjectReader:
    """Reads the fields of one object; a wrong type is recorded against `ref`, never raised."""

    def __init__(self, table: Mapping[str, object], ref: ObjectRef, problems: list[ImportProblem]) -> None:
        self.table = table
        self.ref = ref
        self.problems = problems

    def report(self, message: str) -> None:
        self.problems.append(problem(self.ref, message))

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string (or a JSON number, written as text: GAX sends numbers as strings anyway)."""
        value = self.table.get(key)
        if value is None:
            if required:
                self.report(f"has no {key!r}")
            return None
        if isinstance(value, bool):
            self.report(f"{key!r} is a boolean, not text")
            return None
        if isinstance(value, str | int):
            return str(value)
        self.report(f"{key!r} is not text")
        return None

    def flag(self, key: str) -> bool | None:
        """A JSON boolean (mutagen) or a CfgFlag literal (GAX: `CFGTrue` / `CFGFalse`)."""
        value = self.table.get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return {"CFGTRUE": True, "CFGFALSE": False}.get(value.strip().upper())
        return None

    def port_number(self, text: str | None, port_id: str) -> int | None:
        if text is None:
            self.report(f"port {printable(port_id)!r} has no port number")
            return None
        if not text.strip().isascii() or not text.strip().isdigit():
            self.report(f"port {printable(port_id)!r}: {printable(text)!r} is not a port number")
            return None
        number = int(text)
        if not MIN_PORT <= number <= MAX_PORT:
            self.report(f"port {printable(port_id)!r}: {number} is not a port number (1-65535)")
            return None
        return number


def read_ports(read: ObjectReader, entries: object, *, what: str, transport_key: str,
               fields: Mapping[str, str]) -> tuple[PortInfo, ...]:
    """The port entries of one application, as both JSON exports spell them: ``what`` names the
    array in messages, ``transport_key`` the transport-parameters key, ``fields`` maps the
    export's long/char field keys to their GAX names."""
    ports: list[PortInfo] = []
    for number, entry in enumerate(as_list(entries), start=1):
        table = as_table(entry)
        if table is None:
            read.report(f"{what} {number} is not an object")
            continue
        port_read = ObjectReader(table, read.ref, read.problems)
        port_id = port_read.text("id")
        if port_id is None:
            read.report(f"{what} {number} has no 'id'")
            continue
        port = port_read.port_number(port_read.text("port"), port_id)
        found = tuple((name, value) for key, name in fields.items()
                      if (value := port_read.text(key)) is not None)
        if port is not None:
            ports.append(PortInfo(id=port_id, port=port, fields=found,
                                  transport_params=port_read.text(transport_key) or ""))
    return tuple(ports)
