"""Does the served chain validate to a trusted CA? (TLS-031)

docs/rules.md: "signatures, validity, CA constraints. An intermediate missing from the chain but
found in trusted_ca is warn (incomplete chain); an out-of-order chain is warn (TLS 1.3
requires only the leaf first). Names and EKU are not this rule's (TLS-032, TLS-035): use
cryptography's verifier with relaxed extension policies so one defect is one finding."

How the verdict is reached:
- cryptography's ``PolicyBuilder`` with the validation time as an explicit input and a
  *client* verifier (a server verifier insists on a subject name). The EE extension policy
  permits everything; the CA policy still requires basicConstraints (cryptography then checks
  cA and pathLen) and, where keyUsage is present, keyCertSign. EKU is nobody's business here.
- Leaf dates are TLS-030's: when the leaf is outside its validity at ``at``, the chain is
  validated at the nearest moment inside it (``min(max(at, not_before), not_after)``) and the
  message says so. An expired leaf is thus one finding, and an expired intermediate is still
  this rule's.
- When cryptography refuses, ``walk_chain`` says why (UNTRUSTED or INVALID). If the walk finds
  the chain sound and the only refusal is the WebPKI algorithm profile (SHA-1/MD5 signature,
  RSA below 2048 bits, an unusual CA key type), the verdict follows the walk: weak algorithms
  are TLS-033's finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from hatls.x509._facts import bounded_text, is_self_issued, require_aware, sha256_hex
from hatls.x509._walk import walk_chain, who

_MAX_MESSAGE_CHARS = 1024

# cryptography's refusals that concern algorithm strength only (see the module docstring).
_PROFILE_REFUSALS = (
    "Forbidden signature algorithm",
    "Forbidden public key algorithm",
    "RSA key is too weak",
)


class ChainStatus(StrEnum):
    VALID = "valid"
    INCOMPLETE = "incomplete"
    OUT_OF_ORDER = "out-of-order"
    UNTRUSTED = "untrusted"
    INVALID = "invalid"
    EMPTY = "empty"


_PATH_FOUND = frozenset({ChainStatus.VALID, ChainStatus.INCOMPLETE, ChainStatus.OUT_OF_ORDER})


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainVerdict:
    status: ChainStatus
    message: str
    path: tuple[str, ...] = ()  # sha256 of the built path, leaf first, anchor last

    @property
    def builds(self) -> bool:
        """A path to a trusted CA exists. An incomplete chain (the intermediate found among the
        trusted CAs) or one out of order is TLS-031's warning, but a client holding the same CAs
        still builds the path: the one definition for GHA-005/006, the rehearsal and evidence."""
        return self.status in _PATH_FOUND


def _require_key_cert_sign(
    _policy: Policy, _cert: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is not None and not usage.key_cert_sign:
        raise ValueError("a CA's keyUsage must allow keyCertSign")


def _verify(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], when: datetime
) -> list[x509.Certificate]:
    ca_policy = (
        ExtensionPolicy.permit_all()
        .require_present(x509.BasicConstraints, Criticality.AGNOSTIC, None)
        .may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, _require_key_cert_sign)
    )
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors)))
        .time(when)
        .extension_policies(ca_policy=ca_policy, ee_policy=ExtensionPolicy.permit_all())
        .build_client_verifier()
    )
    return verifier.verify(chain[0], list(chain[1:])).chain


def validation_time(leaf: x509.Certificate, at: datetime) -> datetime:
    """``at``, moved to the nearest moment inside the leaf's validity when it lies outside."""
    return min(max(at, leaf.not_valid_before_utc), leaf.not_valid_after_utc)


def _verdict(
    status: ChainStatus, message: str, notes: Sequence[str] = (),
    path: Sequence[x509.Certificate] = (),
) -> ChainVerdict:
    if notes:
        message += " (" + "; ".join(notes) + ")"
    return ChainVerdict(
        status=status,
        message=bounded_text(message, _MAX_MESSAGE_CHARS),
        path=tuple(sha256_hex(cert) for cert in path),
    )


def _judge_path(
    chain: Sequence[x509.Certificate], path: Sequence[x509.Certificate], notes: list[str]
) -> ChainVerdict:
    """A path exists: is the chain as sent complete and in issuance order?"""
    anchor = path[-1]
    sent_path = [cert for cert in path if cert in chain]
    problems: list[str] = []
    status = ChainStatus.VALID
    if anchor not in chain and not is_self_issued(anchor):
        status = ChainStatus.INCOMPLETE
        problems.append(
            f"the intermediate {who(anchor)} was not sent; it was found among the trusted CAs"
        )
    if list(chain[: len(sent_path)]) != sent_path:
        status = ChainStatus.INCOMPLETE if problems else ChainStatus.OUT_OF_ORDER
        sent = " > ".join(who(cert) for cert in chain)
        problems.append(f"the certificates are not in issuance order (sent: {sent})")
    extra = len(chain) - len(sent_path)
    if extra:
        notes = [*notes, f"{extra} certificate(s) sent that are not part of the path"]
    summary = "; ".join(problems) if problems else f"the chain validates to {who(anchor)}"
    return _verdict(status, summary, notes, path)


def _diagnose(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], when: datetime,
    refusal: str, notes: list[str],
) -> ChainVerdict:
    walk = walk_chain(chain, anchors, when)
    if walk.defect is not None:
        status = ChainStatus.UNTRUSTED if walk.untrusted else ChainStatus.INVALID
        return _verdict(status, walk.defect, notes, walk.path)
    if any(marker in refusal for marker in _PROFILE_REFUSALS):
        notes = [*notes, "a weak signature or key algorithm is TLS-033's to judge"]
        return _judge_path(chain, walk.path, notes)
    message = f"the chain does not validate: {refusal}"
    return _verdict(ChainStatus.INVALID, message, notes, walk.path)


def validate_chain(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], *, at: datetime
) -> ChainVerdict:
    """Judge ``chain`` (leaf first, as sent) against ``anchors`` (trusted CAs) at time ``at``."""
    require_aware(at)
    if not chain:
        return _verdict(ChainStatus.EMPTY, "no certificate was presented")
    when = validation_time(chain[0], at)
    notes: list[str] = []
    if when != at:
        notes.append(
            f"the leaf is not valid at {at.isoformat()}, which is TLS-030's finding; "
            f"the chain was checked at {when.isoformat()}"
        )
    if not anchors:
        return _verdict(ChainStatus.UNTRUSTED, "no trusted CA certificate was given", notes)
    try:
        path = _verify(chain, anchors, when)
    except VerificationError as error:
        return _diagnose(chain, anchors, when, str(error), notes)
    return _judge_path(chain, path, notes)
