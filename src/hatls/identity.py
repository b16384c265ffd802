"""Client identities for the failover rehearsal (GHA-009), loaded before any connection.

The key file and its password are read here, once, so that a missing file, an unset password
variable, a wrong password or a key of another certificate is an inventory error (exit 2) and not
a failed rehearsal blamed on a server. The key never leaves memory: no report, log or message
carries it, nor the password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_der_private_key,
    load_pem_private_key,
    pkcs12,
)

from hatls._toml import LineIndex, join_key
from hatls.inventory import (
    ClientIdentity,
    Inventory,
    InventoryError,
    Problem,
    UnreadableFile,
    read_regular_file,
)

# PKCS#8 ("ENCRYPTED PRIVATE KEY") and the traditional OpenSSL form ("Proc-Type: 4,ENCRYPTED").
_ENCRYPTED_MARKS = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"Proc-Type: 4,ENCRYPTED")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientIdentityMaterial:
    """A client identity ready for a handshake: the certificate chain (leaf first) and its key, PEM."""

    certificate_pem: bytes
    key_pem: bytes
    password: bytes | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Where:
    """Where one identity is written: its table and the names its keys have there."""

    table: str  # "client", "pair[1].client", "pair[1].primary"
    key: str = "key"  # "client_key" on a server
    password: str = "key_password_env"  # "client_key_password_env" on a server

    def of(self, name: str) -> str:
        return join_key(self.table, name)


_SERVER_KEYS = {"key": "client_key", "password": "client_key_password_env"}


class _Refused(Exception):
    """One identity cannot be used: which key is to blame, and why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def load_identities(
    inventory: Inventory, environ: Mapping[str, str]
) -> dict[ClientIdentity, ClientIdentityMaterial]:
    """Every identity the inventory names, loaded; all problems reported together, in file order."""
    base_dir = Path(inventory.path).parent
    lines = _line_index(inventory.path)
    loaded: dict[ClientIdentity, ClientIdentityMaterial] = {}
    problems: list[Problem] = []
    for identity, where in _named_identities(inventory).items():
        try:
            loaded[identity] = _load(identity, base_dir, environ, where)
        except _Refused as refused:
            problems.append(Problem(file=inventory.path, line=lines.line_of(refused.key),
                                    key=refused.key, message=refused.message))
    if problems:
        raise InventoryError(tuple(sorted(problems, key=lambda problem: problem.line or 0)))
    return loaded


def _named_identities(inventory: Inventory) -> dict[ClientIdentity, _Where]:
    """Each distinct identity once, at the first place that names it."""
    named: dict[ClientIdentity, _Where] = {}
    if inventory.client:
        named[inventory.client] = _Where(table="client")
    for index, pair in enumerate(inventory.pairs, start=1):
        if pair.client:
            named.setdefault(pair.client, _Where(table=f"pair[{index}].client"))
        for server in pair.servers():
            if server.client_identity:
                table = f"pair[{index}].{server.role.value}"
                named.setdefault(server.client_identity, _Where(table=table, **_SERVER_KEYS))
    return named


def _line_index(path: str) -> LineIndex:
    # The inventory was read moments ago; if it has gone since, messages just lose their line.
    try:
        return LineIndex(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return LineIndex("")


def _load(identity: ClientIdentity, base_dir: Path, environ: Mapping[str, str],
          where: _Where) -> ClientIdentityMaterial:
    key_path = identity.key_path
    try:
        key_pem = read_regular_file(base_dir / key_path)
    except UnreadableFile as refused:
        raise _Refused(where.of(where.key), str(refused)) from None
    binary = b"-----BEGIN" not in key_pem
    # A DER key or a PKCS#12 file (.pfx/.p12, Windows' export) may or may not have a password:
    # only opening it tells, so its variable is taken as given.
    encrypted = identity.key_password_env is not None if binary else _is_encrypted(key_pem)
    password = _password(identity, encrypted, environ, where)
    try:
        key = _binary_key(key_pem, password) if binary else load_pem_private_key(key_pem, password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if password is not None:
            raise _Refused(where.of(where.password),
                           f"the password in ${identity.key_password_env} does not decrypt "
                           f"{key_path!r} (wrong password?)") from None
        raise _Refused(where.of(where.key), f"{key_path!r} is not a readable private key") from None
    if not _key_matches_certificate(key.public_key(), identity.certificate.text.encode()):
        raise _Refused(where.of(where.key),
                       f"{key_path!r} is not the key of certificate {identity.certificate.path!r}")
    if binary:
        # The probe speaks PEM: the key is re-encoded in memory only, and needs no password now.
        key_pem, password = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()), None
    return ClientIdentityMaterial(certificate_pem=identity.certificate.text.encode(),
                                  key_pem=key_pem, password=password)


def _binary_key(data: bytes, password: bytes | None) -> PrivateKeyTypes:
    """The private key of a PKCS#12 file, else of a DER (PKCS#8 or traditional) key file."""
    try:
        key, _, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        return load_der_private_key(data, password)
    if key is None:
        raise ValueError("the PKCS#12 file holds no private key")
    return key


def _password(identity: ClientIdentity, encrypted: bool, environ: Mapping[str, str],
              where: _Where) -> bytes | None:
    """The key's password from its variable; a variable without an encrypted key is refused too,
    since it says the inventory and the key file disagree (a wrong key file, most often)."""
    variable = identity.key_password_env
    if variable is None:
        if encrypted:
            raise _Refused(where.of(where.key),
                           f"{identity.key_path!r} is encrypted: name the environment variable "
                           f"that holds its password in {where.password}")
        return None
    if not encrypted:
        raise _Refused(where.of(where.password),
                       f"{identity.key_path!r} is not encrypted: remove {where.password}")
    value = environ.get(variable)
    if value is None:
        raise _Refused(where.of(where.password),
                       f"environment variable {variable} is not set (it holds the password of "
                       f"{identity.key_path!r})")
    if not value:
        raise _Refused(where.of(where.password), f"environment variable {variable} is empty")
    return value.encode()


def _is_encrypted(key_pem: bytes) -> bool:
    return any(mark in key_pem for mark in _ENCRYPTED_MARKS)


def _key_matches_certificate(public_key: PublicKeyTypes, certificate_pem: bytes) -> bool:
    """The key must be the one the presented (first, leaf) certificate carries, or the
    handshake fails in a way that would look like the server's fault."""
    leaf = x509.load_pem_x509_certificates(certificate_pem)[0]
    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return public_key.public_bytes(*spki) == leaf.public_key().public_bytes(*spki)
