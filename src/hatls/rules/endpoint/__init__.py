"""The TLS rules of docs/rules.md, one per ID, judged for each endpoint.

Every rule takes an EndpointContext and returns exactly one Finding; each is a ``Rule`` made by
``@rule("TLS-0xx")`` at its definition, and the engine applies the policy's severity overrides.
The rules live by theme:

- _reach.py     TLS-001 reachability, TLS-002 Listening Mode
- _versions.py  TLS-010 … TLS-012 protocol versions
- _suites.py    TLS-020 … TLS-022 cipher suites and key exchange
- _cert.py      TLS-030, 031, 037, 038 validity, chain, lifespan, revocation
- _identity.py  TLS-032 … TLS-036 names, strength, thumbprint, EKU, self-signed
- _features.py  TLS-040 … TLS-045 client auth and handshake features
"""

from __future__ import annotations

from hatls.rules._rule import EndpointRule
from hatls.rules.endpoint._cert import tls_030, tls_031, tls_037, tls_038
from hatls.rules.endpoint._features import tls_040, tls_041, tls_042, tls_043, tls_044, tls_045
from hatls.rules.endpoint._identity import tls_032, tls_033, tls_034, tls_035, tls_036
from hatls.rules.endpoint._reach import tls_001, tls_002
from hatls.rules.endpoint._suites import tls_020, tls_021, tls_022
from hatls.rules.endpoint._support import iana
from hatls.rules.endpoint._versions import tls_010, tls_011, tls_012

# In ID order, as the engine runs them (rules/_engine.py).
ENDPOINT_RULES: tuple[EndpointRule, ...] = tuple(sorted((
    tls_001, tls_002,
    tls_010, tls_011, tls_012,
    tls_020, tls_021, tls_022,
    tls_030, tls_031, tls_032, tls_033, tls_034, tls_035, tls_036, tls_037, tls_038,
    tls_040, tls_041, tls_042, tls_043, tls_044, tls_045,
), key=lambda r: r.id))

__all__ = [
    "ENDPOINT_RULES", "iana",
    "tls_001", "tls_002", "tls_010", "tls_011", "tls_012", "tls_020", "tls_021", "tls_022",
    "tls_030", "tls_031", "tls_032", "tls_033", "tls_034", "tls_035", "tls_036", "tls_037",
    "tls_038", "tls_040", "tls_041", "tls_042", "tls_043", "tls_044", "tls_045",
]
