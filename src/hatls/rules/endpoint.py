"""The TLS rules of RULES.md, one function per rule, judged for each endpoint.

Every rule takes an EndpointContext and returns exactly one Finding. The engine derives the rule
id from the function name (``tls_030`` -> ``TLS-030``) and applies the policy's severity
overrides. The rules live by theme:

- endpoint_reach.py     TLS-001 reachability, TLS-002 Listening Mode
- endpoint_versions.py  TLS-010 … TLS-012 protocol versions
- endpoint_suites.py    TLS-020 … TLS-022 cipher suites and key exchange
- endpoint_cert.py      TLS-030, 031, 037, 038 validity, chain, lifespan, revocation
- endpoint_identity.py  TLS-032 … TLS-036 names, strength, thumbprint, EKU, self-signed
- endpoint_features.py  TLS-040 … TLS-045 client auth and handshake features
"""

from __future__ import annotations

from collections.abc import Callable

from hatls.rules.endpoint_cert import tls_030, tls_031, tls_037, tls_038
from hatls.rules.endpoint_features import tls_040, tls_041, tls_042, tls_043, tls_044, tls_045
from hatls.rules.endpoint_identity import tls_032, tls_033, tls_034, tls_035, tls_036
from hatls.rules.endpoint_reach import tls_001, tls_002
from hatls.rules.endpoint_suites import tls_020, tls_021, tls_022
from hatls.rules.endpoint_versions import tls_010, tls_011, tls_012
from hatls.rules.model import EndpointContext, Finding

EndpointRule = Callable[[EndpointContext], Finding]

ENDPOINT_RULES: tuple[EndpointRule, ...] = (
    tls_001, tls_002,
    tls_010, tls_011, tls_012,
    tls_020, tls_021, tls_022,
    tls_030, tls_031, tls_032, tls_033, tls_034, tls_035, tls_036, tls_037, tls_038,
    tls_040, tls_041, tls_042, tls_043, tls_044, tls_045,
)

__all__ = [
    "ENDPOINT_RULES", "EndpointRule",
    "tls_001", "tls_002", "tls_010", "tls_011", "tls_012", "tls_020", "tls_021", "tls_022",
    "tls_030", "tls_031", "tls_032", "tls_033", "tls_034", "tls_035", "tls_036", "tls_037",
    "tls_038", "tls_040", "tls_041", "tls_042", "tls_043", "tls_044", "tls_045",
]
