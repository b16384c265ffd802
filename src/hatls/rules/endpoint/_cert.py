"""TLS-030, TLS-031, TLS-037, TLS-038: the certificate's time and trust.

"Now" is ``ctx.now``, the scan's start time, so a report judged again later gives the same
findings (docs/report.md). Each rule first takes the leaf through ``leaf_or_finding``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hatls.findings import Finding, Status
from hatls.rules._common import served_chain, skipped
from hatls.rules._context import EndpointContext
from hatls.rules._rule import rule
from hatls.rules.endpoint._support import certificate_summary, finding, leaf_or_finding, rfc3339
from hatls.x509 import ChainStatus, CrlStatus, crl_status, validate_chain

_CHAIN_STATUS = {
    ChainStatus.VALID: Status.PASS,
    ChainStatus.INCOMPLETE: Status.WARN,
    ChainStatus.OUT_OF_ORDER: Status.WARN,
    ChainStatus.UNTRUSTED: Status.FAIL,
    ChainStatus.INVALID: Status.FAIL,
    ChainStatus.EMPTY: Status.ERROR,
}
_CRL_STATUS = {
    CrlStatus.GOOD: Status.PASS,
    CrlStatus.REVOKED: Status.FAIL,
    CrlStatus.NOT_COVERED: Status.WARN,
    CrlStatus.CRL_INVALID: Status.ERROR,
}


@rule("TLS-030")
def tls_030(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "The leaf certificate is within its validity period at scan time; one that
    expires within `min_days_valid` is `warn`" (the inventory's value, where given, wins)."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    expected = ctx.observation.expected.min_days_valid
    min_days = ctx.policy.certificate.min_days_valid if expected is None else expected
    left = leaf.not_after - ctx.now
    evidence: dict[str, Any] = certificate_summary(leaf) | {
        "not_before": rfc3339(leaf.not_before), "not_after": rfc3339(leaf.not_after),
        "now": rfc3339(ctx.now), "days_left": left.days, "min_days_valid": min_days}
    if ctx.now < leaf.not_before:
        return finding(ctx, Status.FAIL,
                       f"certificate is not valid before {rfc3339(leaf.not_before)}", evidence)
    if ctx.now > leaf.not_after:
        return finding(ctx, Status.FAIL,
                       f"certificate expired on {rfc3339(leaf.not_after)}", evidence)
    if left < timedelta(days=min_days):
        return finding(ctx, Status.WARN,
                       f"certificate expires in {left.days} day(s), on {rfc3339(leaf.not_after)} "
                       f"(warning below {min_days} days)", evidence)
    return finding(ctx, Status.PASS,
                   f"certificate is valid until {rfc3339(leaf.not_after)}", evidence)


@rule("TLS-031")
def tls_031(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "The chain sent validates to a trusted CA … An intermediate missing from the
    chain but found in `trusted_ca` is `warn` …; an out-of-order chain is `warn`"."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    obs = ctx.observation
    evidence: dict[str, Any] = {
        "chain": [facts.subject for facts in obs.chain], "anchors": len(ctx.trust.scan),
        "chain_problems": list(obs.chain_problems)}
    if not ctx.trust.scan:
        return finding(ctx, Status.ERROR,
                       "no trust anchors to validate against ([scan].trusted_ca is empty and no "
                       "system store was found)", evidence)
    verdict = validate_chain(served_chain(obs), ctx.trust.scan, at=ctx.now)
    evidence |= {"status": verdict.status.value, "detail": verdict.message,
                 "path": list(verdict.path)}
    return finding(ctx, _CHAIN_STATUS[verdict.status],
                   f"chain {verdict.status.value}: {verdict.message}", evidence)


@rule("TLS-037")
def tls_037(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "The leaf's lifespan (notAfter − notBefore) is at most the policy's
    `max_lifespan_days`"."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    limit = ctx.policy.certificate.max_lifespan_days
    if limit is None:
        return skipped(ctx, f"policy {ctx.policy.name} sets no lifespan limit")
    # Whole days, as sslyze counts them: a 90-day certificate ending at 23:59:59 is 90 days.
    days = (leaf.not_after - leaf.not_before).days
    evidence = certificate_summary(leaf) | {"lifespan_days": days, "max_lifespan_days": limit,
                                            "not_before": rfc3339(leaf.not_before),
                                            "not_after": rfc3339(leaf.not_after)}
    if days > limit:
        return finding(ctx, Status.FAIL,
                       f"certificate lifespan is {days} days (at most {limit})", evidence)
    return finding(ctx, Status.PASS,
                   f"certificate lifespan is {days} days (at most {limit})", evidence)


@rule("TLS-038")
def tls_038(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "No certificate of the served chain is revoked by the configured `tls_crl`"."""
    leaf = leaf_or_finding(ctx)
    if isinstance(leaf, Finding):
        return leaf
    crl = ctx.port.tls.tls_crl
    if crl is None:
        return skipped(ctx, "no tls_crl configured")
    # The CRL's signer may be a CA the chain does not carry (the root): offer every known CA.
    issuers = (*ctx.trust.pair, *ctx.trust.scan)
    verdict = crl_status(served_chain(ctx.observation), crl.text.encode(), at=ctx.now,
                         issuers=issuers)
    evidence = {"tls_crl": crl.path, "status": verdict.status.value, "detail": verdict.message,
                "checked": list(verdict.checked), "revoked": list(verdict.revoked)}
    return finding(ctx, _CRL_STATUS[verdict.status],
                   f"CRL {verdict.status.value}: {verdict.message}", evidence)
