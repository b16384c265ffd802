"""The side-by-side view: pairs -> ports -> rows of primary and backup cells.

Pairs and ports come in inventory order (the report's ``inputs``), then anything only the
endpoints or findings name, so a report from an older hatls or a partial scan still renders.
A host resolving to several addresses gives several endpoints per port: they are set side by
side in order, one block per address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hatls.observations import EndpointObservation
from hatls.report import Report
from hatls.report.html._chains import ChainView, chain_views
from hatls.report.html._compare import Absent, Row, Side, Tone, compare_row
from hatls.report.html._findings import FindingView, status_counts
from hatls.report.html._rows import RowSpec, row_groups
from hatls.report.html._text import shown
from hatls.report.html._unreachable import UnreachableGroup, all_unreachable, unreachable_groups


@dataclass(frozen=True, slots=True, kw_only=True)
class RowGroupView:
    title: str
    rows: tuple[Row, ...]
    # Rows neither server has data for, named on one line: a plaintext port has no certificate
    # rows, and twenty rows of "not probed" would hide the ones that matter.
    unprobed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PortView:
    anchor: str
    port_id: str
    caption: str
    modes: tuple[str, ...]
    ha_sync: bool
    only_on: str                      # "primary"/"backup" when the other server lacks the port
    groups: tuple[RowGroupView, ...]
    drift: tuple[str, ...]            # labels of rows that must match and do not
    shared: tuple[str, ...]           # labels of per-host identities found on both hosts
    findings: tuple[FindingView, ...]  # fail / error / warn on this port, either server
    # One line instead of the side-by-side table: a port that is plaintext by configuration on
    # both servers, or that neither server answered, has nothing to compare row by row.
    brief: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PairView:
    anchor: str
    name: str
    app_type: str
    redundancy: str
    primary_host: str
    backup_host: str                  # "" without a backup
    same_host: bool
    ports: tuple[PortView, ...]
    findings: tuple[FindingView, ...]  # pair-level fail / error / warn
    chains: tuple[ChainView, ...]
    counts: Mapping[str, int]
    # Ports no endpoint of which could be connected to: a line each, not a table (html_unreachable).
    unreachable: tuple[UnreachableGroup, ...] = ()

    @property
    def drift_count(self) -> int:
        return sum(len(p.drift) + len(p.shared) + bool(p.only_on) for p in self.ports)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _inventory_pairs(inputs: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    pairs = _mapping(inputs.get("inventory")).get("pairs")
    listed = pairs if isinstance(pairs, list) else []
    return {str(p["name"]): p for p in listed if isinstance(p, Mapping) and "name" in p}


def _port_ids(server: Mapping[str, Any]) -> list[str]:
    ports = server.get("ports")
    return [str(p["id"]) for p in ports if isinstance(p, Mapping) and "id" in p] \
        if isinstance(ports, list) else []


def _pair_names(report: Report, inventory: Mapping[str, Any]) -> list[str]:
    names = [*inventory, *(e.pair for e in report.endpoints), *(f.pair for f in report.findings)]
    return list(dict.fromkeys(names))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Server:
    """One server of a pair as far as the report knows it."""

    role: str
    exists: bool
    host: str
    port_ids: tuple[str, ...]
    observations: Mapping[str, tuple[EndpointObservation, ...]]

    def side(self, spec: RowSpec, obs: EndpointObservation | None, port_id: str,
             now: datetime) -> Side:
        if not self.exists:
            return Absent(note=f"no {self.role} in this pair")
        if obs is not None:
            return spec.read(obs, now)
        if port_id in self.port_ids:
            return None
        return Absent(note=f"no port “{shown(port_id, 80)}” on the {self.role}")


def _server(role: str, data: Mapping[str, Any], observed: Sequence[EndpointObservation]) -> _Server:
    mine = [o for o in observed if o.role == role]
    by_port: dict[str, list[EndpointObservation]] = {}
    for obs in mine:
        by_port.setdefault(obs.port_id, []).append(obs)
    server = _mapping(data.get(role))
    host = str(server.get("host") or (mine[0].host if mine else ""))
    return _Server(role=role, exists=bool(server) or bool(mine), host=host,
                   port_ids=tuple(dict.fromkeys([*_port_ids(server), *by_port])),
                   observations={k: tuple(v) for k, v in by_port.items()})


def _is_empty(side: Side) -> bool:
    return side is None or isinstance(side, Absent) or not side


def _rows(primary: _Server, backup: _Server, port_id: str, index: int,
          now: datetime, same_host: bool) -> tuple[RowGroupView, ...]:
    p_obs = _nth(primary.observations.get(port_id, ()), index)
    b_obs = _nth(backup.observations.get(port_id, ()), index)
    groups = []
    told: set[str] = set()

    def once(side: Side) -> Side:
        # "no port X on the backup" once, then a dash: the reason is the same on every row.
        if isinstance(side, Absent):
            if side.note in told:
                return Absent(note="—")
            told.add(side.note)
        return side

    for group in row_groups(p_obs, b_obs):
        rows, unprobed = [], []
        for spec in group.specs:
            p_side = once(primary.side(spec, p_obs, port_id, now))
            b_side = once(backup.side(spec, b_obs, port_id, now))
            if spec.optional and _is_empty(p_side) and _is_empty(b_side):
                continue
            if p_side is None and b_side is None:
                unprobed.append(spec.label)
                continue
            rows.append(compare_row(spec.label, spec.kind, p_side, b_side, same_host=same_host,
                                    hint=spec.hint, empty=spec.empty))
        groups.append(RowGroupView(title=group.title, rows=tuple(rows),
                                   unprobed=tuple(unprobed)))
    return tuple(groups)


def _nth(items: tuple[EndpointObservation, ...], index: int) -> EndpointObservation | None:
    return items[index] if index < len(items) else None


def _only_on(primary: _Server, backup: _Server, port_id: str) -> str:
    if not backup.exists:
        return ""
    on_primary, on_backup = port_id in primary.port_ids, port_id in backup.port_ids
    if on_primary != on_backup:
        return "primary" if on_primary else "backup"
    return ""


def _port_views(pair_anchor: str, primary: _Server, backup: _Server, now: datetime,
                findings: Sequence[FindingView],
                unreachable: list[tuple[EndpointObservation, tuple[FindingView, ...]]],
                ) -> tuple[PortView, ...]:
    """The ports' side-by-side tables; ports that no endpoint answered on go to ``unreachable``,
    each endpoint with its findings."""
    same_host = primary.host.casefold() == backup.host.casefold()
    views: list[PortView] = []
    # Indexed once: a scan of the pair's findings per port is quadratic in a large pair.
    of_port: dict[str, list[FindingView]] = {}
    for f in findings:
        if f.actionable and f.port_id is not None:
            of_port.setdefault(f.port_id, []).append(f)
    for port_id in dict.fromkeys([*primary.port_ids, *backup.port_ids]):
        both = (*primary.observations.get(port_id, ()), *backup.observations.get(port_id, ()))
        mine = of_port.get(shown(port_id), [])
        # A port on one server only keeps its table: it says so (GHA-002) in its caption.
        if all_unreachable(both) and not _only_on(primary, backup, port_id):
            unreachable += ((o, _endpoint_chips(o, mine, first=i == 0)) for i, o in enumerate(both))
            continue
        count = max(len(primary.observations.get(port_id, ())),
                    len(backup.observations.get(port_id, ())), 1)
        for index in range(count):
            groups = _rows(primary, backup, port_id, index, now, same_host)
            rows = [r for g in groups for r in g.rows]
            here = {o.address for o in (_nth(s.observations.get(port_id, ()), index)
                                        for s in (primary, backup)) if o is not None}
            views.append(PortView(
                anchor=f"{pair_anchor}-port-{len(views) + 1}", port_id=shown(port_id, 80),
                caption=shown(port_id, 80)
                + (f" · address {index + 1} of {count}" if count > 1 else ""),
                modes=tuple(dict.fromkeys(shown(o.configured_mode, 40) for o in both)),
                ha_sync=any(o.ha_sync for o in both), only_on=_only_on(primary, backup, port_id),
                groups=groups,
                drift=tuple(r.label for r in rows if r.tone is Tone.DRIFT),
                shared=tuple(r.label for r in rows if r.tone is Tone.SHARED),
                findings=tuple(f for f in mine
                               if count == 1 or f.address is None or f.address in here),
                brief=_brief([o for o in (_nth(s.observations.get(port_id, ()), index)
                                          for s in (primary, backup)) if o is not None]),
            ))
    return tuple(views)


def _endpoint_chips(obs: EndpointObservation, findings: Sequence[FindingView], *,
                   first: bool) -> tuple[FindingView, ...]:
    """The port's findings that concern this endpoint (its role and address), and on the port's
    first line those of the port as a whole (no role): each shown once, as a chip."""
    role, address = shown(obs.role, 40), shown(obs.address)
    return tuple(f for f in findings
                 if (f.role is None and first)
                 or (f.role == role and f.address in (None, address)))


def _where(obs: EndpointObservation) -> str:
    return f"{shown(obs.role, 20)} {shown(obs.address, 80)}:{obs.port}"


def _plaintext(obs: EndpointObservation) -> str:
    said = {True: "takes plaintext", False: "refuses plaintext", None: "plaintext not probed"}
    return said[obs.accepts_plaintext]


def _brief(observed: Sequence[EndpointObservation]) -> str:
    """The one line for a port with nothing to compare, or "" for a full table."""
    if not observed:
        return ""
    if all(o.reachable is False for o in observed):
        return "Unreachable: " + "; ".join(
            f"{_where(o)} — " + (", ".join(shown(e.message, 160) for e in o.errors[:1]) or "no answer")
            for o in observed)
    if all(o.configured_mode == "unsecured" and o.certificate is None for o in observed):
        return "Unsecured by configuration (no TLS expected): " + "; ".join(
            f"{_where(o)} {_plaintext(o)}" if o.reachable else f"{_where(o)} not reached"
            for o in observed)
    return ""


def pair_views(report: Report, findings: Sequence[FindingView]) -> tuple[PairView, ...]:
    inventory = _inventory_pairs(report.inputs)
    now = report.scan.started
    views: list[PairView] = []
    # Indexed once: scanning every endpoint and finding per pair is quadratic in a large inventory.
    endpoints_of: dict[str, list[EndpointObservation]] = {}
    for e in report.endpoints:
        endpoints_of.setdefault(e.pair, []).append(e)
    findings_of: dict[str, list[FindingView]] = {}
    for f in findings:
        findings_of.setdefault(f.pair, []).append(f)
    for number, name in enumerate(_pair_names(report, inventory), start=1):
        data = inventory.get(name, {})
        observed = endpoints_of.get(name, [])
        primary, backup = _server("primary", data, observed), _server("backup", data, observed)
        mine = findings_of.get(shown(name), [])
        anchor = f"pair-{number}"
        closed: list[tuple[EndpointObservation, tuple[FindingView, ...]]] = []
        ports = _port_views(anchor, primary, backup, now, mine, closed)
        views.append(PairView(
            anchor=anchor, name=shown(name), app_type=shown(data.get("app_type") or ""),
            redundancy=shown(data.get("redundancy") or ""), primary_host=shown(primary.host),
            backup_host=shown(backup.host) if backup.exists else "",
            same_host=backup.exists and primary.host.casefold() == backup.host.casefold(),
            ports=ports, unreachable=unreachable_groups(closed),
            findings=tuple(f for f in mine if f.actionable and f.port_id is None),
            chains=chain_views([o for o in observed if o.role == "primary"]
                               + [o for o in observed if o.role != "primary"], now,
                               anchor_prefix=anchor),
            counts=status_counts(mine),
        ))
    return tuple(views)
