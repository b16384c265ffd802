"""TLS-010, TLS-011, TLS-012: the protocol versions a port accepts.

A version the probes did not ask about is None. SSLv2/SSLv3 stay None until the raw-hello
engine runs: the rules judge on what was probed and list the rest in ``not_probed``. A None
among TLS 1.0–1.3 that could change the verdict makes the rule skipped, never pass.
"""

from __future__ import annotations

from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import SEC_PROTOCOL_VERSIONS
from hatls.objections import DISCOURAGED_ACCEPTED, FORBIDDEN, OUTSIDE
from hatls.observations import EndpointObservation
from hatls.rules._common import skipped, tls_gate
from hatls.rules._context import EndpointContext
from hatls.rules._rule import rule
from hatls.rules.endpoint._support import finding, not_probed_with
from hatls.tls.protocol import OPENSSL_VERSIONS


def _versions(obs: EndpointObservation) -> tuple[list[str], list[str]]:
    """(accepted, not probed), oldest first."""
    return ([v for v, ok in obs.protocols if ok is True],
            [v for v, ok in obs.protocols if ok is None])


def _unknown_outside(unprobed: list[str], expected: frozenset[str]) -> list[str]:
    """The unprobed versions OpenSSL could have asked about that would break ``expected``."""
    return [v for v in unprobed if v in OPENSSL_VERSIONS and v not in expected]


@rule("TLS-010")
def tls_010(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "No protocol version outside the policy's allowed versions is accepted: a
    *discouraged* version (policy data) is `warn`, any other `fail`"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    policy = ctx.policy
    accepted, unprobed = _versions(ctx.observation)
    evidence: dict[str, Any] = {
        "accepted": accepted, "allowed": sorted(policy.versions_allowed),
        "discouraged": sorted(policy.versions_discouraged), "not_probed": unprobed,
        "policy": policy.name}
    tolerated = policy.versions_allowed | policy.versions_discouraged
    if forbidden := [v for v in accepted if v not in tolerated]:
        return finding(ctx, Status.FAIL,
                       f"accepts {', '.join(forbidden)}, which {policy.name} does not allow",
                       evidence | {FORBIDDEN: forbidden})
    if unknown := _unknown_outside(unprobed, tolerated):
        return not_probed_with(ctx, f"protocol version(s) {', '.join(unknown)}",
                               evidence)
    if discouraged := [v for v in accepted if v in policy.versions_discouraged]:
        return finding(ctx, Status.WARN,
                       f"accepts {', '.join(discouraged)}, which {policy.name} discourages",
                       evidence | {DISCOURAGED_ACCEPTED: discouraged})
    return finding(ctx, Status.PASS,
                   f"accepts only versions {policy.name} allows ({', '.join(accepted)})"
                   + _unprobed_note(unprobed), evidence)


@rule("TLS-011")
def tls_011(ctx: EndpointContext) -> Finding:
    """docs/inventory.md: the `sec_protocol` table — "at least one, none outside"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    sec_protocol = ctx.port.tls.sec_protocol
    if sec_protocol is None:
        return skipped(ctx, "no sec_protocol given in the inventory")
    expected = SEC_PROTOCOL_VERSIONS[sec_protocol]
    accepted, unprobed = _versions(ctx.observation)
    evidence: dict[str, Any] = {"sec_protocol": sec_protocol.value, "expected": sorted(expected),
                                "accepted": accepted, "not_probed": unprobed}
    label = f'sec_protocol "{sec_protocol.value}"'
    if outside := [v for v in accepted if v not in expected]:
        return finding(ctx, Status.FAIL,
                       f"accepts {', '.join(outside)}, outside what {label} allows "
                       f"({', '.join(sorted(expected))})", evidence | {OUTSIDE: outside})
    if unknown := _unknown_outside(unprobed, expected):
        return not_probed_with(ctx, f"protocol version(s) {', '.join(unknown)}",
                               evidence)
    if not accepted:
        if unknown_expected := [v for v in unprobed if v in expected]:
            return not_probed_with(ctx,
                                   f"protocol version(s) {', '.join(unknown_expected)}", evidence)
        return finding(ctx, Status.FAIL,
                       f"accepts none of the versions {label} expects", evidence)
    return finding(ctx, Status.PASS,
                   f"accepts {', '.join(accepted)}, as {label} says" + _unprobed_note(unprobed),
                   evidence)


@rule("TLS-012")
def tls_012(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "Every version the policy requires is accepted"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    required = ctx.policy.versions_required
    if not required:
        return skipped(ctx, f"policy {ctx.policy.name} requires no version")
    obs = ctx.observation
    evidence: dict[str, Any] = {"required": sorted(required),
                                "accepted": list(obs.accepted_versions())}
    if refused := sorted(v for v in required if obs.protocol(v) is False):
        return finding(ctx, Status.FAIL,
                       f"does not accept {', '.join(refused)}, which {ctx.policy.name} requires",
                       evidence | {"missing": refused})
    if unknown := sorted(v for v in required if obs.protocol(v) is None):
        return not_probed_with(ctx, f"protocol version(s) {', '.join(unknown)}",
                               evidence)
    return finding(ctx, Status.PASS,
                   f"accepts every version {ctx.policy.name} requires", evidence)


def _unprobed_note(unprobed: list[str]) -> str:
    return f" ({', '.join(unprobed)} not probed)" if unprobed else ""
