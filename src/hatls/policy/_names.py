"""The names of the built-in policies (``hatls/policies/<name>.toml``) and the default one.

A leaf: the inventory checks the policy it names against these without loading any policy.
"""

from __future__ import annotations

BUILTIN_POLICIES: tuple[str, ...] = (
    "genesys-ha", "mozilla-modern", "mozilla-intermediate", "mozilla-old", "nist-800-52r2",
)
DEFAULT_POLICY = "genesys-ha"
