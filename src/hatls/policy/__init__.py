"""Policies (docs/rules.md "Policies"): what a published guideline asks of a TLS server, as data.

``load_policy`` reads a built-in policy by name or a user's file by path; a report carries the
policy (the generic codec of ``hatls.report``, shaped by the model's field metadata) so a saved
report is judged again under the same policy.
Below the rules and the inventory: it reads only the rule catalogue and the TLS tables.
"""

from hatls.policy._names import BUILTIN_POLICIES, DEFAULT_POLICY
from hatls.policy._policy import (
    CertificatePolicy,
    Policy,
    PolicyError,
    builtin_policies,
    load_policy,
    parse_policy,
)
from hatls.policy._sections import FORWARD_SECRECY, RULE_OPTIONS, SEVERITY_OR_OFF

__all__ = [
    "BUILTIN_POLICIES", "DEFAULT_POLICY", "FORWARD_SECRECY", "RULE_OPTIONS", "SEVERITY_OR_OFF",
    "CertificatePolicy", "Policy", "PolicyError", "builtin_policies", "load_policy", "parse_policy",
]
