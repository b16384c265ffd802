"""The rule catalogue of docs/rules.md: every rule's ID, default severity, scope and texts.

Pure data over hatls.findings. It sits below the policy (which checks the rule IDs a policy file
names) and below the rules themselves (each is defined against its entry), so it imports neither.
"""

from hatls.catalog._info import RuleInfo, Scope
from hatls.catalog._table import RULES, rule_info

__all__ = ["RULES", "RuleInfo", "Scope", "rule_info"]
