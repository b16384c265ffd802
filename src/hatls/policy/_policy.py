"""Policies (RULES.md "Policies"): what a published guideline asks of a TLS server, as data.

A policy is a TOML file. The built-in ones ship in ``hatls/policies/``; ``--policy PATH`` takes a
user's own, validated as strictly as an inventory. A policy may change a rule's severity, turn a
rule off or set its thresholds; it never changes what a rule means. The file's text and hash go
into every report so a saved report can be judged again under exactly the same policy.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hatls.policy import _sections as sections
from hatls.policy._fields import Reader
from hatls.policy._names import BUILTIN_POLICIES
from hatls.policy._sections import RULE_OPTIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificatePolicy:
    types: frozenset[str]         # key types as CertificateFacts.key_type: "RSA", "EC", …
    curves: frozenset[str]        # leaf EC curves: "secp256r1", …
    signatures: frozenset[str]    # leaf signature names: "sha256WithRSAEncryption", …
    rsa_min_bits: int
    ec_min_bits: int
    min_days_valid: int           # the inventory's value, where given, wins (TLS-030)
    max_lifespan_days: int | None
    eku_required: bool
    any_eku_forbidden: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    name: str
    title: str
    source: str
    source_version: str
    sha256: str                   # of the policy file's bytes
    versions_allowed: frozenset[str]
    versions_discouraged: frozenset[str]
    versions_required: frozenset[str]
    tls12_suites: frozenset[str]  # IANA names, TLS <= 1.2
    tls13_suites: frozenset[str]
    forward_secrecy: str          # fail | warn | off
    groups_allowed: frozenset[str] | None   # None: no allow-list
    groups_discouraged: frozenset[str]
    groups_required_any: frozenset[str]
    dh_min_bits: int | None
    ecdh_min_bits: int | None
    certificate: CertificatePolicy
    rule_severity: Mapping[str, str]                  # rule id -> severity or "off"
    rule_options: Mapping[str, Mapping[str, str]]     # {"TLS-043": {"when": "several-versions"}}
    not_checked: tuple[str, ...]
    notes: str
    text: str                     # the TOML itself, so a report can embed it for replay

    def option(self, rule_id: str, name: str) -> str:
        """A rule's named condition, or its default (the first value RULE_OPTIONS lists)."""
        return self.rule_options.get(rule_id, {}).get(name) or RULE_OPTIONS[rule_id][name][0]


class PolicyError(Exception):
    """The policy cannot be used; ``problems`` names every error found, one per line of str()."""

    problems: tuple[str, ...]

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_policy(name_or_path: str) -> Policy:
    """A built-in policy by name, else a policy file by path."""
    if name_or_path in BUILTIN_POLICIES:
        resource = resources.files("hatls") / "policies" / f"{name_or_path}.toml"
        return _from_bytes(resource.read_bytes(), origin=f"{name_or_path} (built-in)")
    path = Path(name_or_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        known = ", ".join(BUILTIN_POLICIES)
        raise PolicyError((f"{name_or_path}: not a built-in policy ({known}) and not a readable "
                           f"file: {exc.strerror or exc}",)) from exc
    return _from_bytes(data, origin=str(path))


def builtin_policies() -> tuple[Policy, ...]:
    return tuple(load_policy(name) for name in BUILTIN_POLICIES)


def _from_bytes(data: bytes, *, origin: str) -> Policy:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"{origin}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise PolicyError((problem,)) from exc
    return parse_policy(text, origin=origin)


def parse_policy(text: str, *, origin: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError((f"{origin}: not valid TOML: {exc}",)) from exc
    reader = Reader(origin=origin, text=text)
    reader.known_keys(data, "", sections.TOP_KEYS)
    fields: dict[str, Any] = {}
    for section in (sections.head, sections.versions, sections.ciphers, sections.groups,
                    sections.rules):
        fields |= section(reader, data)
    certificate = sections.certificate(reader, data)
    if reader.problems:
        raise PolicyError(tuple(reader.problems))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Policy(sha256=digest, certificate=CertificatePolicy(**certificate), text=text, **fields)


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """The policy as JSON-ready data for a report's ``inputs`` (sets as sorted lists)."""
    def listed(names: frozenset[str] | None) -> list[str] | None:
        return None if names is None else sorted(names)

    cert = policy.certificate
    return {
        "name": policy.name, "title": policy.title, "source": policy.source,
        "source_version": policy.source_version, "sha256": policy.sha256,
        "versions": {"allowed": listed(policy.versions_allowed),
                     "discouraged": listed(policy.versions_discouraged),
                     "required": listed(policy.versions_required)},
        "ciphers": {"tls12": listed(policy.tls12_suites), "tls13": listed(policy.tls13_suites),
                    "forward_secrecy": policy.forward_secrecy},
        "groups": {"allowed": listed(policy.groups_allowed),
                   "discouraged": listed(policy.groups_discouraged),
                   "required_any": listed(policy.groups_required_any),
                   "dh_min_bits": policy.dh_min_bits, "ecdh_min_bits": policy.ecdh_min_bits},
        "certificate": {"types": listed(cert.types), "curves": listed(cert.curves),
                        "signatures": listed(cert.signatures), "rsa_min_bits": cert.rsa_min_bits,
                        "ec_min_bits": cert.ec_min_bits, "min_days_valid": cert.min_days_valid,
                        "max_lifespan_days": cert.max_lifespan_days,
                        "eku_required": cert.eku_required,
                        "any_eku_forbidden": cert.any_eku_forbidden},
        "rules": {"severity": dict(policy.rule_severity),
                  "options": {k: dict(v) for k, v in policy.rule_options.items()}},
        "not_checked": list(policy.not_checked), "notes": policy.notes, "text": policy.text,
    }


def policy_from_dict(data: Mapping[str, Any]) -> Policy:
    """The inverse of policy_to_dict. It trusts the data's shape (hatls wrote it) but not
    blindly: anything missing or mistyped is a PolicyError, never a half-built policy."""
    try:
        return _from_dict(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise PolicyError((f"report inputs: policy data is incomplete or malformed: {exc!r}",)) \
            from exc


def _from_dict(d: Mapping[str, Any]) -> Policy:
    def names(value: list[str] | None) -> frozenset[str]:
        return frozenset(str(v) for v in (value or ()))

    versions, ciphers, groups, cert, rules = (
        d["versions"], d["ciphers"], d["groups"], d["certificate"], d["rules"])
    return Policy(
        name=str(d["name"]), title=str(d["title"]), source=str(d["source"]),
        source_version=str(d["source_version"]), sha256=str(d["sha256"]),
        versions_allowed=names(versions["allowed"]),
        versions_discouraged=names(versions["discouraged"]),
        versions_required=names(versions["required"]),
        tls12_suites=names(ciphers["tls12"]), tls13_suites=names(ciphers["tls13"]),
        forward_secrecy=str(ciphers["forward_secrecy"]),
        groups_allowed=None if groups["allowed"] is None else names(groups["allowed"]),
        groups_discouraged=names(groups["discouraged"]),
        groups_required_any=names(groups["required_any"]),
        dh_min_bits=_optional_int(groups["dh_min_bits"]),
        ecdh_min_bits=_optional_int(groups["ecdh_min_bits"]),
        certificate=CertificatePolicy(
            types=names(cert["types"]), curves=names(cert["curves"]),
            signatures=names(cert["signatures"]), rsa_min_bits=int(cert["rsa_min_bits"]),
            ec_min_bits=int(cert["ec_min_bits"]), min_days_valid=int(cert["min_days_valid"]),
            max_lifespan_days=_optional_int(cert["max_lifespan_days"]),
            eku_required=bool(cert["eku_required"]),
            any_eku_forbidden=bool(cert["any_eku_forbidden"])),
        rule_severity=MappingProxyType({str(k): str(v) for k, v in rules["severity"].items()}),
        rule_options=MappingProxyType({str(k): MappingProxyType({str(o): str(x)
                                                                 for o, x in v.items()})
                                       for k, v in rules["options"].items()}),
        not_checked=tuple(str(v) for v in d["not_checked"]), notes=str(d["notes"]),
        text=str(d["text"]),
    )


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value
