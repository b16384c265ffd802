"""The inputs every rule reads: an endpoint or a pair, with the policy, the trust anchors and the
scan's time. Rules are pure functions over these values; what they return is in hatls.findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from hatls.inventory import Inventory, Pair, PortSpec, Server
from hatls.observations import EndpointObservation
from hatls.policy import Policy


@dataclass(frozen=True, slots=True, kw_only=True)
class Trust:
    """Parsed CA sets: ``scan`` for TLS-031 (else the system store), ``pair`` for GHA-006/009, TLS-040."""

    scan: tuple[x509.Certificate, ...]
    pair: tuple[x509.Certificate, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointContext:
    """One endpoint as a rule sees it: the inventory's view and the observation side by side."""

    pair: Pair
    server: Server
    port: PortSpec
    observation: EndpointObservation
    policy: Policy
    trust: Trust
    now: datetime          # the scan's start time: re-judging a saved report gives the same findings
    # The rule being judged, set by its Rule when it runs (rules/_rule.py): the helpers that build
    # its finding read it here, so a rule's ID is written once, in its @rule decorator.
    rule: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PairContext:
    pair: Pair
    # Observations of this pair, keyed (role, port_id) -> every address's observation of that port.
    observations: Mapping[tuple[str, str], tuple[EndpointObservation, ...]]
    policy: Policy
    trust: Trust
    now: datetime
    inventory: Inventory
    rule: str = ""         # as EndpointContext.rule

    def of(self, server: Server, port_id: str) -> tuple[EndpointObservation, ...]:
        return self.observations.get((server.role.value, port_id), ())
