"""What a finding objects to at its endpoint, as typed values: protocol versions and cipher suites.

TLS-010, TLS-011, TLS-020 and TLS-021 name what they object to in their evidence (docs/report.md keeps
the evidence as it is); the keys are declared here, once, and ``objected`` turns them into typed
values, so the diff (which version that came back does a rule object to?) never reads evidence
by string keys of its own. A leaf: it imports nothing from hatls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

# Evidence keys holding a list of protocol versions the finding objects to.
FORBIDDEN: Final = "forbidden"                        # TLS-010: accepted, not allowed
DISCOURAGED_ACCEPTED: Final = "discouraged_accepted"  # TLS-010: accepted, discouraged
OUTSIDE: Final = "outside"                            # TLS-011: outside the sec_protocol
VERSION_KEYS: Final = (FORBIDDEN, DISCOURAGED_ACCEPTED, OUTSIDE)

# Evidence keys holding a list of {"version", "suite", …} the finding objects to.
OFFENDING: Final = "offending"                               # TLS-020: not in the allow-list
WITHOUT_FORWARD_SECRECY: Final = "without_forward_secrecy"   # TLS-021
SUITE_KEYS: Final = (OFFENDING, WITHOUT_FORWARD_SECRECY)


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteObjection:
    version: str
    suite: str       # as the rule wrote it (an IANA name for the rules of this release)


@dataclass(frozen=True, slots=True, kw_only=True)
class Objected:
    versions: tuple[str, ...] = ()
    suites: tuple[SuiteObjection, ...] = ()


def objected(evidence: Mapping[str, Any]) -> Objected:
    """The versions and suites a finding's evidence objects to; entries of another shape (a
    report edited, or from a release that wrote them otherwise) are left out, never guessed."""
    versions = [v for key in VERSION_KEYS for v in _listed(evidence.get(key)) if isinstance(v, str)]
    suites = [SuiteObjection(version=str(e.get("version")), suite=e["suite"])
              for key in SUITE_KEYS for e in _listed(evidence.get(key))
              if isinstance(e, Mapping) and isinstance(e.get("suite"), str)]
    return Objected(versions=tuple(versions), suites=tuple(suites))


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []
