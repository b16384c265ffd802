"""TLS-040 … TLS-045: client authentication and protocol features of the handshake.

Features the probes did not look at are None: the rule then says skipped "not-probed".
"""

from __future__ import annotations

from typing import Any

from hatls.findings import Finding, Status
from hatls.rules._common import not_probed, skipped, tls_gate
from hatls.rules._context import EndpointContext
from hatls.rules._rule import rule
from hatls.rules.endpoint._support import accepts_only_tls13, finding, not_probed_with, tls12_suites
from hatls.tls.protocol import ProtocolVersion
from hatls.tls.suites import lookup

_ONLY_TLS13 = "only TLS 1.3 is accepted"


@rule("TLS-040")
def tls_040(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "A client certificate is requested and required exactly when `tls_mutual` is
    expected for the port; the CA names it advertises include the pair's CA"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    auth = ctx.observation.client_auth
    if auth is None:
        return not_probed(ctx, "the client-certificate request")
    expected = ctx.port.tls.tls_mutual
    evidence: dict[str, Any] = {"tls_mutual": expected, "requested": auth.requested,
                                "required": auth.required, "ca_names": list(auth.ca_names)}
    if not expected:
        if auth.requested:
            return finding(ctx, Status.FAIL, "requests a client certificate although "
                           "tls_mutual is not expected for this port", evidence)
        return finding(ctx, Status.PASS,
                       "requests no client certificate, as expected", evidence)
    if not auth.requested:
        return finding(ctx, Status.FAIL, "tls_mutual is expected but no client "
                       "certificate is requested", evidence)
    if auth.required is None:
        return not_probed_with(ctx, "whether a client certificate is required",
                               evidence)
    if not auth.required:
        return finding(ctx, Status.FAIL, "requests a client certificate but completes "
                       "the handshake without one (tls_mutual expects it required)", evidence)
    return _advertised_names(ctx, evidence)


def _advertised_names(ctx: EndpointContext, evidence: dict[str, Any]) -> Finding:
    """RFC 8446 §4.2.4: certificate_authorities "indicate the certificate authorities which an
    endpoint supports"; the partner picks its certificate from them after a failover."""
    names = evidence["ca_names"]
    # "Whose CA": the pair's trusted_ca, empty = the scan's.
    pair_cas = sorted({ca.subject.rfc4514_string() for ca in ctx.trust.pair or ctx.trust.scan})
    evidence = evidence | {"pair_ca": pair_cas[:20]}
    if not names:
        return finding(ctx, Status.WARN, "requires a client certificate but advertises "
                       "no CA names", evidence)
    if pair_cas and not set(pair_cas) & set(names):
        return finding(ctx, Status.FAIL, "requires a client certificate but does not "
                       "advertise the pair's CA", evidence)
    return finding(ctx, Status.PASS,
                   "requests and requires a client certificate and advertises the pair's CA",
                   evidence)


@rule("TLS-041")
def tls_041(ctx: EndpointContext) -> Finding:
    """RFC 5746 §4.3: servers "MUST" support secure renegotiation; RFC 9325 §3.5 also asks to
    refuse client-initiated renegotiation."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    obs = ctx.observation
    if accepts_only_tls13(obs):
        return skipped(ctx, _ONLY_TLS13)
    secure, client = obs.features.secure_renegotiation, obs.features.client_renegotiation
    evidence = {"secure_renegotiation": secure, "client_renegotiation": client}
    problems = ["secure renegotiation (RFC 5746) is not supported"] if secure is False else []
    if client is True:
        problems.append("client-initiated renegotiation is accepted")
    if problems:
        return finding(ctx, Status.FAIL, "; ".join(problems), evidence)
    if secure is None or client is None:
        what = "secure renegotiation" if secure is None else "client-initiated renegotiation"
        return not_probed_with(ctx, what, evidence)
    return finding(ctx, Status.PASS, "renegotiation is secure and client-initiated "
                   "renegotiation is refused", evidence)


@rule("TLS-042")
def tls_042(ctx: EndpointContext) -> Finding:
    """RFC 9325 §3.3: "implementations and deployments SHOULD disable TLS-level compression"."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    compression = ctx.observation.features.compression
    evidence = {"compression": compression}
    if compression is None:
        return not_probed_with(ctx, "TLS compression", evidence)
    if compression:
        return finding(ctx, Status.FAIL, "negotiates TLS compression (CRIME)", evidence)
    return finding(ctx, Status.PASS, "TLS compression is off", evidence)


@rule("TLS-043")
def tls_043(ctx: EndpointContext) -> Finding:
    """RFC 7507 §3: a server that receives TLS_FALLBACK_SCSV below its highest version "MUST
    respond with a fatal inappropriate_fallback alert". What matters to a client is the abort: an
    alert or a close refuses the downgrade; only a ServerHello for the lower version ignores it."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    when = ctx.policy.option(ctx.rule, "when")
    applies = _fallback_applies(ctx, when)
    obs = ctx.observation
    evidence = {"when": when, "accepted": list(obs.accepted_versions()),
                "fallback_scsv": obs.features.fallback_scsv,
                "seen": obs.fallback_scsv_evidence}
    if applies is None:
        return not_probed_with(ctx, "the accepted protocol versions", evidence)
    if not applies:
        reason = "a single version is accepted" if when == "several-versions" else \
            "no version below TLS 1.2 is accepted without TLS 1.3"
        return skipped(ctx, f"{reason} (policy condition {when!r})")
    if obs.features.fallback_scsv is None and obs.fallback_scsv_evidence is not None:
        # Both hellos were sent, and their answers decide nothing: could not be checked.
        return finding(ctx, Status.ERROR, "TLS_FALLBACK_SCSV could not be judged: "
                       f"{obs.fallback_scsv_evidence}", evidence)
    if obs.features.fallback_scsv is None:
        return not_probed_with(ctx, "TLS_FALLBACK_SCSV", evidence)
    if not obs.features.fallback_scsv:
        return finding(ctx, Status.FAIL, "ignores TLS_FALLBACK_SCSV (downgrade "
                       f"protection missing){_seen_as(obs.fallback_scsv_evidence)}", evidence)
    return finding(ctx, Status.PASS,
                   f"honours TLS_FALLBACK_SCSV{_seen_as(obs.fallback_scsv_evidence)}", evidence)


def _seen_as(seen: str | None) -> str:
    return "" if seen is None else f": {seen}"


def _fallback_applies(ctx: EndpointContext, when: str) -> bool | None:
    """Whether the policy's condition holds; None when the versions probed cannot tell."""
    obs = ctx.observation
    versions = tuple(ProtocolVersion)[1:]   # SSLv2 is no fallback anybody negotiates
    known = {v: obs.protocol(v) for v in versions}
    if when == "several-versions":
        accepted = sum(1 for v in versions if known[v])
        if accepted >= 2:
            return True
        return None if any(known[v] is None for v in versions[1:]) else False
    # NIST SP 800-52r2 §3.4: "if the server supports versions below TLS 1.2 and not TLS 1.3".
    ssl3, tls10, tls11, tls13 = (ProtocolVersion.SSL3, ProtocolVersion.TLS1_0, ProtocolVersion.TLS1_1,
                                 ProtocolVersion.TLS1_3)
    below = [known[v] for v in (ssl3, tls10, tls11)]
    if known[tls13] is True or (known[tls10] is False and known[tls11] is False
                                and known[ssl3] is not True):
        return False
    if any(below) and known[tls13] is False:
        return True
    return None


@rule("TLS-044")
def tls_044(ctx: EndpointContext) -> Finding:
    """RFC 7627 §5.3: a server SHOULD negotiate the extended master secret (TLS ≤ 1.2)."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    obs = ctx.observation
    if accepts_only_tls13(obs):
        return skipped(ctx, _ONLY_TLS13)
    ems = obs.features.extended_master_secret
    evidence = {"extended_master_secret": ems}
    if ems is None:
        return not_probed_with(ctx, "Extended Master Secret", evidence)
    if not ems:
        return finding(ctx, Status.FAIL, "does not negotiate Extended Master Secret "
                       "on TLS ≤ 1.2", evidence)
    return finding(ctx, Status.PASS, "negotiates Extended Master Secret", evidence)


@rule("TLS-045")
def tls_045(ctx: EndpointContext) -> Finding:
    """RFC 7366 §2: with a CBC suite, Encrypt-then-MAC replaces MAC-then-encrypt (padding
    oracles); docs/rules.md asks for it whenever a CBC suite is accepted."""
    if (gated := tls_gate(ctx)) is not None:
        return gated
    obs = ctx.observation
    if obs.ciphers is None:
        return not_probed(ctx, "cipher suite enumeration")
    cbc = sorted({name for _v, name in tls12_suites(obs) if (s := lookup(name)) and s.is_cbc})
    if not cbc:
        return skipped(ctx, "no CBC suite is accepted")
    etm = obs.features.encrypt_then_mac
    evidence = {"cbc_suites": cbc, "encrypt_then_mac": etm}
    if etm is None:
        return not_probed_with(ctx, "Encrypt-then-MAC", evidence)
    if not etm:
        return finding(ctx, Status.FAIL, "accepts CBC suites without Encrypt-then-MAC",
                       evidence)
    return finding(ctx, Status.PASS, "negotiates Encrypt-then-MAC with CBC suites",
                   evidence)
