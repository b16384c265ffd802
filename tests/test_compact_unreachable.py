"""Closed ports cost little: their skipped checks fold into TLS-001, and the HTML gives them a line.

A real scan of loopback ports that refuse connections (a socket bound but not listening answers a
SYN with RST), then the JSON and HTML it gives, read back, re-judged, re-rendered, diffed and
exported. The lossless claim (``unfold`` rebuilds exactly what folding took) is checked against a
judge that does not fold.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import trio
from typer.testing import CliRunner

import hatls
from hatls.cli import app
from hatls.drift import diff_reports
from hatls.drift._findings import findings_drift
from hatls.files import read_report
from hatls.findings import Severity, Status, WaiverRef
from hatls.inventory import inventory_from_dict
from hatls.observations import EndpointObservation, ErrorKind, ProbeError, Stage
from hatls.policy import policy_from_dict
from hatls.report import (
    FindingChange,
    Report,
    ReportInvalid,
    dumps,
    loads,
    render_junit,
    render_metrics,
    report_from_bytes,
    report_schema,
)
from hatls.report.html import build_view, iter_html, render_html
from hatls.rules import _engine as engine
from hatls.rules import fold_endpoint, folded_count, folded_rules, unfold
from hatls.rules.endpoint import ENDPOINT_RULES
from hatls.scanning import rejudge
from tests.labkit import ca
from tests.report_fixtures import sample_report

ENDPOINT_RULE_IDS = sorted(fn.id for fn in ENDPOINT_RULES)
TICKS = iter(range(10**6))


def clock() -> datetime:
    return datetime(2026, 11, 25, 12, 0, next(TICKS) % 60, tzinfo=UTC)


@pytest.fixture
def closed_ports() -> Iterator[list[tuple[str, int]]]:
    """Four ports that refuse connections: bound (so nobody else takes them), never listening."""
    held = []
    for address in ("127.0.1.71", "127.0.1.71", "127.0.2.71", "127.0.2.71"):
        sock = socket.socket()
        sock.bind((address, 0))
        held.append(sock)
    try:
        yield [s.getsockname() for s in held]
    finally:
        for sock in held:
            sock.close()


def inventory_text(ports: list[tuple[str, int]]) -> str:
    def server(section: str, host: str, pair: list[tuple[str, int]]) -> str:
        listed = ", ".join(f'{{ id = "tls{i}", port = {port}, mode = "secured"'
                           f'{", ha_sync = true" if i == 0 else ""} }}'
                           for i, (_, port) in enumerate(pair))
        return (f'[pair.{section}]\nhost = "{host}"\naddress = "{pair[0][0]}"\n'
                f"ports = [ {listed} ]\n")
    # A CA of its own: with the machine's store a re-judgement would list other anchors.
    return ('version = 1\n[scan]\ntrusted_ca = "ca.pem"\n'
            '[[pair]]\nname = "closed"\napp_type = "T-Server"\n'
            + server("primary", "tsrv-a.example.test", ports[:2])
            + server("backup", "tsrv-b.example.test", ports[2:]))


@pytest.fixture
def closed_report(closed_ports: list[tuple[str, int]], tmp_path: Path) -> Report:
    path = tmp_path / "inventory.toml"
    (tmp_path / "ca.pem").write_bytes(ca().cert_pem)
    path.write_text(inventory_text(closed_ports))
    return trio.run(lambda: hatls.scan(hatls.load_inventory(path), now=clock))


def unfolded_judge(report: Report) -> tuple[hatls.Finding, ...]:
    """The findings as the engine gave them before folding: the same judge with folding off."""
    inventory = inventory_from_dict(dict(report.inputs["inventory"]))
    policy = policy_from_dict(dict(report.inputs["policy"]))
    original = engine.fold_endpoint
    engine.fold_endpoint = list  # type: ignore[assignment]
    try:
        return engine.judge(inventory, report.endpoints, policy, now=report.scan.started,
                            scan_anchors=engine.scan_trust(inventory, tuple))
    finally:
        engine.fold_endpoint = original


def test_a_closed_port_lists_one_endpoint_finding_naming_the_checks_it_prevented(
        closed_report: Report) -> None:
    endpoint_findings = [f for f in closed_report.findings if f.role is not None]
    assert len(closed_report.endpoints) == 4
    assert all(e.reachable is False and e.errors[0].kind is ErrorKind.REFUSED
               for e in closed_report.endpoints)
    # One finding per endpoint, TLS-001 error, still carrying pair/role/port_id/address.
    assert Counter((f.rule, f.status) for f in endpoint_findings) == {("TLS-001", Status.ERROR): 4}
    assert {(f.role, f.port_id, f.address) for f in endpoint_findings} == {
        (e.role, e.port_id, e.address) for e in closed_report.endpoints}
    for f in endpoint_findings:
        assert f.evidence["kind"] == "refused"
        assert f.evidence["skipped_rules"] == [r for r in ENDPOINT_RULE_IDS if r != "TLS-001"]
        assert f.evidence["skipped_reason"] == "port is unreachable"
    # The summary still counts every skipped check, and says nothing new about compliance.
    s = closed_report.summary
    listed_skips = sum(f.status is Status.SKIPPED for f in closed_report.findings)
    assert s.skipped == listed_skips + folded_count(closed_report.findings) == \
        listed_skips + 4 * (len(ENDPOINT_RULE_IDS) - 1)
    assert (s.errored, s.compliant) == (4, False)


def test_folding_loses_nothing(closed_report: Report) -> None:
    before = unfolded_judge(closed_report)
    assert len(before) > 4 * len(ENDPOINT_RULE_IDS)
    assert tuple(unfold(closed_report.findings)) == before
    assert Counter(f.status for f in before)[Status.SKIPPED] == closed_report.summary.skipped


def test_a_skip_that_unfold_could_not_rebuild_stays_listed(closed_report: Report) -> None:
    place = [f for f in unfolded_judge(closed_report) if f.role == "primary" and
             f.port_id == "tls0"]
    # A policy that changed TLS-010's severity: its skip no longer says exactly what the
    # catalogue would, so it keeps its own entry.
    changed = [replace(f, severity=Severity.LOW) if f.rule == "TLS-010" else f for f in place]
    kept = fold_endpoint(changed)
    assert [f.rule for f in kept] == ["TLS-001", "TLS-010"]
    assert "TLS-010" not in folded_rules(kept[0]) and len(folded_rules(kept[0])) == 21
    assert list(unfold(kept)) == changed
    # A reachable endpoint's findings are left alone.
    assert fold_endpoint(list(sample_report().findings)) == list(sample_report().findings)


def test_the_compact_json_is_schema_valid_reads_back_and_rejudges_the_same(
        closed_report: Report) -> None:
    text = dumps(closed_report)
    jsonschema.validate(json.loads(text), report_schema())
    broken = json.loads(text)
    root = next(f for f in broken["findings"] if f["rule"] == "TLS-001")
    root["evidence"]["skipped_rules"].append("<script>")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, report_schema())
    del root["evidence"]["skipped_reason"]
    root["evidence"]["skipped_rules"].pop()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, report_schema())
    assert loads(text) == closed_report
    assert rejudge(loads(text)).findings == closed_report.findings
    assert rejudge(loads(text)).summary == closed_report.summary
    # ~1.5 KB an endpoint and one TLS-001 finding instead of 23 findings (17 KB a port before).
    per_endpoint = [f for f in json.loads(text)["findings"] if f["role"] is not None]
    assert len(per_endpoint) == 4


def test_the_html_gives_each_closed_port_one_line_and_one_shared_card(
        closed_report: Report, tmp_path: Path) -> None:
    page = render_html(closed_report)
    addresses = [f"{e.address}:{e.port}" for e in closed_report.endpoints]
    # No side-by-side table for a port nobody answered on: one group line per pair and reason.
    assert 'class="cmp"' not in page
    assert "2 ports</b> (4 endpoints) of pair closed unreachable (refused)" in page
    group = page[page.index('class="unreachable"'):page.index("</ul>", page.index('class="unreachable"'))]
    assert all(a in group for a in addresses)
    assert group.count("<li>") == 4 and "Connection refused" in group
    # One TLS-001 card for the four endpoints, each endpoint a line with its own anchor.
    assert page.count('class="finding finding--bundle status--error"') == 1
    assert page.count("<article class=\"finding ") == 1
    assert "4 endpoints could not be connected to (refused)" in page
    for index, f in enumerate(closed_report.findings):
        if f.rule == "TLS-001":
            assert f'<li id="finding-{index + 1}">' in page
    assert "Not checked on these endpoints (port is unreachable): TLS-002, TLS-010" in page
    # Pair counts still count the folded skips, as the summary does.
    assert re.search(rf"<b>{closed_report.summary.skipped}</b> skipped", page)


def test_render_and_exports_of_the_saved_report(closed_report: Report, tmp_path: Path) -> None:
    saved, out = tmp_path / "report.json", tmp_path / "again.html"
    saved.write_text(dumps(closed_report), encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(saved), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render_html(
        closed_report, json_sha256=__import__("hashlib").sha256(saved.read_bytes()).hexdigest())
    # JUnit: the findings as listed (the TLS-001 case names the checks it made impossible).
    junit = render_junit(closed_report)
    assert junit.count("<testcase ") == len(closed_report.findings)
    assert "skipped_rules" in junit
    # Metrics: every check, folded or not, so counts match the summary.
    metrics = render_metrics(closed_report)
    skipped = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                  if line.startswith("hatls_findings{") and 'status="skipped"' in line)
    assert skipped == closed_report.summary.skipped
    assert metrics.count('hatls_rule_status{rule="TLS-010"') == 4


def closed(obs: EndpointObservation) -> EndpointObservation:
    """The same endpoint on a day its port refused connections."""
    return EndpointObservation(
        pair=obs.pair, role=obs.role, port_id=obs.port_id, host=obs.host, address=obs.address,
        port=obs.port, configured_mode=obs.configured_mode, ha_sync=obs.ha_sync,
        expected=obs.expected, reachable=False, connections=1,
        errors=(ProbeError(stage=Stage.CONNECT, kind=ErrorKind.REFUSED,
                           message="connection refused"),))


def test_a_port_that_closed_diffs_as_it_did_before_folding() -> None:
    old = rejudge(sample_report())
    target = next(e for e in old.endpoints if e.reachable and e.certificate is not None)
    new = rejudge(replace(old, endpoints=tuple(closed(e) if e.key == target.key else e
                                               for e in old.endpoints)))
    here = [f for f in new.findings if (f.pair, f.role, f.port_id, f.address) ==
            (target.pair, target.role, target.port_id, target.address)]
    assert [f.rule for f in here] == ["TLS-001"] and folded_rules(here[0])
    drift = diff_reports(old, new)
    assert drift.findings == findings_drift(unfold(old.findings), unfold(new.findings))
    changed = {f.rule: (f.change, f.old_status, f.new_status) for f in drift.findings
               if f.role == target.role and f.port_id == target.port_id}
    assert changed["TLS-001"] == (FindingChange.APPEARED, Status.PASS, Status.ERROR)
    # Checks the port passed or failed before now read "skipped", never vanish.
    assert all(new_status is Status.SKIPPED for rule, (_, _, new_status) in changed.items()
               if rule != "TLS-001")
    assert drift.worse
    assert not diff_reports(new, loads(dumps(new))).worse


def test_the_page_is_streamed_and_a_template_failing_half_way_leaves_the_old_file(
        closed_report: Report, tmp_path: Path) -> None:
    pieces = list(iter_html(closed_report))
    assert len(pieces) > 1 and "".join(pieces) == render_html(closed_report)
    saved, out = tmp_path / "report.json", tmp_path / "page.html"
    saved.write_text(dumps(closed_report), encoding="utf-8")
    out.write_text("the old page", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    # The footer part fails only after the pairs were written out.
    (templates / "_findings.j2").write_text("{{ view.no_such_field }}", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(saved), "--html", str(out),
                                      "--template-dir", str(templates)])
    assert result.exit_code == 2 and "no_such_field" in result.output
    assert out.read_text(encoding="utf-8") == "the old page"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temp file left


def test_the_validating_reader_counts_the_folded_skips_itself(
        closed_report: Report, tmp_path: Path) -> None:
    doc = json.loads(dumps(closed_report))
    doc["summary"].update(skipped=0, compliant=True, error=0)   # edited: never believed
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    report, digest = read_report(path)
    assert report.findings == closed_report.findings
    assert report.summary == closed_report.summary
    assert report.summary.skipped == folded_count(report.findings) + sum(
        f.status is Status.SKIPPED for f in report.findings)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def _set_status_pass(f: dict[str, Any]) -> None:
    f["status"] = "pass"


def _add_bogus_rule(f: dict[str, Any]) -> None:
    f["evidence"]["skipped_rules"].append("<script>")


def _drop_reason(f: dict[str, Any]) -> None:
    del f["evidence"]["skipped_reason"]


def _rules_as_text(f: dict[str, Any]) -> None:
    f["evidence"]["skipped_rules"] = "TLS-010"


@pytest.mark.parametrize(("edit", "where"), [
    (_set_status_pass, "skipped_rules: only a TLS-001 error or warn"),
    (_add_bogus_rule, f"skipped_rules[{len(ENDPOINT_RULE_IDS) - 1}]: expected a rule ID"),
    (_drop_reason, "skipped_reason: expected a string"),
    (_rules_as_text, "skipped_rules: expected an array"),
])
def test_the_reader_refuses_folded_skips_where_the_engine_never_puts_them(
        closed_report: Report, edit: Callable[[dict[str, Any]], None], where: str) -> None:
    doc = json.loads(dumps(closed_report))
    index = next(i for i, f in enumerate(doc["findings"]) if f["rule"] == "TLS-001")
    edit(doc["findings"][index])
    with pytest.raises(ReportInvalid) as caught:
        report_from_bytes(json.dumps(doc).encode())
    assert f"$.findings[{index}].evidence.{where}" in str(caught.value)


def test_folding_keeps_a_waiver_and_never_takes_a_fail(closed_report: Report) -> None:
    ref = WaiverRef(ticket="CHG0012345", reason="idle standby", expires="2027-01-31")
    place = [f for f in unfolded_judge(closed_report) if f.role == "primary" and
             f.port_id == "tls0"]
    waived = [replace(f, status=Status.WARN, waiver=ref) if f.rule == "TLS-001" else f
              for f in place]
    folded = fold_endpoint(waived)
    assert [f.rule for f in folded] == ["TLS-001"] and folded[0].waiver == ref
    assert len(folded_rules(folded[0])) == len(ENDPOINT_RULE_IDS) - 1
    assert list(unfold(folded)) == waived
    failing = [replace(f, status=Status.FAIL) if f.rule == "TLS-010" else f for f in place]
    kept = fold_endpoint(failing)
    assert [(f.rule, f.status) for f in kept] == [("TLS-001", Status.ERROR),
                                                   ("TLS-010", Status.FAIL)]
    assert list(unfold(kept)) == failing


def test_a_waived_unreachable_finding_keeps_its_own_card_and_every_line_its_chips(
        closed_report: Report) -> None:
    ref = WaiverRef(ticket="CHG0012345", reason="idle standby", expires="2027-01-31")
    index, waived = next((i, f) for i, f in enumerate(closed_report.findings)
                         if f.rule == "TLS-001")
    findings = list(closed_report.findings)
    findings[index] = replace(waived, status=Status.WARN, waiver=ref)
    page = render_html(replace(closed_report, findings=tuple(findings)))
    # The three alike share a card; the waived one is its own card, said to be an accepted risk.
    assert "3 endpoints could not be connected to (refused)" in page
    card = page[page.index(f'<article class="finding status--warn" id="finding-{index + 1}">'):]
    card = card[:card.index("</article>")]
    assert "accepted risk" in card and "CHG0012345 until 2027-01-31: idle standby" in card
    # Each endpoint line of the pair's unreachable group links to its own finding.
    group = page[page.index('class="unreachable"'):]
    group = group[:group.index("</ul>")]
    for at, f in enumerate(findings):
        if f.rule == "TLS-001":
            assert group.count(f'href="#finding-{at + 1}"') == 1


def test_page_one_gives_alike_unreachable_endpoints_one_line(closed_report: Report) -> None:
    view = build_view(closed_report)
    tls001 = [line for line in view.failing if line.rule == "TLS-001"]
    (bundle,) = [b for g in view.groups for b in g.bundles]
    assert [(line.anchor, line.side, line.pair) for line in tls001] == [
        (bundle.anchor, "4 endpoints", "closed")]
    assert tls001[0].seen == "4 endpoints could not be connected to (refused)"
    assert tls001[0].breaks and tls001[0].status == "error"
    page = render_html(closed_report)
    assert page.count(f'<a href="#{bundle.anchor}" class="nowrap"><b>TLS-001</b></a>') == 1
