"""TLS 1.3 key shares made with ``cryptography``: a private key in, (group code, public bytes) out.

The builder never makes keys itself: a spec carries public bytes, and whoever builds the spec
supplies the private keys (or a function that makes them), so tests pass fixed keys and get
byte-identical hellos. A raw-hello probe never finishes the handshake, so the private half is
thrown away; it is still a real key, because servers check that a share is a valid point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KeySharePrivateKey = x25519.X25519PrivateKey | x448.X448PrivateKey | ec.EllipticCurvePrivateKey

# Group code (groups.py) -> the cryptography curve whose uncompressed point is the share.
_EC_CURVES: dict[int, type[ec.EllipticCurve]] = {
    23: ec.SECP256R1,
    24: ec.SECP384R1,
    25: ec.SECP521R1,
    31: ec.BrainpoolP256R1,  # brainpoolP256r1tls13 (RFC 8734)
    32: ec.BrainpoolP384R1,
    33: ec.BrainpoolP512R1,
}
X25519_GROUP, X448_GROUP = 29, 30
KEY_SHARE_GROUPS = frozenset({X25519_GROUP, X448_GROUP, *_EC_CURVES})


def key_share_group(private_key: KeySharePrivateKey) -> int:
    if isinstance(private_key, x25519.X25519PrivateKey):
        return X25519_GROUP
    if isinstance(private_key, x448.X448PrivateKey):
        return X448_GROUP
    for code, curve in _EC_CURVES.items():
        if isinstance(private_key.curve, curve):
            return code
    raise ValueError(f"no TLS 1.3 group for curve {private_key.curve.name}")


def key_share_entry(private_key: KeySharePrivateKey) -> tuple[int, bytes]:
    """RFC 8446 §4.2.8.2: X25519/X448 send the raw u-coordinate, NIST and brainpool curves
    the uncompressed point (0x04 || X || Y)."""
    group = key_share_group(private_key)
    public = private_key.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        return group, public.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return group, public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def generate_key_share_key(group: int) -> KeySharePrivateKey:
    """A fresh private key for ``group`` (the default key maker outside tests)."""
    if group == X25519_GROUP:
        return x25519.X25519PrivateKey.generate()
    if group == X448_GROUP:
        return x448.X448PrivateKey.generate()
    if group in _EC_CURVES:
        return ec.generate_private_key(_EC_CURVES[group]())
    raise ValueError(f"cannot make a key share for group {group}")


def key_shares(
    groups: Iterable[int],
    make_key: Callable[[int], KeySharePrivateKey] = generate_key_share_key,
) -> tuple[tuple[int, bytes], ...]:
    """``HelloSpec.key_shares`` for ``groups`` (in their order), keys made by ``make_key``."""
    wanted_groups = tuple(groups)
    entries = tuple(key_share_entry(make_key(group)) for group in wanted_groups)
    for wanted, (made, _) in zip(wanted_groups, entries, strict=True):
        if wanted != made:
            raise ValueError(f"make_key({wanted}) returned a key for group {made}")
    return entries
