"""The certificate object of docs/report.md: plain facts about one certificate, no judgement.

Every string here may come from a hostile server, so each is bounded in length and has its
control and invisible characters (bidi overrides, U+200E, NUL, …) written as escapes; HTML
escaping stays the renderer's job.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.utils import CryptographyDeprecationWarning

from hatls.x509._oids import EXTENDED_KEY_USAGES, HASH_IN_PARAMETERS, SIGNATURE_ALGORITHMS

_Extension = TypeVar("_Extension", bound=x509.ExtensionType)

MAX_NAME_CHARS = 1024
MAX_SAN_CHARS = 256
MAX_SAN_ENTRIES = 100

# Control, format (U+200E, bidi overrides), surrogate, private-use, unassigned, line/paragraph
# separators: characters that are invisible or rearrange text when shown.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateFacts:
    """docs/report.md's certificate object, plus the PEM so a report replays without the network."""

    sha256: str  # lowercase hex, no separators
    sha1: str
    subject: str  # RFC 4514, bounded
    issuer: str
    san: tuple[str, ...]  # "DNS:…", "IP:…", "URI:…", "email:…", "DirName:…", "RID:…", "othername:…"
    not_before: datetime  # UTC-aware
    not_after: datetime
    serial: str  # lowercase hex
    key_type: str  # "RSA" | "EC" | "Ed25519" | "Ed448" | "DSA" | "unknown"
    key_bits: int | None
    key_curve: str | None
    signature_algorithm: str  # OpenSSL name, else the dotted OID
    signature_hash: str | None
    eku: tuple[str, ...] | None  # None: the certificate has no EKU extension
    self_signed: bool
    is_ca: bool
    pem: str


def bounded_text(text: str, limit: int) -> str:
    """``text`` with hidden characters escaped, cut to ``limit`` characters ("…" marks a cut)."""
    pieces = [_visible(char) for char in text[: limit + 1]]
    if len(text) <= limit and sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    size = 0
    for piece in pieces:
        if size + len(piece) > limit - 1:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "…"


def _visible(char: str) -> str:
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@contextmanager
def quiet_cryptography() -> Iterator[None]:
    """Silence cryptography's warnings about odd certificates (a non-positive serial, a CN over
    64 characters): on a scanned server these are facts to report, not messages for the
    user's terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)
        yield


def signature_verifies(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key made ``child``'s signature — any algorithm, SHA-1 and MD5 too.

    cryptography's ``verify_directly_issued_by`` refuses SHA-1 ("Unsupported signature
    algorithm"), but a weak signature is TLS-033's finding, not a broken chain.
    """
    try:
        key = issuer.public_key()
        digest = child.signature_hash_algorithm
        parameters = child.signature_algorithm_parameters
        signature, data = child.signature, child.tbs_certificate_bytes
        if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        elif digest is None:
            return False
        elif isinstance(key, rsa.RSAPublicKey):
            pad = parameters if isinstance(parameters, padding.PSS) else padding.PKCS1v15()
            key.verify(signature, data, pad, digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, digest)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def extension_value(cert: x509.Certificate, kind: type[_Extension]) -> _Extension | None:
    """The extension's value, None when absent; ValueError when the extensions are malformed."""
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as error:
        raise ValueError(f"certificate extensions cannot be decoded: {error}") from error


def name_text(name: x509.Name, limit: int = MAX_NAME_CHARS) -> str:
    """RFC 4514 text of a distinguished name, bounded; never raises."""
    try:
        text = name.rfc4514_string()
    except ValueError:  # an attribute value that cannot be decoded
        text = "<undecodable name>"
    return bounded_text(text, limit)


def general_name_text(name: x509.GeneralName) -> str:
    match name:
        case x509.DNSName():
            text = f"DNS:{name.value}"
        case x509.IPAddress():
            text = f"IP:{name.value.compressed}"  # IPv6 in its canonical short form
        case x509.UniformResourceIdentifier():
            text = f"URI:{name.value}"
        case x509.RFC822Name():
            text = f"email:{name.value}"
        case x509.DirectoryName():
            text = f"DirName:{name_text(name.value)}"
        case x509.RegisteredID():
            text = f"RID:{name.value.dotted_string}"
        case x509.OtherName():
            text = f"othername:{name.type_id.dotted_string}"
        case _:
            text = f"unknown:{type(name).__name__}"
    return bounded_text(text, MAX_SAN_CHARS)


def _san(cert: x509.Certificate) -> tuple[str, ...]:
    san = extension_value(cert, x509.SubjectAlternativeName)
    if san is None:
        return ()
    return tuple(general_name_text(name) for name in list(san)[:MAX_SAN_ENTRIES])


def _key(cert: x509.Certificate) -> tuple[str, int | None, str | None]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unknown", None, None
    match key:
        case rsa.RSAPublicKey():
            return "RSA", key.key_size, None
        case ec.EllipticCurvePublicKey():
            return "EC", key.curve.key_size, key.curve.name
        case ed25519.Ed25519PublicKey():
            return "Ed25519", 256, None  # nominal sizes, as sslyze reports them
        case ed448.Ed448PublicKey():
            return "Ed448", 448, None
        case dsa.DSAPublicKey():
            return "DSA", key.key_size, None
    return "unknown", None, None


def _signature(cert: x509.Certificate) -> tuple[str, str | None]:
    oid = cert.signature_algorithm_oid.dotted_string
    name, digest = SIGNATURE_ALGORITHMS.get(oid, (oid, None))
    if oid in HASH_IN_PARAMETERS or oid not in SIGNATURE_ALGORITHMS:
        try:
            algorithm = cert.signature_hash_algorithm
        except UnsupportedAlgorithm:
            algorithm = None
        digest = algorithm.name if isinstance(algorithm, hashes.HashAlgorithm) else None
    return name, digest


def _eku(cert: x509.Certificate) -> tuple[str, ...] | None:
    usage = extension_value(cert, x509.ExtendedKeyUsage)
    if usage is None:
        return None
    return tuple(EXTENDED_KEY_USAGES.get(oid.dotted_string, oid.dotted_string) for oid in usage)


def require_aware(at: datetime) -> None:
    """Times are UTC-aware everywhere; a naive one is a bug in the caller, said early."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got {at!r}")


def is_self_issued(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def certificate_facts(cert: x509.Certificate) -> CertificateFacts:
    """The facts of one certificate; ValueError when its extensions cannot be decoded."""
    with quiet_cryptography():
        return _facts(cert)


def _facts(cert: x509.Certificate) -> CertificateFacts:
    key_type, key_bits, key_curve = _key(cert)
    signature_algorithm, signature_hash = _signature(cert)
    constraints = extension_value(cert, x509.BasicConstraints)
    return CertificateFacts(
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        sha1=cert.fingerprint(hashes.SHA1()).hex(),
        subject=name_text(cert.subject),
        issuer=name_text(cert.issuer),
        san=_san(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
        key_type=key_type,
        key_bits=key_bits,
        key_curve=key_curve,
        signature_algorithm=signature_algorithm,
        signature_hash=signature_hash,
        eku=_eku(cert),
        self_signed=is_self_issued(cert) and signature_verifies(cert, cert),
        is_ca=constraints is not None and constraints.ca,
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


def sha256_hex(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()
