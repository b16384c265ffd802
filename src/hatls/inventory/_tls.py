"""The TLS expectation keys of `[tls]`, `[pair.tls]` and a port, and how they combine.

Each place yields a *layer*: the expectations it writes, by `TlsExpectations` field name. A
port's expectations are its layer over its pair's over the file's, key by key, so a port that
sets only `tls_mutual` keeps the pair's `sec_protocol`.
"""

from __future__ import annotations

from typing import Any

from hatls._toml import Checker, Table, choices_text, describe, index_key, join_key
from hatls.inventory._files import read_ca_list, read_crl
from hatls.inventory._model import CipherList, PemFile, SecProtocol, TlsExpectations
from hatls.tls import suites

TLS_KEYS = (
    "sec_protocol",
    "cipher_list",
    "tls_mutual",
    "tls_target_name_check",
    "min_days_valid",
    "trusted_ca",
    "tls_crl",
)
# The TLS options Genesys allows on a port (docs/inventory.md "Ports").
PORT_TLS_KEYS = ("tls_mutual", "sec_protocol", "cipher_list")

# Field name -> value, for the keys one place writes (and wrote correctly). `Any` because the
# fields differ in type; `TlsExpectations(**...)` checks them when layers are resolved.
TlsLayer = dict[str, Any]


def resolve_expectations(*layers: TlsLayer) -> TlsExpectations:
    """Later layers win key by key: `resolve_expectations(file, pair, port)`."""
    merged: TlsLayer = {}
    for layer in layers:
        merged.update(layer)
    return TlsExpectations(**merged)


def tls_layer(
    checker: Checker, base_dir: str, table: Table, path: str, keys: tuple[str, ...] = TLS_KEYS
) -> TlsLayer:
    """The expectations `table` writes among `keys`; a wrong value is reported and left out."""
    layer: TlsLayer = {}
    for key in keys:
        if key not in table:
            continue
        problems_before = len(checker.problems)
        field, parsed = _parse_tls_key(checker, base_dir, table, key, path)
        if len(checker.problems) == problems_before:
            layer[field] = parsed
    return layer


def _parse_tls_key(checker: Checker, base_dir: str, table: Table, key: str, path: str) -> tuple[str, object]:
    value, key_path = table[key], join_key(path, key)
    match key:
        case "sec_protocol":
            return "sec_protocol", parse_sec_protocol(checker, value, key_path)
        case "cipher_list":
            return "cipher_list", parse_cipher_list(checker, value, key_path)
        case "tls_mutual":
            return "tls_mutual", checker.boolean(table, key, path)
        case "tls_target_name_check":
            return "name_check", parse_name_check(checker, value, key_path)
        case "min_days_valid":
            return "min_days_valid", checker.integer(table, key, path, minimum=0)
        case "trusted_ca":
            return "trusted_ca", read_ca_list(checker, base_dir, value, key_path)
        case "tls_crl":
            return "tls_crl", parse_crl(checker, base_dir, value, key_path)
    raise AssertionError(f"no parser for TLS key {key!r}")  # TLS_KEYS and this match agree


def parse_sec_protocol(checker: Checker, value: object, key: str) -> SecProtocol | None:
    if not isinstance(value, str):
        checker.wrong_type(key, "a string", value)
        return None
    try:
        return SecProtocol(value)
    except ValueError:
        pass
    allowed = choices_text(member.value for member in SecProtocol)
    suggestion = _genesys_literal(value)
    if suggestion is None:
        checker.report(key, f"{value!r} is not one of {allowed}")
    elif "." in value:
        checker.report(
            key,
            f"{value!r} is not a Genesys sec-protocol value: write {suggestion.value!r}"
            " (Genesys literals carry no dots)",
        )
    else:
        checker.report(key, f"{value!r} is not one of {allowed}: did you mean {suggestion.value!r}?")
    return None


def _genesys_literal(value: str) -> SecProtocol | None:
    """The literal a near miss such as "TLSv1.2", "tlsv12" or "TLSv1.0" stands for."""
    squeezed = value.strip().replace(".", "").casefold()
    squeezed = "tlsv1" if squeezed == "tlsv10" else squeezed
    return next((member for member in SecProtocol if member.value.casefold() == squeezed), None)


def parse_name_check(checker: Checker, value: object, key: str) -> bool | None:
    """Genesys's `tls-target-name-check = host` turns the check on; "" turns it off."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in ("host", ""):
        return bool(value.strip())
    checker.report(key, f'must be "host" or true (on), or "" or false (off), not {describe(value)}')
    return None


def parse_crl(checker: Checker, base_dir: str, value: object, key: str) -> PemFile | None:
    if not isinstance(value, str):
        checker.wrong_type(key, "a file path", value)
        return None
    return read_crl(checker, base_dir, value, key) if value else None


def parse_cipher_list(checker: Checker, value: object, key: str) -> CipherList | None:
    """An array of suite names, or one OpenSSL cipher string; empty = no limit (None)."""
    if isinstance(value, str):
        return _cipher_string(checker, value, key) if value.strip() else None
    if not isinstance(value, list):
        checker.wrong_type(key, "an array of suite names or an OpenSSL cipher string", value)
        return None
    if not value:
        return None
    tls12: set[str] = set()
    tls13: set[str] = set()
    for number, name in enumerate(value, start=1):
        if not isinstance(name, str):
            checker.wrong_type(index_key(key, number), "a cipher suite name", name)
            continue
        suite = suites.lookup(name.strip())
        if suite is None:
            checker.report(index_key(key, number), f"unknown cipher suite {name!r} (no IANA or OpenSSL name)")
            continue
        # A name list limits only the versions its names belong to.
        if "TLSv1.3" in suite.versions:
            tls13.add(suite.iana_name)
        if suite.versions - {"TLSv1.3"}:
            tls12.add(suite.iana_name)
    return CipherList(
        form="names",
        text=":".join(name for name in value if isinstance(name, str)),
        tls12=frozenset(tls12) or None,
        tls13=frozenset(tls13) or None,
    )


def _cipher_string(checker: Checker, text: str, key: str) -> CipherList | None:
    # As in OpenSSL, a cipher string governs TLS <= 1.2 only; TLS 1.3 stays unlimited.
    try:
        allowed = suites.expand_openssl_cipher_string(text)
    except ValueError as error:
        checker.report(key, str(error))
        return None
    return CipherList(form="openssl-string", text=text, tls12=frozenset(allowed), tls13=None)
