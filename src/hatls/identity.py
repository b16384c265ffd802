"""Client identities for the failover rehearsal (GHA-009), loaded before any connection.

The key file and its password are read here, once, so that a missing file, an unset password
variable or a wrong password is an inventory error (exit 2) and not a failed rehearsal blamed on a
server. The key never leaves memory: no report, log or message carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key

from hatls.inventory import ClientIdentity, Inventory, InventoryError, Problem
from hatls.probe.handshake import ClientIdentityMaterial


def _load(identity: ClientIdentity, base_dir: Path, environ: Mapping[str, str],
          file: str, key: str) -> ClientIdentityMaterial | Problem:
    password: bytes | None = None
    if identity.key_password_env:
        value = environ.get(identity.key_password_env)
        if value is None:
            return Problem(file=file, line=None, key=key,
                           message=f"environment variable {identity.key_password_env} is not set "
                                   "(it holds the key's password)")
        password = value.encode()
    try:
        key_pem = (base_dir / identity.key_path).read_bytes()
        load_pem_private_key(key_pem, password=password)
    except OSError as exc:
        return Problem(file=file, line=None, key=key, message=f"cannot read the key: {exc.strerror}")
    except (ValueError, TypeError) as exc:
        reason = "wrong password or unreadable key" if password or "encrypted" in str(exc).lower() \
            else "not a readable private key"
        return Problem(file=file, line=None, key=key, message=f"{identity.key_path}: {reason}")
    return ClientIdentityMaterial(certificate_pem=identity.certificate.text.encode(),
                                  key_pem=key_pem, password=password)


def load_identities(
    inventory: Inventory, environ: Mapping[str, str]
) -> dict[ClientIdentity, ClientIdentityMaterial]:
    """Every identity the inventory names, loaded; all problems reported together."""
    base_dir = Path(inventory.path).parent
    named: dict[ClientIdentity, str] = {}
    if inventory.client:
        named[inventory.client] = "client.key"
    for index, pair in enumerate(inventory.pairs, start=1):
        if pair.client:
            named.setdefault(pair.client, f"pair[{index}].client.key")
        for server in pair.servers():
            if server.client_identity:
                named.setdefault(server.client_identity, f"pair[{index}].{server.role.value}.client_key")
    loaded: dict[ClientIdentity, ClientIdentityMaterial] = {}
    problems: list[Problem] = []
    for identity, key in named.items():
        result = _load(identity, base_dir, environ, inventory.path, key)
        if isinstance(result, Problem):
            problems.append(result)
        else:
            loaded[identity] = result
    if problems:
        raise InventoryError(tuple(problems))
    return loaded
