"""A saved report whose certificate PEM cannot be read (damaged, hand-edited): re-judging it gives
``error`` findings that name the PEM — never a pass, never a crash — from every rule that reads
the served certificate itself, endpoint and pair rules alike (one parse: x509.certificate_of)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import hatls
from hatls.findings import Finding, Status
from hatls.inventory import ClientIdentity, PemFile
from hatls.observations import EndpointObservation
from hatls.report import Report, dumps
from hatls.x509 import CertificateFacts
from tests.report_fixtures import T_SERVER, TSRV_A, TSRV_B, sample_report

DAMAGED = replace(TSRV_A, pem="-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
# The rules that parse the served certificate (chain, names, HA link certificate, rehearsal).
READERS = {"TLS-031", "TLS-032", "GHA-005", "GHA-006", "GHA-009"}


def _damaged(obs: EndpointObservation) -> EndpointObservation:
    def swap(facts: CertificateFacts) -> CertificateFacts:
        return DAMAGED if facts == TSRV_A else facts

    return replace(obs, certificate=obs.certificate and swap(obs.certificate),
                   chain=tuple(swap(c) for c in obs.chain))


def _report() -> Report:
    """The sample, tsrv-a's PEM damaged wherever it is served (both primary ports and, drifted,
    the backup's HA port), and a client identity so that GHA-009 reads the served chain too."""
    report = sample_report()
    client = ClientIdentity(certificate=PemFile(path="tsrv-b.pem", text=TSRV_B.pem),
                            key_path="tsrv-b.key.pem")
    inputs = replace(report.inputs, inventory=replace(report.inputs.inventory, client=client))
    return replace(report, inputs=inputs, endpoints=tuple(_damaged(e) for e in report.endpoints))


def _rejudged() -> tuple[Finding, ...]:
    # Through the file format and the public API, as `hatls` reads a saved report.
    return hatls.rejudge(hatls.load_report(dumps(_report()))).findings


def test_every_rule_reading_an_unreadable_pem_says_error_naming_it() -> None:
    on_tsrv_a = [f for f in _rejudged() if f.pair == T_SERVER and f.rule in READERS and
                 (f.role is None or (f.role, f.port_id) != ("backup", "default"))]
    assert {f.rule for f in on_tsrv_a} == READERS
    for finding in on_tsrv_a:
        assert finding.status is Status.ERROR, finding
        assert "malformed PEM certificate" in str(finding.evidence), finding


def test_an_unreadable_pem_spoils_nothing_else() -> None:
    findings = _rejudged()
    # tsrv-b's own certificate, on the backup's default port, is still judged on its merits.
    b_default = {f.rule: f.status for f in findings
                 if f.pair == T_SERVER and (f.role, f.port_id) == ("backup", "default")}
    assert b_default["TLS-031"] is Status.PASS and b_default["TLS-032"] is Status.PASS
    report = hatls.rejudge(hatls.load_report(dumps(_report())))
    assert not report.summary.compliant
    assert report.summary.internal_errors == sum(f.status is Status.ERROR for f in findings
                                                 if f.rule in READERS)


def test_the_commands_read_such_a_report_without_crashing(tmp_path: Path) -> None:
    saved = tmp_path / "damaged.json"
    saved.write_text(dumps(_report()), encoding="utf-8")
    for args in (("render", str(saved), "--html", str(tmp_path / "r.html")),
                 ("export", str(saved), "--junit", str(tmp_path / "r.xml"))):
        done = subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True,
                              check=False)
        assert done.returncode == 0, done.stderr
        assert b"Traceback" not in done.stderr
