"""GAX JSON: `CfgApplication` and `CfgHost` objects as GAX's REST API returns them.

`GET /gax/api/cfg/objects?type=CfgApplication&brief=false` (and `type=CfgHost`) answer with a
JSON array of objects whose values are all strings (sapk/go-genesys `api/object/gax.go`); the
dump files of sapk/genesys-tools (`Application.json`, `Host.json`) hold the same arrays. Lists
are wrapped as in the XML they come from: `portinfos.portinfo[]`, `options.property[]`,
`userproperties.property[]`. Fields read: `dbid`, `name`, `subtype`, `redundancytype`,
`isprimary`, `isserver`, `backupserverdbid` and `hostdbid` (flattened from Server Info; `"0"` =
none), `state`; per port `id`, `port`, `transportparams`, `longfield1..4`, `charfield1..4`;
per host `name`, `ipaddress`, `userproperties`.
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

OBJECT_TYPES = ("CfgApplication", "CfgHost")
PORT_FIELDS = tuple(f"{kind}field{n}" for kind in ("long", "char") for n in range(1, 5))
_NONE_DBID = ("", "0")


def looks_like_gax(document: object) -> bool:
    """An array of objects (or one object) carrying GAX's object `type`."""
    entries = document if isinstance(document, list) else [document]
    return any(isinstance(entry, dict) and entry.get("type") in OBJECT_TYPES for entry in entries)


def parse_gax(
    file: str, document: object
) -> tuple[tuple[Application, ...], tuple[Host, ...], tuple[ImportProblem, ...]]:
    problems: list[ImportProblem] = []
    applications: list[Application] = []
    hosts: list[Host] = []
    if not isinstance(document, list | dict):
        problems.append(ImportProblem(file=file, subject="", message="not GAX JSON: neither an array "
                                      "nor an object of configuration objects"))
        return (), (), tuple(problems)
    for number, entry in enumerate(as_list(document), start=1):
        table = as_table(entry)
        if table is None:
            problems.append(ImportProblem(file=file, subject=f"entry {number}", message="not an object"))
            continue
        kind = table.get("type")
        if kind == "CfgApplication":
            application = _application(file, table, problems)
            if application is not None:
                applications.append(application)
        elif kind == "CfgHost":
            host = _host(file, table, problems)
            if host is not None:
                hosts.append(host)
        # Other object types (a full dump holds persons, DNs, ...) say nothing about ports.
    return tuple(applications), tuple(hosts), tuple(problems)


def _ref(file: str, table: Mapping[str, object], kind: str) -> ObjectRef:
    name, dbid = table.get("name"), table.get("dbid")
    return ObjectRef(file=file, kind=kind, name=name if isinstance(name, str) else "?",
                     dbid=str(dbid) if isinstance(dbid, str | int) and not isinstance(dbid, bool) else None)


def _link(value: str | None) -> str | None:
    return None if value is None or value.strip() in _NONE_DBID else value.strip()


def _application(file: str, table: Mapping[str, object], problems: list[ImportProblem]) -> Application | None:
    ref = _ref(file, table, "application")
    read = ObjectReader(table, ref, problems)
    dbid = read.text("dbid", required=True)
    name = read.text("name", required=True)
    ports = _ports(read, table.get("portinfos"))
    application = Application(
        ref=ref,
        key=dbid or "",
        app_type=without_cfg(read.text("subtype") or ""),
        is_server=read.flag("isserver"),
        redundancy=normalized(read.text("redundancytype") or ""),
        is_primary=read.flag("isprimary"),
        backup_key=_link(read.text("backupserverdbid")),
        host_key=_link(read.text("hostdbid")),
        state=normalized(read.text("state") or ""),
        ports=ports,
        options=_properties(read, table.get("options"), "options"),
        annex=_properties(read, table.get("userproperties"), "userproperties"),
    )
    # Kept when only a part is wrong (a port, say): the run fails on the problem anyway, and a
    # missing object would add false "link to a dbid not in the export" messages.
    return application if name is not None and dbid else None


def _host(file: str, table: Mapping[str, object], problems: list[ImportProblem]) -> Host | None:
    ref = _ref(file, table, "host")
    read = ObjectReader(table, ref, problems)
    dbid = read.text("dbid", required=True)
    name = read.text("name", required=True)
    host = Host(ref=ref, key=dbid or "", name=name or "", address=(read.text("ipaddress") or "").strip(),
                annex=_properties(read, table.get("userproperties"), "userproperties"))
    return host if name is not None and dbid else None


def _ports(read: ObjectReader, wrapper: object) -> tuple[PortInfo, ...]:
    if wrapper is None:
        return ()
    table = as_table(wrapper)
    if table is None:
        read.report("'portinfos' is not an object holding 'portinfo'")
        return ()
    return read_ports(read, table.get("portinfo"), what="portinfo", transport_key="transportparams",
                      fields={name: name for name in PORT_FIELDS})


def _properties(read: ObjectReader, wrapper: object, key: str) -> tuple[Property, ...]:
    if wrapper is None:
        return ()
    table = as_table(wrapper)
    if table is None:
        read.report(f"{key!r} is not an object holding 'property'")
        return ()
    found: list[Property] = []
    for entry in as_list(table.get("property")):
        item = as_table(entry)
        if item is None:
            read.report(f"{key!r}: an entry is not an object")
            continue
        section, name, value = (item.get(field) for field in ("section", "key", "value"))
        if not (isinstance(section, str) and isinstance(name, str) and isinstance(value, str | int)) \
                or isinstance(value, bool):
            read.report(f"{key!r}: an entry is not {{section, key, value}} text "
                        f"({printable(str(section))}/{printable(str(name))})")
            continue
        found.append(Property(section=section, key=name, value=str(value)))
    return tuple(found)
