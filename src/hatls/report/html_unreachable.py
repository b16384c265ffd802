"""Ports nobody answered on, for the HTML report: one line each, grouped by why.

A closed port has nothing to compare side by side and one finding worth reading (TLS-001), so a
table of "not probed" rows and a full card per port would bury the ports that did answer: an
inventory with 5,000 closed ports made an 8 KB page section of each. Instead

- in its pair, every port whose endpoints all failed to connect is one line of a group, "N ports
  of pair X unreachable (refused)", that names each endpoint and its error;
- in the findings, TLS-001 findings that say the same (status, severity, error kind, the checks
  they made impossible) share one card that lists every endpoint and its message.

Nothing is left out: every endpoint that failed, and why, is still on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hatls.observations import EndpointObservation
from hatls.report.html_text import MAX_MESSAGE_CHARS, shown
from hatls.rules.model import Severity, Status


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreachablePort:
    where: str       # role · port ID · address:port
    mode: str        # the configured listening mode
    message: str     # the first error, as the probe put it


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreachableGroup:
    reason: str      # the error kind ("refused", "timeout", …) shared by the group
    ports: tuple[UnreachablePort, ...]


def all_unreachable(observations: Sequence[EndpointObservation]) -> bool:
    """Every endpoint of a port was tried and none could be connected to."""
    return bool(observations) and all(o.reachable is False for o in observations)


def _reason(obs: EndpointObservation) -> str:
    error = obs.first_error()
    return error.kind.value if error is not None else "no error recorded"


def unreachable_groups(observations: Iterable[EndpointObservation]) -> tuple[UnreachableGroup, ...]:
    """The endpoints, one line each, grouped by error kind (first seen first)."""
    groups: dict[str, list[UnreachablePort]] = {}
    for obs in observations:
        error = obs.first_error()
        groups.setdefault(_reason(obs), []).append(UnreachablePort(
            where=" · ".join((shown(obs.role, 40), shown(obs.port_id, 80),
                              f"{shown(obs.address, 100)}:{obs.port}")),
            mode=shown(obs.configured_mode, 40),
            message=shown(error.message, MAX_MESSAGE_CHARS) if error else "could not connect"))
    return tuple(UnreachableGroup(reason=shown(reason, 60), ports=tuple(ports))
                 for reason, ports in groups.items())


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleKey:
    """What TLS-001 findings must share to be told once: all but the place and its message."""

    rule: str
    status: Status
    severity: Severity
    reason: str                     # the error kind
    skipped_rules: tuple[str, ...]  # the checks it made impossible (rules/fold.py)
    skipped_reason: str
    remediation: str
    reference: str
