"""Certificate thumbprints (TLS-034, the inventory's `thumbprint`): the one normalization.

A thumbprint is pasted from wherever an operator found it, most often the Windows certificate
dialog, which brings invisible characters along (U+200E LEFT-TO-RIGHT MARK first of all).
Normalizing drops separators (":" and white space) and every invisible character: Unicode
categories Cf (format: U+200B..U+200F, U+2060, U+FEFF, U+180E MONGOLIAN VOWEL SEPARATOR, bidi
controls) and Cc (control). Dropping them cannot make a thumbprint match another certificate:
the hex digits left are exactly those the operator sees, in their order. Anything else that is
not hex (a "-", a Cyrillic "а") stays, so the thumbprint is refused rather than guessed at.

U+180E was a space separator (Zs) before Unicode 6.3 and is a format character (Cf) since: it is
dropped under either reading. (The inventory's former copy of this function kept it, and
refused such a thumbprint as "not hexadecimal".)
"""

from __future__ import annotations

import string
import unicodedata

from hatls.x509._facts import CertificateFacts, bounded_text

_HEX_DIGITS = frozenset(string.hexdigits.lower())


def _is_separator(char: str) -> bool:
    # docs/inventory.md: colons or spaces between bytes, and the invisible characters a copy from
    # the Windows certificate dialog brings along (U+200E LEFT-TO-RIGHT MARK), are dropped.
    return char == ":" or char.isspace() or unicodedata.category(char) in {"Cf", "Cc", "Zs"}


def normalize_thumbprint(thumbprint: str) -> str:
    """Lowercase hex with separators and invisible characters removed ("AB:cd\u200e" -> "abcd")."""
    return "".join(char for char in thumbprint if not _is_separator(char)).lower()


def thumbprint_algorithm(thumbprint: str) -> str | None:
    """"sha1" for 40 hex digits, "sha256" for 64 (after normalizing), None for anything else."""
    digits = normalize_thumbprint(thumbprint)
    if not digits or not set(digits) <= _HEX_DIGITS:
        return None
    return {40: "sha1", 64: "sha256"}.get(len(digits))


def fingerprint_matches(facts: CertificateFacts, thumbprint: str) -> bool:
    """Whether ``thumbprint`` (SHA-1 or SHA-256, any common notation) is this certificate's.

    ValueError for a thumbprint that is neither: the inventory loader rejects those, so one
    reaching here is a caller's bug and must not read as "a different certificate".
    """
    algorithm = thumbprint_algorithm(thumbprint)
    if algorithm is None:
        raise ValueError(f"not a SHA-1 or SHA-256 thumbprint: {bounded_text(thumbprint, 100)!r}")
    expected = facts.sha1 if algorithm == "sha1" else facts.sha256
    return normalize_thumbprint(thumbprint) == expected
