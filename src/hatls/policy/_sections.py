"""The sections of a policy file, each read into the fields of ``hatls.policy.Policy``.

docs/rules.md "Policies" defines the tables; every reader here records problems on the shared
``Reader`` and returns harmless defaults, so one pass reports every error in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hatls.catalog import RULES
from hatls.policy._fields import KEY_TYPES, SIGNATURE_NAMES, Reader
from hatls.tls.protocol import ProtocolVersion

FORWARD_SECRECY = ("fail", "warn", "off")
SEVERITY_OR_OFF = ("critical", "high", "medium", "low", "info", "off")
# The named conditions a rule defines (docs/rules.md): rule id -> option -> accepted values, the
# first being the default.
RULE_OPTIONS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "TLS-043": MappingProxyType({"when": ("several-versions", "below-tls12-without-tls13")}),
})
TOP_KEYS = ("name", "title", "source", "source_version", "notes", "not_checked", "versions",
            "ciphers", "groups", "certificate", "rules")


def head(reader: Reader, data: dict[str, Any]) -> dict[str, Any]:
    heads = {key: reader.string(data, key, "", required=True)
             for key in ("name", "title", "source", "source_version")}
    return heads | {
        "notes": reader.string(data, "notes", "", required=False),
        "not_checked": reader.strings(data, "not_checked", "", required=False) or (),
    }


def versions(reader: Reader, data: dict[str, Any]) -> dict[str, Any]:
    table = reader.table(data, "versions", "", required=True)
    reader.known_keys(table, "versions", ("allowed", "discouraged", "required"))
    found = {key: reader.choices(reader.strings(table, key, "versions", required=key == "allowed")
                                 or (), f"versions.{key}", ProtocolVersion)
             for key in ("allowed", "discouraged", "required")}
    if both := found["allowed"] & found["discouraged"]:
        reader.report("versions.discouraged", f"{sorted(both)} are also allowed")
    # docs/rules.md: "`required` (a subset of allowed or discouraged)".
    if stray := found["required"] - found["allowed"] - found["discouraged"]:
        reader.report("versions.required", f"{sorted(stray)} are neither allowed nor discouraged")
    return {f"versions_{key}": names for key, names in found.items()}


def ciphers(reader: Reader, data: dict[str, Any]) -> dict[str, Any]:
    table = reader.table(data, "ciphers", "", required=True)
    reader.known_keys(table, "ciphers", ("tls12", "tls13", "forward_secrecy"))
    tls12 = reader.strings(table, "tls12", "ciphers", required=True) or ()
    tls13 = reader.strings(table, "tls13", "ciphers", required=True) or ()
    secrecy = reader.string(table, "forward_secrecy", "ciphers", required=False) or "fail"
    if secrecy not in FORWARD_SECRECY:
        reader.report("ciphers.forward_secrecy", f"{secrecy!r} is not one of fail, warn, off")
    return {"tls12_suites": reader.suites(tls12, "ciphers.tls12", tls13=False),
            "tls13_suites": reader.suites(tls13, "ciphers.tls13", tls13=True),
            "forward_secrecy": secrecy}


def groups(reader: Reader, data: dict[str, Any]) -> dict[str, Any]:
    table = reader.table(data, "groups", "", required=False)
    reader.known_keys(table, "groups", ("allowed", "discouraged", "required_any", "dh_min_bits",
                                        "ecdh_min_bits"))
    listed = reader.strings(table, "allowed", "groups", required=False)
    allowed = None if listed is None else reader.groups(listed, "groups.allowed")
    discouraged = reader.groups(reader.strings(table, "discouraged", "groups", required=False)
                                or (), "groups.discouraged")
    required = reader.groups(reader.strings(table, "required_any", "groups", required=False)
                             or (), "groups.required_any")
    if allowed is not None and (both := allowed & discouraged):
        reader.report("groups.discouraged", f"{sorted(both)} are also allowed")
    if allowed is not None and (stray := required - allowed - discouraged):
        reader.report("groups.required_any", f"{sorted(stray)} are not in groups.allowed")
    return {"groups_allowed": allowed, "groups_discouraged": discouraged,
            "groups_required_any": required,
            "dh_min_bits": reader.integer(table, "dh_min_bits", "groups", required=False,
                                          minimum=1),
            "ecdh_min_bits": reader.integer(table, "ecdh_min_bits", "groups", required=False,
                                            minimum=1)}


def certificate(reader: Reader, data: dict[str, Any]) -> dict[str, Any]:
    """The ``[certificate]`` table as CertificatePolicy's fields."""
    table = reader.table(data, "certificate", "", required=True)
    path = "certificate"
    reader.known_keys(table, path, ("types", "curves", "signatures", "rsa_min_bits", "ec_min_bits",
                                    "min_days_valid", "max_lifespan_days", "eku_required",
                                    "any_eku_forbidden"))

    def names(key: str) -> tuple[str, ...]:
        return reader.strings(table, key, path, required=True) or ()

    def number(key: str, *, required: bool = True) -> int | None:
        return reader.integer(table, key, path, required=required, minimum=1)

    return dict(
        types=reader.choices(names("types"), f"{path}.types", KEY_TYPES),
        curves=reader.groups(names("curves"), f"{path}.curves", kinds=frozenset({"ec"})),
        signatures=reader.choices(names("signatures"), f"{path}.signatures", SIGNATURE_NAMES),
        rsa_min_bits=number("rsa_min_bits") or 0,
        ec_min_bits=number("ec_min_bits") or 0,
        min_days_valid=reader.integer(table, "min_days_valid", path, required=True) or 0,
        max_lifespan_days=number("max_lifespan_days", required=False),
        eku_required=reader.boolean(table, "eku_required", path),
        any_eku_forbidden=reader.boolean(table, "any_eku_forbidden", path),
    )


def rules(reader: Reader, data: dict[str, Any]) -> dict[str, Any]:
    """``"TLS-021" = "off"`` or ``[rules."TLS-043"] severity = "low", when = "…"``."""
    table = reader.table(data, "rules", "", required=False)
    severity: dict[str, str] = {}
    options: dict[str, Mapping[str, str]] = {}
    for rule_id, value in table.items():
        path = f'rules."{rule_id}"'
        if rule_id not in RULES:
            reader.report(path, "no rule has this id (see `hatls rules`)")
            continue
        entry = {"severity": value} if isinstance(value, str) else value
        if not isinstance(entry, dict):
            reader.report(path, "must be a severity, \"off\" or a table")
            continue
        named = RULE_OPTIONS.get(rule_id, {})
        reader.known_keys(entry, path, ("severity", *named))
        if (level := _choice(reader, entry, "severity", path, SEVERITY_OR_OFF)) is not None:
            severity[rule_id] = level
        chosen = {key: choice for key, accepted in named.items()
                  if (choice := _choice(reader, entry, key, path, accepted)) is not None}
        if chosen:
            options[rule_id] = MappingProxyType(chosen)
    return {"rule_severity": MappingProxyType(severity),
            "rule_options": MappingProxyType(options)}


def _choice(reader: Reader, entry: Mapping[str, Any], key: str, path: str,
            accepted: tuple[str, ...]) -> str | None:
    if key not in entry:
        return None
    value = reader.string(entry, key, path, required=True)
    if value and value not in accepted:
        reader.report(f"{path}.{key}", f"{value!r} is not one of {', '.join(accepted)}")
        return None
    return value or None
