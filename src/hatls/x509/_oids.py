"""Names for certificate OIDs, as OpenSSL and sslyze print them (so reports read familiarly).

An OID missing here is reported as its dotted string: unknown is shown, never guessed.
"""

from __future__ import annotations

# signatureAlgorithm OID -> (OpenSSL name, hash name or None). None as hash means either
# "no separate hash" (EdDSA) or "in the parameters" (RSASSA-PSS, looked up by the caller).
SIGNATURE_ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "1.2.840.113549.1.1.2": ("md2WithRSAEncryption", "md2"),
    "1.2.840.113549.1.1.4": ("md5WithRSAEncryption", "md5"),
    "1.2.840.113549.1.1.5": ("sha1WithRSAEncryption", "sha1"),
    "1.3.14.3.2.29": ("sha1WithRSA", "sha1"),
    "1.2.840.113549.1.1.14": ("sha224WithRSAEncryption", "sha224"),
    "1.2.840.113549.1.1.11": ("sha256WithRSAEncryption", "sha256"),
    "1.2.840.113549.1.1.12": ("sha384WithRSAEncryption", "sha384"),
    "1.2.840.113549.1.1.13": ("sha512WithRSAEncryption", "sha512"),
    "1.2.840.113549.1.1.10": ("rsassaPss", None),
    "2.16.840.1.101.3.4.3.13": ("RSA-SHA3-224", "sha3-224"),
    "2.16.840.1.101.3.4.3.14": ("RSA-SHA3-256", "sha3-256"),
    "2.16.840.1.101.3.4.3.15": ("RSA-SHA3-384", "sha3-384"),
    "2.16.840.1.101.3.4.3.16": ("RSA-SHA3-512", "sha3-512"),
    "1.2.840.10045.4.1": ("ecdsa-with-SHA1", "sha1"),
    "1.2.840.10045.4.3.1": ("ecdsa-with-SHA224", "sha224"),
    "1.2.840.10045.4.3.2": ("ecdsa-with-SHA256", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa-with-SHA384", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa-with-SHA512", "sha512"),
    "2.16.840.1.101.3.4.3.9": ("ecdsa_with_SHA3-224", "sha3-224"),
    "2.16.840.1.101.3.4.3.10": ("ecdsa_with_SHA3-256", "sha3-256"),
    "2.16.840.1.101.3.4.3.11": ("ecdsa_with_SHA3-384", "sha3-384"),
    "2.16.840.1.101.3.4.3.12": ("ecdsa_with_SHA3-512", "sha3-512"),
    "1.3.101.112": ("ED25519", None),
    "1.3.101.113": ("ED448", None),
    "1.2.840.10040.4.3": ("dsaWithSHA1", "sha1"),
    "2.16.840.1.101.3.4.3.1": ("dsa_with_SHA224", "sha224"),
    "2.16.840.1.101.3.4.3.2": ("dsa_with_SHA256", "sha256"),
}

# The PSS entry takes its hash from the parameters; EdDSA has none.
HASH_IN_PARAMETERS = frozenset({"1.2.840.113549.1.1.10"})

EXTENDED_KEY_USAGES: dict[str, str] = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.5": "ipsecEndSystem",
    "1.3.6.1.5.5.7.3.6": "ipsecTunnel",
    "1.3.6.1.5.5.7.3.7": "ipsecUser",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "1.3.6.1.5.5.7.3.17": "ipsecIKE",
    "2.5.29.37.0": "anyExtendedKeyUsage",
    "1.3.6.1.4.1.311.20.2.2": "msSmartcardLogin",
    "1.3.6.1.4.1.311.10.3.3": "msSGC",
    "2.16.840.1.113730.4.1": "nsSGC",
}
