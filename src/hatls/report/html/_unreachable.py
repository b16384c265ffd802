"""Ports nobody answered on, for the HTML report: one line each, grouped by why.

A closed port has nothing to compare side by side and one finding worth reading (TLS-001), so a
table of "not probed" rows and a full card per port would bury the ports that did answer: an
inventory with 5,000 closed ports made an 8 KB page section of each. Instead

- in its pair, every port whose endpoints all failed to connect is a line per endpoint in a group,
  "N ports (M endpoints) of pair X unreachable (refused)", that names each endpoint, its error
  and its findings (as chips linking to them);
- in the findings, TLS-001 findings that say the same (status, severity, error kind, the checks
  they made impossible) share one card that lists every endpoint and its message.

Nothing is left out: every endpoint that failed, and why, is still on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hatls.observations import EndpointObservation
from hatls.report.html._findings import FindingView
from hatls.report.html._text import MAX_MESSAGE_CHARS, shown


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreachablePort:
    where: str       # role · port ID · address:port
    mode: str        # the configured listening mode
    message: str     # the first error, as the probe put it
    findings: tuple[FindingView, ...] = ()   # its fail / error / warn findings, as chips


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreachableGroup:
    reason: str      # the error kind ("refused", "timeout", …) shared by the group
    ports: tuple[UnreachablePort, ...]   # a line per endpoint (a port has one per server)
    port_count: int = 0                  # how many ports (port IDs) those endpoints are


def all_unreachable(observations: Sequence[EndpointObservation]) -> bool:
    """Every endpoint of a port was tried and none could be connected to."""
    return bool(observations) and all(o.reachable is False for o in observations)


def _reason(obs: EndpointObservation) -> str:
    error = obs.first_error()
    return error.kind.value if error is not None else "no error recorded"


def unreachable_groups(
    observations: Iterable[tuple[EndpointObservation, tuple[FindingView, ...]]],
) -> tuple[UnreachableGroup, ...]:
    """The endpoints, one line each with their findings, grouped by error kind (first seen
    first)."""
    groups: dict[str, list[UnreachablePort]] = {}
    port_ids: dict[str, set[str]] = {}
    for obs, findings in observations:
        error = obs.first_error()
        port_ids.setdefault(_reason(obs), set()).add(obs.port_id)
        groups.setdefault(_reason(obs), []).append(UnreachablePort(
            where=" · ".join((shown(obs.role, 40), shown(obs.port_id, 80),
                              f"{shown(obs.address, 100)}:{obs.port}")),
            mode=shown(obs.configured_mode, 40),
            message=shown(error.message, MAX_MESSAGE_CHARS) if error else "could not connect",
            findings=findings))
    return tuple(UnreachableGroup(reason=shown(reason, 60), ports=tuple(ports),
                                  port_count=len(port_ids[reason]))
                 for reason, ports in groups.items())
