"""The named-group registry: IANA "TLS Supported Groups" (tls-parameters-8), with OpenSSL names.

Facts: every assigned value of the IANA registry (copy of 2025-11: RFC 8422, 7027, 7919, 8734,
9189, 8998, draft-connolly-tls-mlkem-key-agreement, draft-kwiatkowski-tls-ecdhe-mlkem), the
deprecated binary and small curves included, because a server still offering them is what a
scan must be able to name. OpenSSL names are OpenSSL's curve names where it has one
(``prime256v1``, ``X25519``: what ``openssl ecparam`` and Mozilla's ``tls_curves`` say), else
its TLS group names (``brainpoolP256r1tls13``, ``curveSM2``, ``X25519MLKEM768``); ``None`` where
OpenSSL has no such group. Its other TLS spellings (``secp256r1``, ``x25519``: what
``SSL_get0_group_name`` returns) are the IANA names, and its NIST aliases (``P-256``) are aliases.

Nominal bits (docs/rules.md, "Policies"): the curve or field size; X25519 counts as 256 and X448 as
448 (as Mozilla and sslyze treat them); a hybrid post-quantum group counts as its classical
part; a pure ML-KEM group as its parameter set (512/768/1024), which rules must not compare with
EC or DH sizes. The explicit-curve placeholders have no size (0).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GroupKind(StrEnum):
    EC = "ec"  # ECDH over a named Weierstrass or binary curve
    ECX = "ecx"  # X25519 / X448 (RFC 7748)
    FFDH = "ffdh"  # finite-field DH (RFC 7919)
    HYBRID_PQ = "hybrid-pq"  # classical ECDH combined with ML-KEM (or its Kyber draft)
    PQ = "pq"  # ML-KEM alone


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    code: int
    iana_name: str
    openssl_name: str | None
    kind: GroupKind
    bits: int
    aliases: frozenset[str] = frozenset()  # further names group_by_name accepts


_EC, _ECX, _FFDH, _HYB, _PQ = GroupKind

# (code, IANA name, OpenSSL name, kind, nominal bits, NIST alias or None), in registry order.
_ROWS: tuple[tuple[int, str, str | None, GroupKind, int, str | None], ...] = (
    (1, "sect163k1", "sect163k1", _EC, 163, "K-163"),
    (2, "sect163r1", "sect163r1", _EC, 163, None),
    (3, "sect163r2", "sect163r2", _EC, 163, "B-163"),
    (4, "sect193r1", "sect193r1", _EC, 193, None),
    (5, "sect193r2", "sect193r2", _EC, 193, None),
    (6, "sect233k1", "sect233k1", _EC, 233, "K-233"),
    (7, "sect233r1", "sect233r1", _EC, 233, "B-233"),
    (8, "sect239k1", "sect239k1", _EC, 239, None),
    (9, "sect283k1", "sect283k1", _EC, 283, "K-283"),
    (10, "sect283r1", "sect283r1", _EC, 283, "B-283"),
    (11, "sect409k1", "sect409k1", _EC, 409, "K-409"),
    (12, "sect409r1", "sect409r1", _EC, 409, "B-409"),
    (13, "sect571k1", "sect571k1", _EC, 571, "K-571"),
    (14, "sect571r1", "sect571r1", _EC, 571, "B-571"),
    (15, "secp160k1", "secp160k1", _EC, 160, None),
    (16, "secp160r1", "secp160r1", _EC, 160, None),
    (17, "secp160r2", "secp160r2", _EC, 160, None),
    (18, "secp192k1", "secp192k1", _EC, 192, None),
    (19, "secp192r1", "prime192v1", _EC, 192, "P-192"),
    (20, "secp224k1", "secp224k1", _EC, 224, None),
    (21, "secp224r1", "secp224r1", _EC, 224, "P-224"),
    (22, "secp256k1", "secp256k1", _EC, 256, None),
    (23, "secp256r1", "prime256v1", _EC, 256, "P-256"),
    (24, "secp384r1", "secp384r1", _EC, 384, "P-384"),
    (25, "secp521r1", "secp521r1", _EC, 521, "P-521"),
    (26, "brainpoolP256r1", "brainpoolP256r1", _EC, 256, None),
    (27, "brainpoolP384r1", "brainpoolP384r1", _EC, 384, None),
    (28, "brainpoolP512r1", "brainpoolP512r1", _EC, 512, None),
    (29, "x25519", "X25519", _ECX, 256, None),
    (30, "x448", "X448", _ECX, 448, None),
    (31, "brainpoolP256r1tls13", "brainpoolP256r1tls13", _EC, 256, None),
    (32, "brainpoolP384r1tls13", "brainpoolP384r1tls13", _EC, 384, None),
    (33, "brainpoolP512r1tls13", "brainpoolP512r1tls13", _EC, 512, None),
    (34, "GC256A", None, _EC, 256, None),
    (35, "GC256B", None, _EC, 256, None),
    (36, "GC256C", None, _EC, 256, None),
    (37, "GC256D", None, _EC, 256, None),
    (38, "GC512A", None, _EC, 512, None),
    (39, "GC512B", None, _EC, 512, None),
    (40, "GC512C", None, _EC, 512, None),
    (41, "curveSM2", "curveSM2", _EC, 256, None),
    (256, "ffdhe2048", "ffdhe2048", _FFDH, 2048, None),
    (257, "ffdhe3072", "ffdhe3072", _FFDH, 3072, None),
    (258, "ffdhe4096", "ffdhe4096", _FFDH, 4096, None),
    (259, "ffdhe6144", "ffdhe6144", _FFDH, 6144, None),
    (260, "ffdhe8192", "ffdhe8192", _FFDH, 8192, None),
    (512, "MLKEM512", "MLKEM512", _PQ, 512, None),
    (513, "MLKEM768", "MLKEM768", _PQ, 768, None),
    (514, "MLKEM1024", "MLKEM1024", _PQ, 1024, None),
    (4587, "SecP256r1MLKEM768", "SecP256r1MLKEM768", _HYB, 256, None),
    (4588, "X25519MLKEM768", "X25519MLKEM768", _HYB, 256, None),
    (4589, "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", _HYB, 384, None),
    # IANA marks these two "(OBSOLETE)": pre-standard Kyber, still seen on older servers.
    (25497, "X25519Kyber768Draft00", None, _HYB, 256, None),
    (25498, "SecP256r1Kyber768Draft00", None, _HYB, 256, None),
    (65281, "arbitrary_explicit_prime_curves", None, _EC, 0, None),
    (65282, "arbitrary_explicit_char2_curves", None, _EC, 0, None),
)

GROUPS: tuple[Group, ...] = tuple(
    Group(
        code=code,
        iana_name=iana_name,
        openssl_name=openssl_name,
        kind=kind,
        bits=bits,
        aliases=frozenset({alias}) if alias else frozenset(),
    )
    for code, iana_name, openssl_name, kind, bits, alias in _ROWS
)


def _name_index() -> dict[str, Group]:
    index: dict[str, Group] = {}
    for group in GROUPS:
        for name in (group.iana_name, group.openssl_name, *group.aliases):
            if name is not None and index.setdefault(name.casefold(), group) is not group:
                raise ValueError(f"group registry: {name!r} names two groups")
    return index


_BY_CODE = {group.code: group for group in GROUPS}
_BY_NAME = _name_index()


def group_by_code(code: int) -> Group | None:
    return _BY_CODE.get(code)


def group_by_name(name: str) -> Group | None:
    """A group by IANA name, OpenSSL name or NIST alias, any case ("P-256", "prime256v1")."""
    return _BY_NAME.get(name.strip().casefold())
