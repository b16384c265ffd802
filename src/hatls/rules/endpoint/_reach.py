"""TLS-001 (reachability) and TLS-002 (what the port speaks against its Listening Mode).

These two carry every "no handshake" defect, so the TLS-01x … TLS-04x rules can say skipped
with ``depends_on`` and a report reads from the root cause (docs/rules.md "When rules apply").
"""

from __future__ import annotations

from typing import Any

from hatls.findings import Finding, Status
from hatls.inventory import Mode
from hatls.observations import ErrorKind, Stage
from hatls.rules._common import is_idle_warm_backup, not_probed, skipped
from hatls.rules._context import EndpointContext
from hatls.rules._rule import rule
from hatls.rules.endpoint._support import finding, missing_observation

# A handshake that timed out or broke inside hatls says nothing about the server's mode.
_INCONCLUSIVE = frozenset({ErrorKind.TIMEOUT, ErrorKind.INTERNAL})


@rule("TLS-001")
def tls_001(ctx: EndpointContext) -> Finding:
    obs = ctx.observation
    error = obs.first_error()
    detail = {"kind": error.kind.value, "error": error.message} if error else {}
    # docs/rules.md: "A warm-standby backup that is not serving (connection refused, or accepted and
    # closed before any byte) is TLS-001 warn (it accepts clients only once promoted)".
    if is_idle_warm_backup(ctx):
        return finding(ctx, Status.WARN,
                       "warm-standby backup is not serving (it accepts clients only once "
                       "promoted): verify this port during a switchover",
                       {"reachable": obs.reachable, "redundancy": ctx.pair.redundancy.value,
                        **detail})
    if obs.reachable is None:
        return not_probed(ctx, "the TCP connection")
    if obs.reachable:
        return finding(ctx, Status.PASS, "accepts TCP connections",
                       {"reachable": True, "connections": obs.connections})
    # "A timeout is still error", and so is every other failure to connect: never pass.
    message = f"could not connect: {error.message}" if error else "could not connect"
    return finding(ctx, Status.ERROR, message, {"reachable": False, **detail})


@rule("TLS-002")
def tls_002(ctx: EndpointContext) -> Finding:
    obs = ctx.observation
    if is_idle_warm_backup(ctx):
        return skipped(ctx, "warm-standby backup is not serving", depends_on="TLS-001")
    if obs.reachable is None:
        return not_probed(ctx, "the port")
    if not obs.reachable:
        return skipped(ctx, "port is unreachable", depends_on="TLS-001")
    judge = {Mode.SECURED: _secured, Mode.UNSECURED: _unsecured,
             Mode.AUTO_DETECT: _auto_detect}[ctx.port.mode]
    return judge(ctx)


def _seen(ctx: EndpointContext) -> dict[str, Any]:
    obs = ctx.observation
    return {"configured_mode": ctx.port.mode.value, "speaks_tls": obs.speaks_tls,
            "accepts_plaintext": obs.accepts_plaintext,
            "plaintext_case": None if obs.plaintext_case is None else obs.plaintext_case.value,
            "plaintext_evidence": obs.plaintext_evidence}


def _secured(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "`secured` = TLS only"."""
    obs = ctx.observation
    if obs.speaks_tls is None:
        return missing_observation(ctx, "the TLS handshake", Stage.HANDSHAKE, _seen(ctx))
    if obs.speaks_tls is False:
        return _no_handshake(ctx)
    if obs.accepts_plaintext is None:
        return missing_observation(ctx, "the plaintext probe", Stage.PLAINTEXT,
                                   _seen(ctx))
    if obs.accepts_plaintext:
        # Seen: a banner or a plaintext answer, or silence on a port that also speaks TLS promptly
        # (it waits for a whole plaintext message): a plain client is not refused.
        return finding(ctx, Status.FAIL,
                       f"configured secured but also accepts plaintext ({obs.plaintext_evidence})",
                       _seen(ctx))
    return finding(ctx, Status.PASS, "speaks TLS only, as configured (secured); "
                   f"plaintext refused ({obs.plaintext_evidence})", _seen(ctx))


def _no_handshake(ctx: EndpointContext) -> Finding:
    obs = ctx.observation
    error = obs.first_error(Stage.HANDSHAKE)
    evidence = _seen(ctx) | ({"kind": error.kind.value, "error": error.message} if error else {})
    if obs.accepts_plaintext:
        # Definite whatever the handshake did: the port answered plaintext in plaintext. (A port
        # that answers nothing at all is never here: scanning/_merge.py leaves accepts_plaintext None.)
        return finding(ctx, Status.FAIL,
                       "configured secured but completes no TLS handshake and accepts plaintext "
                       f"({obs.plaintext_evidence})", evidence)
    if error is not None and error.kind in _INCONCLUSIVE:
        silent = obs.first_error(Stage.PLAINTEXT)
        # docs/design.md: a port that answers nothing at all is a timeout -- say that plaintext got
        # no answer either, and claim nothing about it.
        also = "" if silent is None else f"; no answer to plaintext either ({silent.message})"
        return finding(ctx, Status.ERROR,
                       f"the TLS handshake could not be completed: {error.message}{also}",
                       evidence)
    reason = f": {error.message}" if error else ""
    return finding(ctx, Status.FAIL,
                   f"configured secured but completes no TLS handshake{reason}", evidence)


def _unsecured(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "`unsecured` = no TLS" (whether plaintext is answered does not matter)."""
    obs = ctx.observation
    if obs.speaks_tls is None:
        return missing_observation(ctx, "the TLS handshake", Stage.HANDSHAKE, _seen(ctx))
    if obs.speaks_tls:
        return finding(ctx, Status.FAIL,
                       "configured unsecured but completes a TLS handshake", _seen(ctx))
    handshake = obs.first_error(Stage.HANDSHAKE)
    silent = obs.first_error(Stage.PLAINTEXT)
    if handshake is not None and handshake.kind in _INCONCLUSIVE and silent is not None:
        # docs/rules.md: a port that answers nothing at all is `error` (timeout): "no TLS" unseen.
        return finding(ctx, Status.ERROR,
                       f"the port answered neither TLS nor plaintext: {silent.message}",
                       _seen(ctx) | {"kind": silent.kind.value, "error": silent.message})
    return finding(ctx, Status.PASS, "speaks no TLS, as configured (unsecured)",
                   _seen(ctx))


def _auto_detect(ctx: EndpointContext) -> Finding:
    """docs/rules.md: "`auto-detect` = plaintext accepted (TLS as GHA-008 says)"."""
    obs = ctx.observation
    if obs.accepts_plaintext is None:
        return missing_observation(ctx, "the plaintext probe", Stage.PLAINTEXT,
                                   _seen(ctx))
    if not obs.accepts_plaintext:
        return finding(ctx, Status.FAIL,
                       f"configured auto-detect but refuses plaintext ({obs.plaintext_evidence})",
                       _seen(ctx))
    tls = {True: "an immediate TLS handshake also completes",
           False: "an immediate TLS handshake does not (GHA-008 judges the upgrade)",
           None: "the immediate TLS handshake was not probed"}[obs.speaks_tls]
    return finding(ctx, Status.PASS,
                   f"accepts plaintext, as configured (auto-detect); {tls}", _seen(ctx))
