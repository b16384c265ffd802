"""The certificate, key and CRL files an inventory names, read (and checked) at load time.

They are read now, not at scan time, so a bad path is an inventory error before any connection
is made (exit status 2), and so a report can carry their text and replay without them. A client
*key* is only checked to exist and look like a key: its contents never leave the probe.

Certificates load as Windows admins export them, too: DER (`.cer`, `.der`) and PKCS#12 (`.pfx`,
`.p12`, whose password is read from the variable the identity's `key_password_env` names). They
are kept as PEM text, so a report carries text only.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from hatls._toml import Checker, Table, index_key, join_key
from hatls.inventory._model import ClientIdentity, PemFile
from hatls.inventory._reading import UnreadableFile, read_regular_file


def read_bytes(checker: Checker, base_dir: str, written: str, key: str) -> bytes | None:
    """The file at `written` (relative to the inventory's folder), or None after a problem."""
    if not written.strip():
        checker.report(key, "must name a file, not an empty string")
        return None
    if "\0" in written:
        # No file system takes it, and Python refuses it with ValueError rather than OSError.
        checker.report(key, f"{written!r} is not a file name: it holds a NUL character")
        return None
    try:
        return read_regular_file(Path(base_dir, written))
    except UnreadableFile as refused:
        checker.report(key, str(refused))
    return None


def read_certificates(checker: Checker, base_dir: str, written: str, key: str, *,
                      identity: bool = False, password_env: str | None = None) -> PemFile | None:
    """Certificates from a PEM bundle, a DER certificate or a PKCS#12 file, kept as PEM."""
    data = read_bytes(checker, base_dir, written, key)
    if data is None:
        return None
    if b"-----BEGIN" in data:
        try:
            x509.load_pem_x509_certificates(data)
        except ValueError:
            checker.report(key, f"{written!r} holds no readable PEM certificate")
            return None
        return PemFile(path=written, text=data.decode("utf-8", errors="replace"))
    certificates = _binary_certificates(data, password_env if identity else None)
    if not certificates:
        if not identity:
            checker.report(key, f"{written!r} holds no readable PEM certificate, nor a DER one")
        elif password_env is None:
            checker.report(key, f"{written!r} holds no readable PEM certificate, nor a DER or PKCS#12 "
                                "one (a password-protected .pfx/.p12 needs key_password_env)")
        else:
            checker.report(key, f"{written!r} holds no readable PEM certificate, nor a DER or PKCS#12 "
                                f"one that the password in ${password_env} opens")
        return None
    text = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certificates)
    return PemFile(path=written, text=text)


def _binary_certificates(data: bytes, password_env: str | None) -> tuple[x509.Certificate, ...]:
    """A DER certificate, or a PKCS#12 file's certificate and chain (leaf first); () if neither."""
    try:
        return (x509.load_der_x509_certificate(data),)
    except ValueError:
        pass
    # The password of a .pfx is the identity's: read from its variable, never from the file.
    secret = os.environ.get(password_env) if password_env else None
    try:
        _, leaf, chain = pkcs12.load_key_and_certificates(data, secret.encode() if secret else None)
    except (ValueError, TypeError):
        return ()
    return tuple(c for c in (leaf, *chain) if c is not None)


def read_crl(checker: Checker, base_dir: str, written: str, key: str) -> PemFile | None:
    """A CRL in PEM or DER; a DER one is stored as PEM so reports carry text only."""
    data = read_bytes(checker, base_dir, written, key)
    if data is None:
        return None
    try:
        if b"-----BEGIN" in data:
            x509.load_pem_x509_crl(data)
            return PemFile(path=written, text=data.decode("utf-8", errors="replace"))
        crl = x509.load_der_x509_crl(data)
    except ValueError:
        checker.report(key, f"{written!r} is neither a PEM nor a DER certificate revocation list")
        return None
    return PemFile(path=written, text=crl.public_bytes(Encoding.PEM).decode("ascii"))


def check_key_file(checker: Checker, base_dir: str, written: str, key: str) -> bool:
    data = read_bytes(checker, base_dir, written, key)
    if data is None:
        return False
    pem_key = b"-----BEGIN" in data and b"PRIVATE KEY-----" in data
    # DER (a PKCS#8 key or a PKCS#12 file) starts with an ASN.1 SEQUENCE; identity.py opens it.
    der = data[:1] == b"\x30"
    if not (pem_key or der):
        checker.report(key, f"{written!r} does not look like a PEM private key "
                            "(nor a DER key or a PKCS#12 file)")
        return False
    return True


def read_ca_list(checker: Checker, base_dir: str, value: object, key: str) -> tuple[PemFile, ...] | None:
    """`trusted_ca`: one path or an array of paths; "" and [] mean none."""
    if isinstance(value, str):
        if not value:
            return ()
        one = read_certificates(checker, base_dir, value, key)
        return None if one is None else (one,)
    if not isinstance(value, list):
        checker.wrong_type(key, "a file path or an array of file paths", value)
        return None
    files: list[PemFile | None] = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str):
            checker.wrong_type(index_key(key, number), "a file path", item)
            files.append(None)
        else:
            files.append(read_certificates(checker, base_dir, item, index_key(key, number)))
    return tuple(file for file in files if file is not None) if None not in files else None


def client_identity(
    checker: Checker,
    base_dir: str,
    table: Table,
    path: str,
    *,
    names: tuple[str, str, str] = ("certificate", "key", "key_password_env"),
) -> ClientIdentity | None:
    """A client identity: certificate and key go together; the password only by variable."""
    certificate_key, key_key, password_key = names
    certificate_path = checker.string(table, certificate_key, path)
    key_path = checker.string(table, key_key, path)
    password_env = checker.string(table, password_key, path)
    if password_env is not None and not password_env.strip():
        checker.report(join_key(path, password_key), "must name an environment variable")
    if certificate_key not in table and key_key not in table:
        if password_key in table:
            checker.report(join_key(path, password_key), f"is set without {certificate_key} and {key_key}")
        return None
    if certificate_key not in table or key_key not in table:
        absent, present = (
            (certificate_key, key_key) if certificate_key not in table else (key_key, certificate_key)
        )
        checker.report(join_key(path, absent), f"is required when {present} is given")
        return None
    if certificate_path is None or key_path is None:
        return None  # a wrong type, already reported
    certificate = read_certificates(checker, base_dir, certificate_path, join_key(path, certificate_key),
                                    identity=True, password_env=password_env or None)
    key_ok = check_key_file(checker, base_dir, key_path, join_key(path, key_key))
    if certificate is None or not key_ok:
        return None
    return ClientIdentity(certificate=certificate, key_path=key_path, key_password_env=password_env or None)
