"""TLS-020, TLS-021, TLS-022: cipher suites, forward secrecy and key-exchange strength.

They read the enumeration (``ciphers``, ``groups``, ``key_exchange``): while it has not run those
are None and the rules say skipped "not-probed" — never pass.
"""

from __future__ import annotations

from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import CipherList
from hatls.objections import OFFENDING, WITHOUT_FORWARD_SECRECY
from hatls.rules._common import not_probed, skipped, tls_gate
from hatls.rules._context import EndpointContext
from hatls.rules._rule import rule
from hatls.rules.endpoint._support import TLS13, finding, iana, not_probed_with, tls12_suites
from hatls.tls.groups import GroupKind, group_by_name
from hatls.tls.suites import lookup

_EC_KINDS = frozenset({GroupKind.EC, GroupKind.ECX, GroupKind.HYBRID_PQ})


@rule("TLS-020")
def tls_020(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "Every accepted cipher suite is in the policy's allow-list for its version …
    and in `cipher_list` where that is set. Evidence names each offending suite and version"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    obs = ctx.observation
    if obs.ciphers is None:
        return not_probed(ctx, "cipher suite enumeration")
    limit = ctx.port.tls.cipher_list
    offending = [
        {"version": version, "suite": name, "reasons": reasons}
        for version, names in obs.ciphers for name in map(iana, names)
        if (reasons := _suite_problems(ctx, version, name, limit))
    ]
    evidence: dict[str, Any] = {
        "accepted": {version: [iana(n) for n in names] for version, names in obs.ciphers},
        "policy": ctx.policy.name,
        "cipher_list": None if limit is None else {"form": limit.form, "text": limit.text},
    }
    if offending:
        shown = ", ".join(f"{o['suite']} ({o['version']})" for o in offending[:5])
        more = f" and {len(offending) - 5} more" if len(offending) > 5 else ""
        return finding(ctx, Status.FAIL,
                       f"accepts {len(offending)} suite(s) not allowed: {shown}{more}",
                       evidence | {OFFENDING: offending})
    return finding(ctx, Status.PASS, "accepts only allowed cipher suites", evidence)


def _suite_problems(ctx: EndpointContext, version: str, name: str,
                    limit: CipherList | None) -> list[str]:
    tls13 = version == TLS13
    allowed = ctx.policy.tls13_suites if tls13 else ctx.policy.tls12_suites
    limited = None if limit is None else (limit.tls13 if tls13 else limit.tls12)
    reasons = [] if name in allowed else [f"not in the {ctx.policy.name} allow-list"]
    if limited is not None and name not in limited:
        reasons.append(f"not in cipher_list ({limit.form if limit else ''})")
    return reasons


@rule("TLS-021")
def tls_021(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "Every accepted TLS ≤ 1.2 suite has forward secrecy (ECDHE or DHE)"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    mode = ctx.policy.forward_secrecy
    if mode == "off":
        return skipped(ctx, f"policy {ctx.policy.name} does not require forward secrecy")
    obs = ctx.observation
    if obs.ciphers is None:
        return not_probed(ctx, "cipher suite enumeration")
    accepted = tls12_suites(obs)
    if not accepted:
        return skipped(ctx, "no TLS ≤ 1.2 suite is accepted (TLS 1.3 is always "
                       "forward secret)")
    static = [{"version": v, "suite": name} for v, name in accepted
              if (suite := lookup(name)) is None or not suite.forward_secret]
    evidence: dict[str, Any] = {"checked": len(accepted), "policy_forward_secrecy": mode}
    if static:
        status = Status.WARN if mode == "warn" else Status.FAIL
        names = sorted({s["suite"] for s in static})
        return finding(ctx, status,
                       f"accepts suites without forward secrecy: {', '.join(names)}",
                       evidence | {WITHOUT_FORWARD_SECRECY: static})
    return finding(ctx, Status.PASS,
                   "every accepted TLS ≤ 1.2 suite has forward secrecy", evidence)


@rule("TLS-022")
def tls_022(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "DH groups ≥ its `dh_min_bits`, ECDH ≥ its `ecdh_min_bits`, every accepted named
    group in its allow-list (where it has one), and at least one of its required groups"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    obs = ctx.observation
    kx = obs.key_exchange
    if obs.groups is None and kx.dh_min_bits is None and kx.ecdh_min_bits is None:
        return not_probed(ctx, "named groups and key-exchange sizes")
    failures, warnings = _key_exchange_problems(ctx)
    if obs.groups is not None:
        more_failures, more_warnings = _group_problems(ctx, obs.groups)
        failures += more_failures
        warnings += more_warnings
    evidence: dict[str, Any] = {
        "groups": None if obs.groups is None else list(obs.groups),
        "groups_by_version": None if obs.groups_by_version is None
        else {v: list(names) for v, names in obs.groups_by_version},
        "key_exchange": {"dh_min_bits": kx.dh_min_bits, "ecdh_min_bits": kx.ecdh_min_bits},
        "policy": {"dh_min_bits": ctx.policy.dh_min_bits,
                   "ecdh_min_bits": ctx.policy.ecdh_min_bits,
                   "allowed": None if ctx.policy.groups_allowed is None
                   else sorted(ctx.policy.groups_allowed),
                   "required_any": sorted(ctx.policy.groups_required_any)},
        "problems": failures, "warnings": warnings}
    if failures:
        return finding(ctx, Status.FAIL, "; ".join(failures), evidence)
    if obs.groups is None:
        return not_probed_with(ctx, "named group enumeration", evidence)
    if warnings:
        return finding(ctx, Status.WARN, "; ".join(warnings), evidence)
    return finding(ctx, Status.PASS,
                   f"key exchange is as strong as {ctx.policy.name} requires", evidence)


def _key_exchange_problems(ctx: EndpointContext) -> tuple[list[str], list[str]]:
    kx, policy = ctx.observation.key_exchange, ctx.policy
    failures = []
    if policy.dh_min_bits and kx.dh_min_bits is not None and kx.dh_min_bits < policy.dh_min_bits:
        failures.append(f"DH key exchange of {kx.dh_min_bits} bits (minimum "
                        f"{policy.dh_min_bits})")
    if policy.ecdh_min_bits and kx.ecdh_min_bits is not None and \
            kx.ecdh_min_bits < policy.ecdh_min_bits:
        failures.append(f"ECDH key exchange of {kx.ecdh_min_bits} bits (minimum "
                        f"{policy.ecdh_min_bits})")
    return failures, []


def _group_problems(ctx: EndpointContext, groups: tuple[str, ...]) -> tuple[list[str], list[str]]:
    policy = ctx.policy
    failures: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for name in groups:
        group = group_by_name(name)
        if group is None:
            if policy.groups_allowed is not None:
                failures.append(f"group {name} is not in the {policy.name} allow-list")
            continue
        seen.add(group.iana_name)
        # Groups compare by their nominal size: X25519 = 256, a hybrid as its classical part.
        floor = policy.dh_min_bits if group.kind is GroupKind.FFDH else \
            policy.ecdh_min_bits if group.kind in _EC_KINDS else None
        if floor is not None and group.bits < floor:
            failures.append(f"group {group.iana_name} has {group.bits} bits (minimum {floor})")
        elif group.iana_name in policy.groups_discouraged:
            warnings.append(f"group {group.iana_name} is discouraged by {policy.name}")
        elif policy.groups_allowed is not None and group.iana_name not in policy.groups_allowed:
            failures.append(f"group {group.iana_name} is not in the {policy.name} allow-list")
    required = policy.groups_required_any
    if required and not required & seen:
        failures.append(f"accepts none of the groups {policy.name} requires "
                        f"({', '.join(sorted(required))})")
    return failures, warnings
