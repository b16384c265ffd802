"""TLS-001 and TLS-002, and the "when rules apply" gate every later TLS rule goes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from builders_tls import NOTHING_PROBED, context, depends_on, error, judge, refused

from hatls.catalog import RULES
from hatls.findings import Status
from hatls.inventory import Mode, Redundancy, Role
from hatls.observations import EndpointObservation, ErrorKind, PlaintextCase, Stage
from hatls.rules import EndpointRule
from hatls.rules.endpoint import ENDPOINT_RULES, tls_001, tls_002

WARM = Redundancy.WARM_STANDBY
Change = Callable[[EndpointObservation], EndpointObservation]
Rule = EndpointRule


def closed_at_once(obs: EndpointObservation) -> EndpointObservation:
    """Accepted and closed before any byte: how an idle warm-standby backup may look."""
    return replace(obs, speaks_tls=False, accepts_plaintext=False, certificate=None, chain=(),
                   negotiated_version=None, client_auth=None, ciphers=None, groups=None,
                   protocols=NOTHING_PROBED,
                   plaintext_evidence="closed before any byte was exchanged",
                   errors=(error(Stage.HANDSHAKE, ErrorKind.CLOSED, "closed by peer"),))


def no_tls(obs: EndpointObservation, kind: ErrorKind = ErrorKind.NOT_TLS,
           **changes: Any) -> EndpointObservation:
    return replace(obs, speaks_tls=False, certificate=None, chain=(), negotiated_version=None,
                   client_auth=None, ciphers=None, groups=None,
                   errors=(error(Stage.HANDSHAKE, kind),), **changes)


# TLS-001 ------------------------------------------------------------------------------------


def test_tls_001_pass_when_reachable() -> None:
    found = judge(tls_001, context(), Status.PASS)
    assert found.evidence["reachable"] is True and "tsrv-a.example.test:3001" in found.message


@pytest.mark.parametrize("idle", [refused, closed_at_once])
def test_tls_001_idle_warm_standby_backup_is_warn(idle: Change) -> None:
    ctx = context(role=Role.BACKUP, redundancy=WARM, observation=idle)
    found = judge(tls_001, ctx, Status.WARN)
    assert "switchover" in found.message and found.evidence["redundancy"] == "warm-standby"


def test_tls_001_refused_elsewhere_is_error() -> None:
    found = judge(tls_001, context(role=Role.BACKUP, observation=refused), Status.ERROR)
    assert found.evidence["kind"] == "refused" and "connection refused" in found.message
    judge(tls_001, context(redundancy=WARM, observation=refused), Status.ERROR)  # a primary


def test_tls_001_timeout_of_warm_backup_is_still_error() -> None:
    def timed_out(obs: EndpointObservation) -> EndpointObservation:
        return replace(refused(obs), errors=(error(Stage.CONNECT, ErrorKind.TIMEOUT),))
    found = judge(tls_001, context(role=Role.BACKUP, redundancy=WARM, observation=timed_out),
                  Status.ERROR)
    assert found.evidence["kind"] == "timeout"


def test_tls_001_not_probed() -> None:
    found = judge(tls_001, context(reachable=None), Status.SKIPPED)
    assert found.not_probed


# TLS-002 ------------------------------------------------------------------------------------


def test_tls_002_secured_pass() -> None:
    found = judge(tls_002, context(), Status.PASS)
    assert found.evidence["speaks_tls"] is True and found.evidence["accepts_plaintext"] is False


def test_tls_002_secured_port_accepting_plaintext_fails_with_evidence() -> None:
    found = judge(tls_002, context(accepts_plaintext=True,
                                   plaintext_evidence="answered in plaintext: b'OK'"), Status.FAIL)
    assert "answered in plaintext: b'OK'" in found.message


def test_tls_002_a_port_that_answers_nothing_at_all_is_a_timeout_error_not_plaintext() -> None:
    # docs/design.md: silence on both probes is no claim about plaintext (scanning/_merge.py leaves it None).
    held = "held the connection open 2.0 s after plaintext without a byte"
    silent = error(Stage.PLAINTEXT, ErrorKind.TIMEOUT, "no answer to plaintext within 2.0 s")
    for mode in (Mode.SECURED, Mode.UNSECURED, Mode.AUTO_DETECT):
        ctx = context(mode=mode, observation=lambda o: replace(
            no_tls(o, ErrorKind.TIMEOUT, accepts_plaintext=None,
                   plaintext_case=PlaintextCase.SILENT, plaintext_evidence=held),
            errors=(error(Stage.HANDSHAKE, ErrorKind.TIMEOUT), silent)))
        found = judge(tls_002, ctx, Status.ERROR)
        assert "accepts plaintext" not in found.message, found.message
        assert found.evidence["kind"] == "timeout"
        assert found.evidence["plaintext_case"] == "silent", mode


def test_tls_002_silence_beside_a_prompt_tls_handshake_is_plaintext_accepted() -> None:
    held = ("held the connection open 2.0 s after plaintext without a byte, while an immediate "
            "TLS handshake completes")
    ctx = context(accepts_plaintext=True, plaintext_case=PlaintextCase.SILENT,
                  plaintext_evidence=held)
    found = judge(tls_002, ctx, Status.FAIL)
    assert held in found.message and found.evidence["plaintext_case"] == "silent"


def test_tls_002_an_http_error_answer_is_a_refusal() -> None:
    said = "answered plaintext with an HTTP error, telling the client to use TLS: b'HTTP/1.1 400'"
    ctx = context(accepts_plaintext=False, plaintext_case=PlaintextCase.HTTP_ERROR,
                  plaintext_evidence=said)
    found = judge(tls_002, ctx, Status.PASS)
    assert found.evidence["plaintext_case"] == "http-error"
    assert found.evidence["plaintext_evidence"] == said


def test_tls_002_secured_without_tls_fails() -> None:
    found = judge(tls_002, context(observation=no_tls), Status.FAIL)
    assert "no TLS handshake" in found.message and found.evidence["kind"] == "not-tls"


def test_tls_002_secured_handshake_timeout_is_error() -> None:
    ctx = context(observation=lambda o: no_tls(o, ErrorKind.TIMEOUT))
    assert judge(tls_002, ctx, Status.ERROR).evidence["kind"] == "timeout"


def test_tls_002_missing_plaintext_probe() -> None:
    assert judge(tls_002, context(accepts_plaintext=None), Status.SKIPPED).not_probed
    ctx = context(accepts_plaintext=None,
                  errors=(error(Stage.PLAINTEXT, ErrorKind.RESET, "reset by peer"),))
    assert "reset by peer" in judge(tls_002, ctx, Status.ERROR).message


def test_tls_002_missing_handshake() -> None:
    assert judge(tls_002, context(speaks_tls=None), Status.SKIPPED).not_probed
    ctx = context(speaks_tls=None, errors=(error(Stage.HANDSHAKE, ErrorKind.INTERNAL),))
    judge(tls_002, ctx, Status.ERROR)


def test_tls_002_unsecured() -> None:
    judge(tls_002, context(mode=Mode.UNSECURED), Status.PASS)
    # "plaintext accepted or not doesn't matter for no TLS"
    judge(tls_002, context(mode=Mode.UNSECURED, accepts_plaintext=False), Status.PASS)
    found = judge(tls_002, context(mode=Mode.UNSECURED, speaks_tls=True), Status.FAIL)
    assert "unsecured" in found.message
    assert judge(tls_002, context(mode=Mode.UNSECURED, speaks_tls=None), Status.SKIPPED).not_probed


def test_tls_002_auto_detect() -> None:
    judge(tls_002, context(mode=Mode.AUTO_DETECT), Status.PASS)
    found = judge(tls_002, context(mode=Mode.AUTO_DETECT, speaks_tls=False), Status.PASS)
    assert "GHA-008" in found.message
    judge(tls_002, context(mode=Mode.AUTO_DETECT, accepts_plaintext=False), Status.FAIL)
    ctx = context(mode=Mode.AUTO_DETECT, accepts_plaintext=None,
                  errors=(error(Stage.PLAINTEXT, ErrorKind.TIMEOUT),))
    judge(tls_002, ctx, Status.ERROR)


def test_tls_002_depends_on_tls_001() -> None:
    found = judge(tls_002, context(observation=refused), Status.SKIPPED)
    assert depends_on(found) == "TLS-001"
    ctx = context(role=Role.BACKUP, redundancy=WARM, observation=closed_at_once)
    assert depends_on(judge(tls_002, ctx, Status.SKIPPED)) == "TLS-001"
    assert judge(tls_002, context(reachable=None), Status.SKIPPED).not_probed


# The gate of TLS-010 … TLS-045 ----------------------------------------------------------------

LATER_RULES = ENDPOINT_RULES[2:]


@pytest.mark.parametrize("rule_fn", LATER_RULES, ids=lambda f: f.id)
def test_later_rules_skip_unsecured_ports(rule_fn: Rule) -> None:
    found = judge(rule_fn, context(mode=Mode.UNSECURED), Status.SKIPPED)
    assert "unsecured" in found.evidence["reason"]


@pytest.mark.parametrize("rule_fn", LATER_RULES, ids=lambda f: f.id)
def test_later_rules_depend_on_reachability_and_handshake(rule_fn: Rule) -> None:
    fn = rule_fn
    assert depends_on(judge(fn, context(observation=refused), Status.SKIPPED)) == "TLS-001"
    ctx = context(role=Role.BACKUP, redundancy=WARM, observation=refused)
    assert depends_on(judge(fn, ctx, Status.SKIPPED)) == "TLS-001"
    assert depends_on(judge(fn, context(observation=no_tls), Status.SKIPPED)) == "TLS-002"
    ctx = context(mode=Mode.AUTO_DETECT, observation=no_tls)
    assert depends_on(judge(fn, ctx, Status.SKIPPED)) == "GHA-008"
    assert judge(fn, context(reachable=None), Status.SKIPPED).not_probed


def test_endpoint_rules_are_in_id_order_and_catalogued() -> None:
    ids = [f.id for f in ENDPOINT_RULES]
    assert ids == sorted(ids) and len(ids) == 23
    assert ids == [r for r in RULES if r.startswith("TLS-")]
