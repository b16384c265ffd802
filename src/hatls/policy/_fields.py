"""Checked reading of a policy file's TOML tables: every problem is collected, none is fatal.

A policy is validated as strictly as an inventory (docs/rules.md "Policies"): an unknown key, a wrong
type or a name no registry knows is an error that names the key, so a typo can never switch a
check off. Each getter records a problem and returns a harmless default, so one pass over the
file reports every error in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from hatls._toml import LineIndex, Problem
from hatls.tls.groups import group_by_name
from hatls.tls.suites import lookup
from hatls.x509 import SIGNATURE_ALGORITHMS

# Key types as CertificateFacts.key_type spells them.
KEY_TYPES = frozenset({"RSA", "EC", "Ed25519", "Ed448", "DSA"})
# Leaf signature names as CertificateFacts.signature_algorithm spells them (OpenSSL's names).
SIGNATURE_NAMES = frozenset(name for name, _hash in SIGNATURE_ALGORITHMS.values())


class Reader:
    """Typed getters over parsed TOML that collect problems as "origin:line: key: message"."""

    def __init__(self, *, origin: str, text: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self._lines = LineIndex(text)
        self._missing_tables: set[str] = set()

    def report(self, key: str, message: str) -> None:
        if key.split(".")[0] in self._missing_tables and "." in key:
            return  # "missing required table" already says it; its keys would only repeat it
        line = self._lines.line_of(key.replace('"', "")) if key else None
        self.problems.append(str(Problem(file=self.origin, line=line, key=key, message=message)))

    def known_keys(self, table: Mapping[str, Any], path: str, allowed: Iterable[str]) -> None:
        names = frozenset(allowed)
        for key in table:
            if key not in names:
                expected = ", ".join(sorted(names))
                self.report(_join(path, key), f"unknown key (expected one of {expected})")

    def table(self, parent: Mapping[str, Any], key: str, path: str, *,
              required: bool) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            if required:
                self.report(_join(path, key), "missing required table")
                self._missing_tables.add(_join(path, key))
            return {}
        if not isinstance(value, dict):
            self.report(_join(path, key), f"must be a table, not {_kind(value)}")
            return {}
        return value

    def string(self, table: Mapping[str, Any], key: str, path: str, *, required: bool) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.report(_join(path, key), "missing required key")
            return ""
        if not isinstance(value, str):
            self.report(_join(path, key), f"must be a string, not {_kind(value)}")
            return ""
        return value

    def integer(self, table: Mapping[str, Any], key: str, path: str, *, required: bool,
                minimum: int = 0) -> int | None:
        value = table.get(key)
        if value is None:
            if required:
                self.report(_join(path, key), "missing required key")
            return None
        # bool is an int in Python; `true` for a bit size is a typo, not 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(_join(path, key), f"must be an integer, not {_kind(value)}")
            return None
        if value < minimum:
            self.report(_join(path, key), f"must be at least {minimum}, not {value}")
            return None
        return value

    def boolean(self, table: Mapping[str, Any], key: str, path: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.report(_join(path, key), f"must be true or false, not {_kind(value)}")
            return False
        return value

    def strings(self, table: Mapping[str, Any], key: str, path: str, *,
                required: bool) -> tuple[str, ...] | None:
        """A list of strings; None when the key is absent (absent and empty differ for groups)."""
        value = table.get(key)
        if value is None:
            if required:
                self.report(_join(path, key), "missing required key")
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.report(_join(path, key), "must be a list of strings")
            return ()
        return tuple(value)

    def choices(self, names: Iterable[str], path: str, allowed: Iterable[str]) -> frozenset[str]:
        known = frozenset(allowed)
        for name in names:
            if name not in known:
                self.report(path, f"{name!r} is not one of {', '.join(sorted(known))}")
        return frozenset(n for n in names if n in known)

    def suites(self, names: Iterable[str], path: str, *, tls13: bool) -> frozenset[str]:
        """IANA suite names for one list; OpenSSL names are refused with the IANA one suggested."""
        out: set[str] = set()
        for name in names:
            suite = lookup(name)
            if suite is None or suite.is_signalling:
                self.report(path, f"{name!r} is not a cipher suite in hatls's registry")
            elif suite.iana_name != name:
                self.report(path, f"{name!r}: write the IANA name {suite.iana_name!r}")
            elif tls13 != ("TLSv1.3" in suite.versions):
                where = "TLS 1.3" if tls13 else "TLS 1.2 and older"
                self.report(path, f"{name!r} cannot be negotiated in {where}")
            else:
                out.add(name)
        return frozenset(out)

    def groups(self, names: Iterable[str], path: str, *, kinds: frozenset[str] | None = None
               ) -> frozenset[str]:
        """Group names in the registry's IANA spelling (an OpenSSL alias is accepted)."""
        out: set[str] = set()
        for name in names:
            group = group_by_name(name)
            if group is None:
                self.report(path, f"{name!r} is not a named group in hatls's registry")
            elif kinds is not None and group.kind not in kinds:
                self.report(path, f"{name!r} is not an elliptic curve a certificate can use")
            else:
                out.add(group.iana_name)
        return frozenset(out)


def _join(path: str, key: str) -> str:
    shown = f'"{key}"' if not re.fullmatch(r"[A-Za-z0-9_]+", key) else key
    return f"{path}.{shown}" if path else shown


def _kind(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
