"""The public scan: inventory -> probes -> findings -> Report. Also the pure re-judgement of a report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from cryptography import x509

from hatls._version import __version__
from hatls.inventory import ClientIdentity, Inventory, inventory_from_dict, inventory_to_dict
from hatls.merge import merge
from hatls.observations import EndpointObservation
from hatls.policy import Policy, load_policy, policy_from_dict, policy_to_dict
from hatls.probe.handshake import ClientIdentityMaterial
from hatls.probe.scanner import ScanEvent, ScanLimits, ScanState, scan_inventory
from hatls.report.model import PolicyRef, Report, ScanMeta, ScanStatus, summarize
from hatls.rules.engine import is_internal, judge, scan_trust
from hatls.rules.model import Severity
from hatls.tls.certs import system_trust_store


def observations_of(state: ScanState) -> tuple[EndpointObservation, ...]:
    """Every planned endpoint, in plan order; one the scan never reached is a not-probed observation."""
    return tuple(state.observations.get(e.key) or merge(e, []) for e in state.endpoints)


def build_report(
    *,
    inventory: Inventory,
    policy: Policy,
    endpoints: tuple[EndpointObservation, ...],
    started: datetime,
    finished: datetime,
    fail_on: Severity,
    status: ScanStatus = ScanStatus.COMPLETE,
    scan_anchors: tuple[x509.Certificate, ...] | None = None,
) -> Report:
    anchors = scan_trust(inventory, system_trust_store) if scan_anchors is None else scan_anchors
    findings = judge(inventory, endpoints, policy, now=started, scan_anchors=anchors)
    return Report(
        tool_version=__version__,
        scan=ScanMeta(
            started=started, finished=finished, inventory=inventory.path,
            inventory_sha256=inventory.sha256,
            policy=PolicyRef(name=policy.name, source_version=policy.source_version,
                             sha256=policy.sha256, not_checked=policy.not_checked),
            fail_on=fail_on, status=status,
        ),
        inputs={"inventory": inventory_to_dict(inventory), "policy": policy_to_dict(policy)},
        summary=summarize(pairs=len(inventory.pairs), endpoints=endpoints, findings=findings,
                          fail_on=fail_on, internal_errors=sum(map(is_internal, findings))),
        endpoints=endpoints,
        findings=findings,
    )


def rejudge(report: Report) -> Report:
    """Judge a saved report again from its own inputs: no network, no inventory file."""
    inventory = inventory_from_dict(dict(report.inputs["inventory"]))
    policy = policy_from_dict(dict(report.inputs["policy"]))
    return build_report(
        inventory=inventory, policy=policy, endpoints=report.endpoints,
        started=report.scan.started, finished=report.scan.finished,
        fail_on=report.scan.fail_on, status=report.scan.status,
    )


async def scan(
    inventory: Inventory,
    *,
    now: Callable[[], datetime],
    policy: Policy | None = None,
    fail_on: Severity = Severity.HIGH,
    limits: ScanLimits | None = None,
    state: ScanState | None = None,
    on_event: Callable[[ScanEvent], None] | None = None,
    identities: Mapping[ClientIdentity, ClientIdentityMaterial] | None = None,
) -> Report:
    """Scan every endpoint of ``inventory`` and judge it. ``now`` is the only clock (DESIGN.md)."""
    chosen = policy or load_policy(inventory.scan.policy)
    started = now()
    state = await scan_inventory(inventory, limits=limits, state=state, on_event=on_event,
                                 identities=identities)
    return build_report(inventory=inventory, policy=chosen, endpoints=observations_of(state),
                        started=started, finished=now(), fail_on=fail_on)
