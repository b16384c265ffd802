"""TLS-032 … TLS-036: whose certificate it is, and how strong and fit for purpose it is."""

from __future__ import annotations

from typing import Any

from hatls.findings import Finding, Status
from hatls.observations import EndpointObservation
from hatls.rules._common import skipped
from hatls.rules._context import EndpointContext
from hatls.rules._rule import rule
from hatls.rules.endpoint._support import certificate_summary, finding, leaf_or_finding
from hatls.tls.groups import group_by_name
from hatls.x509 import (
    CertificateFacts,
    NameMatch,
    certificate_of,
    fingerprint_matches,
    match_host,
    normalize_thumbprint,
    thumbprint_algorithm,
)

_NAME_STATUS = {NameMatch.MATCH: Status.PASS, NameMatch.CN_ONLY: Status.WARN,
                NameMatch.MISMATCH: Status.FAIL}
_WEAK_HASHES = frozenset({"md2", "md5", "sha1"})
_SERVER_AUTH, _ANY_EKU = "serverAuth", "anyExtendedKeyUsage"


@rule("TLS-032")
def tls_032(ctx: EndpointContext) -> Finding:
    """RFC 6125 §6.4.4: "a client MUST NOT seek a match for a reference identifier of CN-ID if the
    presented identifiers include a DNS-ID" — SANs decide; a CN-only match is a warning."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    if not ctx.observation.expected.name_check:
        return skipped(ctx, "tls_target_name_check is off for this port")
    verdict, detail = match_host(certificate_of(leaf), ctx.server.host)
    evidence = certificate_summary(leaf) | {"host": ctx.server.host, "san": list(leaf.san),
                                            "match": verdict.value, "detail": detail}
    message = {NameMatch.MATCH: f"certificate names {ctx.server.host}",
               NameMatch.CN_ONLY: f"certificate names {ctx.server.host} in its CN only (no SAN)",
               NameMatch.MISMATCH: f"certificate does not name {ctx.server.host}"}[verdict]
    return finding(ctx, _NAME_STATUS[verdict], f"{message}: {detail}", evidence)


@rule("TLS-033")
def tls_033(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "leaf key type and size, EC curve, signature algorithm (leaf list), and no
    MD5/SHA-1 signature in the chain below the anchor"."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    problems = [*_key_problems(ctx, leaf), *_weak_chain_signatures(ctx.observation)]
    rules = ctx.policy.certificate
    if leaf.signature_algorithm not in rules.signatures:
        problems.append(f"leaf signature {leaf.signature_algorithm} is not in the "
                        f"{ctx.policy.name} list")
    evidence: dict[str, Any] = certificate_summary(leaf) | {
        "key_type": leaf.key_type, "key_bits": leaf.key_bits, "key_curve": leaf.key_curve,
        "signature_algorithm": leaf.signature_algorithm,
        "chain_signatures": [f.signature_algorithm for f in ctx.observation.chain],
        "problems": problems}
    if problems:
        return finding(ctx, Status.FAIL, "; ".join(problems), evidence)
    return finding(ctx, Status.PASS,
                   f"key and signatures meet {ctx.policy.name}", evidence)


def _key_problems(ctx: EndpointContext, leaf: CertificateFacts) -> list[str]:
    rules, name = ctx.policy.certificate, ctx.policy.name
    if leaf.key_type not in rules.types:
        return [f"leaf key type {leaf.key_type} is not allowed by {name} "
                f"({', '.join(sorted(rules.types))})"]
    bits = leaf.key_bits or 0
    if leaf.key_type == "RSA" and bits < rules.rsa_min_bits:
        return [f"RSA key of {bits} bits (minimum {rules.rsa_min_bits})"]
    if leaf.key_type != "EC":
        return []
    group = group_by_name(leaf.key_curve or "")
    curve = group.iana_name if group else leaf.key_curve
    problems = [] if curve in rules.curves else [f"EC curve {curve} is not allowed by {name}"]
    if bits < rules.ec_min_bits:
        problems.append(f"EC key of {bits} bits (minimum {rules.ec_min_bits})")
    return problems


def _weak_chain_signatures(obs: EndpointObservation) -> list[str]:
    """MD5/SHA-1 signatures below the anchor: a self-signed root's own signature does not count
    (nobody verifies it; trust in it is by configuration)."""
    return [f"{facts.subject} is signed with {facts.signature_algorithm}"
            for index, facts in enumerate(obs.chain)
            if not (index > 0 and facts.self_signed) and facts.signature_hash in _WEAK_HASHES]


@rule("TLS-034")
def tls_034(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "The certificate is the expected one, where a `thumbprint` is given (SHA-1 or
    SHA-256)"."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    thumbprint = ctx.observation.expected.thumbprint
    if not thumbprint:
        return skipped(ctx, "no thumbprint given in the inventory")
    algorithm = thumbprint_algorithm(thumbprint)
    evidence = certificate_summary(leaf) | {"expected": thumbprint, "algorithm": algorithm,
                                            "sha1": leaf.sha1}
    if algorithm is None:
        return finding(ctx, Status.ERROR,
                       "the expected thumbprint is neither SHA-1 (40 hex) nor SHA-256 (64 hex)",
                       evidence)
    actual = leaf.sha1 if algorithm == "sha1" else leaf.sha256
    if fingerprint_matches(leaf, thumbprint):
        return finding(ctx, Status.PASS,
                       f"certificate has the expected {algorithm.upper()} thumbprint", evidence)
    return finding(ctx, Status.FAIL,
                   f"certificate is not the expected one: {algorithm.upper()} thumbprint "
                   f"{actual} instead of {normalize_thumbprint(thumbprint)}", evidence)


def _pinned(ctx: EndpointContext, leaf: CertificateFacts) -> bool:
    """Whether the inventory pins this leaf by its thumbprint (TLS-034 would pass)."""
    thumbprint = ctx.observation.expected.thumbprint
    return bool(thumbprint) and thumbprint_algorithm(thumbprint or "") is not None and \
        fingerprint_matches(leaf, thumbprint or "")


@rule("TLS-035")
def tls_035(ctx: EndpointContext) -> Finding:
    """RFC 5280 §4.2.1.12: "If the extension is present, then the certificate MUST only be used
    for one of the purposes indicated"; no extension means no restriction."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    rules = ctx.policy.certificate
    evidence = certificate_summary(leaf) | {"eku": None if leaf.eku is None else list(leaf.eku),
                                            "eku_required": rules.eku_required,
                                            "any_eku_forbidden": rules.any_eku_forbidden}
    if leaf.eku is None:
        status = Status.WARN if rules.eku_required else Status.PASS
        return finding(ctx, status,
                       "certificate has no Extended Key Usage extension"
                       + (f" ({ctx.policy.name} requires one)" if rules.eku_required else ""),
                       evidence)
    if _ANY_EKU in leaf.eku and rules.any_eku_forbidden:
        return finding(ctx, Status.FAIL,
                       f"certificate carries anyExtendedKeyUsage, which {ctx.policy.name} forbids",
                       evidence)
    if _SERVER_AUTH in leaf.eku or _ANY_EKU in leaf.eku:
        return finding(ctx, Status.PASS,
                       "certificate allows server authentication", evidence)
    return finding(ctx, Status.FAIL,
                   f"certificate does not allow server authentication (EKU: "
                   f"{', '.join(leaf.eku) or 'empty'})", evidence)


@rule("TLS-036")
def tls_036(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "The leaf is not self-signed; a self-signed leaf whose `thumbprint` is pinned is
    `pass`"."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    evidence = certificate_summary(leaf) | {"self_signed": leaf.self_signed}
    if not leaf.self_signed:
        return finding(ctx, Status.PASS, "certificate is CA-issued", evidence)
    if _pinned(ctx, leaf):
        return finding(ctx, Status.PASS,
                       "certificate is self-signed and pinned by its thumbprint",
                       evidence | {"pinned": True})
    return finding(ctx, Status.FAIL,
                   "certificate is self-signed and not pinned by a thumbprint",
                   evidence | {"pinned": False})
