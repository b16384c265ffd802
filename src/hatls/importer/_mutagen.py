"""mutagen JSON: what `mutagen config export --format JSON` (or `COMPACT_JSON`) writes.

The shape is defined by nuecho/mutagen's model classes (`models/configuration/Application.kt`,
`Host.kt`, `AppPrototype.kt`, `Configuration.kt`): one object with `__metadata__`
(`formatName`), `applications[]`, `appPrototypes[]`, `hosts[]`. Links are by name:
`serverInfo.backupServer`, `serverInfo.host`, `appPrototype`. An application carries no type of
its own; its template's `type` (a short name such as `"tserver"`) is the type. Enum values are
short names (`"hthotstanby"`); `isPrimary` is a JSON boolean; options and Annex are
`section → key → value` objects whose values may be numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

from hatls.importer._fields import ObjectReader, as_list, as_table, read_ports
from hatls.importer._model import (
    Application,
    Host,
    ImportProblem,
    ObjectRef,
    PortInfo,
    Property,
    normalized,
    printable,
    without_cfg,
)

_FORMATS = ("JSON", "COMPACT_JSON")
_PORT_FIELDS = {f"{kind}Field{n}": f"{kind}field{n}" for kind in ("long", "char") for n in range(1, 5)}


def looks_like_mutagen(document: object) -> bool:
    return isinstance(document, dict) and (
        "__metadata__" in document or "applications" in document or "hosts" in document)


def parse_mutagen(
    file: str, document: object
) -> tuple[tuple[Application, ...], tuple[Host, ...], tuple[ImportProblem, ...]]:
    problems: list[ImportProblem] = []
    table = as_table(document)
    if table is None:
        return (), (), (ImportProblem(file=file, subject="", message="not a mutagen JSON export"),)
    metadata = as_table(table.get("__metadata__")) or {}
    format_name = metadata.get("formatName")
    if format_name is not None and format_name not in _FORMATS:
        message = (f"a mutagen export in format {printable(str(format_name))!r}: "
                   "export with `mutagen config export --format JSON`")
        return (), (), (ImportProblem(file=file, subject="", message=message),)
    prototypes = _prototype_types(file, table.get("appPrototypes"), problems)
    applications = tuple(
        application for number, entry in enumerate(as_list(table.get("applications")), start=1)
        if (application := _application(file, number, entry, prototypes, problems)) is not None)
    hosts = tuple(host for number, entry in enumerate(as_list(table.get("hosts")), start=1)
                  if (host := _host(file, number, entry, problems)) is not None)
    return applications, hosts, tuple(problems)


def _named(file: str, number: int, entry: object, kind: str,
           problems: list[ImportProblem]) -> tuple[ObjectReader, str] | None:
    table = as_table(entry)
    name = table.get("name") if table is not None else None
    if table is None or not isinstance(name, str):
        problems.append(ImportProblem(file=file, subject=f"{kind} {number}",
                                      message="not an object with a 'name'"))
        return None
    return ObjectReader(table, ObjectRef(file=file, kind=kind, name=name), problems), name


def _prototype_types(file: str, entries: object, problems: list[ImportProblem]) -> Mapping[str, str]:
    types: dict[str, str] = {}
    for number, entry in enumerate(as_list(entries), start=1):
        named = _named(file, number, entry, "application template", problems)
        if named is not None:
            read, name = named
            types[name] = without_cfg(read.text("type") or "")
    return types


def _application(file: str, number: int, entry: object, prototypes: Mapping[str, str],
                 problems: list[ImportProblem]) -> Application | None:
    named = _named(file, number, entry, "application", problems)
    if named is None:
        return None
    read, name = named
    prototype = read.text("appPrototype")
    server_info = as_table(read.table.get("serverInfo")) or {}
    links = ObjectReader(server_info, read.ref, problems)
    return Application(
        ref=read.ref,
        key=name,
        app_type=prototypes.get(prototype, "") if prototype is not None else "",
        is_server=None,  # mutagen writes no isServer; the type tells
        redundancy=normalized(read.text("redundancyType") or ""),
        is_primary=read.flag("isPrimary"),
        backup_key=links.text("backupServer") or None,
        host_key=links.text("host") or None,
        state=normalized(read.text("state") or ""),
        ports=_ports(read),
        options=_properties(read, "options"),
        annex=_properties(read, "userProperties"),
    )


def _host(file: str, number: int, entry: object, problems: list[ImportProblem]) -> Host | None:
    named = _named(file, number, entry, "host", problems)
    if named is None:
        return None
    read, name = named
    return Host(ref=read.ref, key=name, name=name, address=(read.text("ipAddress") or "").strip(),
                annex=_properties(read, "userProperties"))


def _ports(read: ObjectReader) -> tuple[PortInfo, ...]:
    return read_ports(read, read.table.get("portInfos"), what="portInfos",
                      transport_key="transportParams", fields=_PORT_FIELDS)


def _properties(read: ObjectReader, key: str) -> tuple[Property, ...]:
    value = read.table.get(key)
    if value is None:
        return ()
    sections = as_table(value)
    if sections is None:
        read.report(f"{key!r} is not an object of sections")
        return ()
    found: list[Property] = []
    for section, entries in sections.items():
        table = as_table(entries)
        if table is None:
            read.report(f"{key!r}: section {printable(section)!r} is not an object")
            continue
        for name, item in table.items():
            # Binary and nested values (mutagen writes both) are no TLS option: skipped.
            if isinstance(item, str | int) and not isinstance(item, bool):
                found.append(Property(section=section, key=name, value=str(item)))
    return tuple(found)
