"""Policies (docs/rules.md "Policies"): what a published guideline asks of a TLS server, as data.

A policy is a TOML file. The built-in ones ship in ``hatls/policies/``; ``--policy PATH`` takes a
user's own, validated as strictly as an inventory. A policy may change a rule's severity, turn a
rule off or set its thresholds; it never changes what a rule means. The file's text and hash go
into every report so a saved report can be judged again under exactly the same policy.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hatls.json_shape import Shape, shaped
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


def _in(section: str, name: str) -> Mapping[str, Shape]:
    # A report's ``inputs.policy`` groups the settings as the TOML file does (versions, ciphers…).
    return shaped(section=section, name=name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    name: str
    title: str
    source: str
    source_version: str
    sha256: str                   # of the policy file's bytes
    versions_allowed: frozenset[str] = field(metadata=_in("versions", "allowed"))
    versions_discouraged: frozenset[str] = field(metadata=_in("versions", "discouraged"))
    versions_required: frozenset[str] = field(metadata=_in("versions", "required"))
    # IANA names, TLS <= 1.2
    tls12_suites: frozenset[str] = field(metadata=_in("ciphers", "tls12"))
    tls13_suites: frozenset[str] = field(metadata=_in("ciphers", "tls13"))
    # fail | warn | off
    forward_secrecy: str = field(metadata=_in("ciphers", "forward_secrecy"))
    # None: no allow-list
    groups_allowed: frozenset[str] | None = field(metadata=_in("groups", "allowed"))
    groups_discouraged: frozenset[str] = field(metadata=_in("groups", "discouraged"))
    groups_required_any: frozenset[str] = field(metadata=_in("groups", "required_any"))
    dh_min_bits: int | None = field(metadata=_in("groups", "dh_min_bits"))
    ecdh_min_bits: int | None = field(metadata=_in("groups", "ecdh_min_bits"))
    certificate: CertificatePolicy
    # rule id -> severity or "off"
    rule_severity: Mapping[str, str] = field(metadata=_in("rules", "severity"))
    # {"TLS-043": {"when": "several-versions"}}
    rule_options: Mapping[str, Mapping[str, str]] = field(metadata=_in("rules", "options"))
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
