"""A plain issuer-by-issuer walk of a chain, to say *why* cryptography's verifier refused it.

cryptography's ``VerificationError`` reads "candidates exhausted: …" in Rust debug notation
and does not tell "nobody trusted issued this" (UNTRUSTED) from "an intermediate expired" or
"a signature is wrong" (INVALID). This walk follows issuer names from the leaf, checking each
signature and each issuer's validity and CA constraints, and names the first defect.
It also verifies SHA-1/MD5 signatures, which the WebPKI verifier refuses by policy: a weak
algorithm is TLS-033's finding, so TLS-031 must still see whether the chain holds together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from hatls.x509._facts import extension_value, is_self_issued, name_text, signature_verifies


@dataclass(frozen=True, slots=True, kw_only=True)
class Walk:
    path: tuple[x509.Certificate, ...]  # leaf first; ends at an anchor when ``defect`` is None
    defect: str | None = None
    untrusted: bool = False  # the defect is "no path to a trusted CA", not a broken certificate


def who(cert: x509.Certificate) -> str:
    """A certificate's subject, short enough for a message."""
    return name_text(cert.subject, 200) or "<empty subject>"


def _issuer_among(
    child: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> tuple[x509.Certificate | None, bool]:
    """(the candidate whose key signed ``child``, whether any candidate bears the issuer name)."""
    named = [cert for cert in candidates if cert.subject == child.issuer]
    signer = next((cert for cert in named if signature_verifies(child, cert)), None)
    return signer, bool(named)


def _validity_defect(cert: x509.Certificate, role: str, when: datetime) -> str | None:
    if when > cert.not_valid_after_utc:
        return f"the {role} {who(cert)} expired on {cert.not_valid_after_utc.isoformat()}"
    if when < cert.not_valid_before_utc:
        return f"the {role} {who(cert)} is not valid before {cert.not_valid_before_utc.isoformat()}"
    return None


def _ca_defect(issuer: x509.Certificate, role: str, intermediates_below: int) -> str | None:
    try:
        constraints = extension_value(issuer, x509.BasicConstraints)
        usage = extension_value(issuer, x509.KeyUsage)
    except ValueError as error:
        return f"the {role} {who(issuer)} has undecodable extensions ({error})"
    if constraints is None or not constraints.ca:
        return f"the {role} {who(issuer)} issues certificates but is not a CA (basicConstraints)"
    if usage is not None and not usage.key_cert_sign:
        return f"the {role} {who(issuer)} issues certificates but its keyUsage lacks keyCertSign"
    limit = constraints.path_length
    if limit is not None and intermediates_below > limit:
        return f"the {role} {who(issuer)} allows {limit} intermediate(s) below it (pathLen)"
    return None


def _issuer_defect(
    issuer: x509.Certificate, path: Sequence[x509.Certificate], role: str, when: datetime
) -> str | None:
    if issuer == path[0]:  # a self-signed leaf trusted as it is: no CA duties to check
        return None
    return _validity_defect(issuer, role, when) or _ca_defect(issuer, role, len(path) - 1)


def _no_issuer(current: x509.Certificate, path: tuple[x509.Certificate, ...], named: bool) -> Walk:
    if named:
        return Walk(
            path=path,
            defect=f"the signature of {who(current)} does not verify with its issuer's key",
        )
    if is_self_issued(current) and signature_verifies(current, current):
        message = f"the self-signed certificate {who(current)} is not among the trusted CAs"
    else:
        issuer = name_text(current.issuer, 200)
        message = f"the issuer {issuer} of {who(current)} was neither sent nor trusted"
    return Walk(path=path, defect=message, untrusted=True)


def walk_chain(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], when: datetime
) -> Walk:
    """Follow issuers from ``chain[0]`` to an anchor at ``when``; the first defect stops it."""
    path: list[x509.Certificate] = [chain[0]]
    # Each step adds a certificate not yet on the path, so this ends.
    for _ in range(len(chain) + 1):
        current = path[-1]
        anchor, anchor_named = _issuer_among(current, anchors)
        if anchor is not None:
            defect = _issuer_defect(anchor, path, "trusted CA", when)
            return Walk(path=(*path, anchor), defect=defect)
        spare = [cert for cert in chain[1:] if cert not in path]
        parent, parent_named = _issuer_among(current, spare)
        if parent is None:
            return _no_issuer(current, tuple(path), anchor_named or parent_named)
        defect = _issuer_defect(parent, path, "intermediate", when)
        path.append(parent)
        if defect is not None:
            return Walk(path=tuple(path), defect=defect)
    return Walk(path=tuple(path), defect="the chain does not lead to a trusted CA", untrusted=True)
