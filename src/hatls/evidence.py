"""Evidence: a detached signature over the exact bytes of a saved report, and its check.

A report attached to a change request is evidence only if a reader can tell it was not edited
afterwards, and by whom it was vouched for. So the signature covers the report file's bytes as
written — not the report re-serialized — and the signature file records the SHA-256 of those
bytes (which the HTML report also shows), the signer's key and certificate fingerprints, and the
algorithm. The algorithms are plain ones that `openssl` checks too, so a reader does not need
hatls to trust the result:

- Ed25519 over the bytes;
- RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (the digest length, as in TLS 1.3);
- ECDSA with SHA-256, DER-encoded.

Pure functions over bytes: the command line (``hatls.cli._evidence``) reads and writes the files,
and passes the clock in where a certificate's validity matters.

    signature = sign_report(data, load_signing_key(key_pem, password), certificate=cert)
    text = signature_to_text(signature)                        # -> REPORT.json.sig
    verdict = verify_report(data, signature_from_text(text), load_certificates(cert_pem))
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from hatls.x509 import (
    load_pem_certificates,
    name_text,
    require_aware,
    sha256_hex,
    validate_chain,
)

SIGNATURE_FORMAT = "hatls-signature/1"
MIN_RSA_BITS = 2048

SigningKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# Salt = digest length: deterministic in size, and what `openssl -sigopt rsa_pss_saltlen:32` checks.
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


class SignatureAlgorithm(StrEnum):
    ED25519 = "ed25519"
    RSA_PSS_SHA256 = "rsa-pss-sha256"
    ECDSA_SHA256 = "ecdsa-sha256"


class EvidenceError(Exception):
    """Input that cannot be used at all (a bad key, a file that is no signature): usage, exit 2."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DetachedSignature:
    algorithm: SignatureAlgorithm
    report_sha256: str  # of the exact bytes signed, lowercase hex
    report_bytes: int
    signer_key_sha256: str  # SHA-256 of the signer's SubjectPublicKeyInfo (DER)
    signer_certificate_sha256: str | None  # when a certificate was named at signing
    signer_subject: str | None
    signature: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustCheck:
    """Also require the signer's certificate to chain to one of ``anchors`` and be valid ``at``."""

    anchors: tuple[x509.Certificate, ...]
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    report_sha256: str  # of the bytes checked
    signer: str
    problems: tuple[str, ...]  # empty: the signature is valid

    @property
    def valid(self) -> bool:
        return not self.problems


def report_sha256(data: bytes) -> str:
    """The hash a reader compares: the HTML report, the signature file and ``sha256sum`` agree."""
    return hashlib.sha256(data).hexdigest()


def public_key_sha256(key: PublicKeyTypes) -> str:
    """The fingerprint of a public key (its DER SubjectPublicKeyInfo), whatever holds it."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def load_signing_key(pem: bytes, password: bytes | None = None) -> SigningKey:
    """A PEM private key (PKCS#8 or traditional, encrypted with ``password`` or not)."""
    try:
        key = serialization.load_pem_private_key(pem, password)
    except TypeError as error:  # cryptography's way of saying "encrypted" / "not encrypted"
        hint = "give its password (--key-password-env)" if password is None else "drop the password"
        raise EvidenceError(f"{error} — {hint}") from None
    except ValueError as error:
        raise EvidenceError(f"not a usable PEM private key, or a wrong password: {error}") from None
    if not isinstance(key, SigningKey):
        raise EvidenceError(f"a {type(key).__name__} cannot sign here: use Ed25519, RSA or EC")
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < MIN_RSA_BITS:
        raise EvidenceError(f"an RSA key of {key.key_size} bits is too weak to sign evidence "
                            f"(at least {MIN_RSA_BITS})")
    return key


def load_certificates(pem: bytes) -> tuple[x509.Certificate, ...]:
    """The signer's certificate first, then any intermediates the file carries (PEM), or the one
    certificate of a DER file (`.cer`/`.der`, as Windows exports it)."""
    if b"-----BEGIN" not in pem:
        try:
            return (x509.load_der_x509_certificate(pem),)
        except ValueError:
            raise EvidenceError("neither a PEM nor a DER certificate") from None
    try:
        return load_pem_certificates(pem)
    except ValueError as error:
        raise EvidenceError(str(error)) from None


def algorithm_for(key: PublicKey | SigningKey) -> SignatureAlgorithm:
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return SignatureAlgorithm.ED25519
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return SignatureAlgorithm.RSA_PSS_SHA256
    return SignatureAlgorithm.ECDSA_SHA256


def sign_report(
    data: bytes, key: SigningKey, *, certificate: x509.Certificate | None = None
) -> DetachedSignature:
    """Sign ``data`` as it is; ``certificate``, when given, must hold ``key``'s public half."""
    key_sha256 = public_key_sha256(key.public_key())
    if certificate is not None:
        if public_key_sha256(certificate.public_key()) != key_sha256:
            raise EvidenceError("the certificate does not belong to the key (their public keys differ)")
        if (problem := _usage_problem(certificate)) is not None:
            raise EvidenceError(problem)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(data)
    elif isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, _PSS, hashes.SHA256())
    else:
        signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    return DetachedSignature(
        algorithm=algorithm_for(key), report_sha256=report_sha256(data), report_bytes=len(data),
        signer_key_sha256=key_sha256,
        signer_certificate_sha256=None if certificate is None else sha256_hex(certificate),
        signer_subject=None if certificate is None else name_text(certificate.subject, 200),
        signature=signature,
    )


def verify_report(
    data: bytes, signature: DetachedSignature, signer_chain: Sequence[x509.Certificate],
    *, trust: TrustCheck | None = None,
) -> Verification:
    """Every reason ``signature`` does not vouch for ``data`` by ``signer_chain[0]`` (none: valid)."""
    if not signer_chain:
        raise ValueError("the signer's certificate is required")
    certificate = signer_chain[0]
    actual = report_sha256(data)
    problems: list[str] = []
    if actual != signature.report_sha256:
        problems.append(f"the report changed after signing: its SHA-256 is {actual}, the signature "
                        f"was made over {signature.report_sha256}")
    if signature.signer_certificate_sha256 not in (None, sha256_hex(certificate)):
        problems.append(f"the signature names the certificate {signature.signer_certificate_sha256}, "
                        f"not the one given ({sha256_hex(certificate)})")
    problems.extend(_signature_problems(data, signature, certificate))
    if (usage := _usage_problem(certificate)) is not None:
        problems.append(usage)
    if trust is not None:
        problems.extend(_trust_problems(signer_chain, trust))
    return Verification(report_sha256=actual, signer=name_text(certificate.subject, 200),
                        problems=tuple(problems))


def _signature_problems(
    data: bytes, signature: DetachedSignature, certificate: x509.Certificate
) -> list[str]:
    key = certificate.public_key()
    if not isinstance(key, PublicKey):
        return [f"the certificate holds a {type(key).__name__}, which hatls signatures never use"]
    if algorithm_for(key) is not signature.algorithm:
        return [f"the signature is {signature.algorithm.value}, but the certificate holds a key "
                f"for {algorithm_for(key).value}: it is not the signer's certificate"]
    if public_key_sha256(key) != signature.signer_key_sha256:
        return ["the signature was made with another key than the certificate's "
                f"(key SHA-256 {signature.signer_key_sha256}, certificate's {public_key_sha256(key)})"]
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature.signature, data)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature.signature, data, _PSS, hashes.SHA256())
        else:
            key.verify(signature.signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return ["the signature does not verify over these bytes with the certificate's key"]
    return []


def _usage_problem(certificate: x509.Certificate) -> str | None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if usage.digital_signature or usage.content_commitment:
        return None
    return "the certificate's keyUsage allows neither digitalSignature nor nonRepudiation"


def _trust_problems(chain: Sequence[x509.Certificate], trust: TrustCheck) -> list[str]:
    require_aware(trust.at)
    leaf, when = chain[0], trust.at.isoformat()
    problems: list[str] = []
    # validate_chain judges a leaf at the nearest moment of its validity (its dates are a
    # separate finding in a scan); for a signer they are part of the answer, so check them here.
    if trust.at > leaf.not_valid_after_utc:
        problems.append(f"the signer's certificate expired on {leaf.not_valid_after_utc.isoformat()} "
                        f"(checked at {when})")
    elif trust.at < leaf.not_valid_before_utc:
        problems.append(f"the signer's certificate is not valid before "
                        f"{leaf.not_valid_before_utc.isoformat()} (checked at {when})")
    verdict = validate_chain(chain, trust.anchors, at=trust.at)
    if not verdict.builds:
        problems.append(f"the signer's certificate does not chain to the given CA: {verdict.message}")
    return problems


def signature_to_text(signature: DetachedSignature) -> str:
    document = {
        "format": SIGNATURE_FORMAT,
        "algorithm": signature.algorithm.value,
        "report_sha256": signature.report_sha256,
        "report_bytes": signature.report_bytes,
        "signer_key_sha256": signature.signer_key_sha256,
        "signer_certificate_sha256": signature.signer_certificate_sha256,
        "signer_subject": signature.signer_subject,
        "signature": base64.b64encode(signature.signature).decode("ascii"),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def signature_from_text(text: str) -> DetachedSignature:
    """The signature file back; EvidenceError says why it is not one."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise EvidenceError(f"not a hatls signature file (not JSON: {error})") from None
    if not isinstance(document, dict) or document.get("format") != SIGNATURE_FORMAT:
        raise EvidenceError(f"not a hatls signature file (expected format {SIGNATURE_FORMAT!r})")
    try:
        return _decode(document)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise EvidenceError(f"a damaged hatls signature file: {type(error).__name__}: {error}") from None


def _decode(document: dict[str, Any]) -> DetachedSignature:
    def text(key: str, *, optional: bool = False) -> Any:
        value = document[key]
        if not (isinstance(value, str) or (optional and value is None)):
            raise TypeError(f"{key} must be a string")
        return value

    size = document["report_bytes"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise TypeError("report_bytes must be a whole number")
    return DetachedSignature(
        algorithm=SignatureAlgorithm(text("algorithm")),
        report_sha256=text("report_sha256").lower(),
        report_bytes=size,
        signer_key_sha256=text("signer_key_sha256").lower(),
        signer_certificate_sha256=_lower(text("signer_certificate_sha256", optional=True)),
        signer_subject=text("signer_subject", optional=True),
        signature=base64.b64decode(text("signature"), validate=True),
    )


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()
