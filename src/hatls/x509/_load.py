"""Turning bytes into certificates: chains from the wire, PEM files, the system trust store."""

from __future__ import annotations

import re
import ssl
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from hatls.x509._facts import (
    CertificateFacts,
    bounded_text,
    certificate_facts,
    quiet_cryptography,
)

_PEM_MARKER = b"-----BEGIN CERTIFICATE-----"
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
_MAX_PROBLEM_CHARS = 300


def parse_der_chain(
    ders: Sequence[bytes],
) -> tuple[tuple[x509.Certificate, ...], tuple[str, ...]]:
    """The certificates a server sent, and one problem line per certificate that cannot be read.

    Never raises: these bytes come from the network. A certificate counts as readable only if
    all of its facts can be computed (cryptography decodes extensions lazily), so callers may
    call ``certificate_facts`` on every certificate returned.
    """
    certificates: list[x509.Certificate] = []
    problems: list[str] = []
    for position, der in enumerate(ders, start=1):
        try:
            certificate = x509.load_der_x509_certificate(bytes(der))
            certificate_facts(certificate)
        # The boundary with untrusted bytes: whatever the decoder raises is the peer's defect.
        except Exception as error:
            detail = bounded_text(f"{type(error).__name__}: {error}", _MAX_PROBLEM_CHARS)
            problems.append(f"certificate {position} of {len(ders)} cannot be decoded: {detail}")
            continue
        certificates.append(certificate)
    return tuple(certificates), tuple(problems)


def certificate_of(facts: CertificateFacts) -> x509.Certificate:
    """The certificate ``facts`` describe, parsed again from their PEM (which
    ``certificate_facts`` wrote, so it always parses)."""
    return _parse_pem(facts.pem)


@lru_cache(maxsize=4096)
def _parse_pem(pem: str) -> x509.Certificate:
    # Every rule of every endpoint asks for the same few certificates: parse (and check) each once.
    return load_pem_certificates(pem)[0]


def load_pem_certificates(text: str | bytes) -> tuple[x509.Certificate, ...]:
    """Every certificate of a PEM bundle, in file order; ValueError says what is wrong."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    if _PEM_MARKER not in data:
        raise ValueError("no PEM certificate found (expected '-----BEGIN CERTIFICATE-----')")
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as error:
        raise ValueError(f"malformed PEM certificate: {error}") from error
    for position, certificate in enumerate(certificates, start=1):
        try:
            certificate_facts(certificate)
        except ValueError as error:
            raise ValueError(f"certificate {position} of the PEM bundle: {error}") from error
    return tuple(certificates)


def _bundle_certificates(path: Path) -> tuple[x509.Certificate, ...]:
    """Each readable certificate of a file; one bad entry does not hide the others, since an
    odd file in the system store is not the scanned server's fault."""
    try:
        data = path.read_bytes()
    except OSError:
        return ()
    certificates: list[x509.Certificate] = []
    with quiet_cryptography():  # some system roots have serial 0
        for block in _PEM_BLOCK.findall(data):
            try:
                certificates.extend(load_pem_certificates(block))
            except ValueError:
                continue
    return tuple(certificates)


def system_trust_store() -> tuple[x509.Certificate, ...]:
    """The platform's CA certificates, as OpenSSL finds them (SSL_CERT_FILE / SSL_CERT_DIR
    honoured); () when there is none. certifi is deliberately not a dependency."""
    paths = ssl.get_default_verify_paths()
    if paths.cafile and Path(paths.cafile).is_file():
        found = _bundle_certificates(Path(paths.cafile))
        if found:
            return found
    if paths.capath and Path(paths.capath).is_dir():
        unique: dict[bytes, x509.Certificate] = {}
        for entry in sorted(Path(paths.capath).iterdir()):
            if entry.is_file():
                for certificate in _bundle_certificates(entry):
                    unique.setdefault(certificate.fingerprint(hashes.SHA256()), certificate)
        return tuple(unique.values())
    return ()
