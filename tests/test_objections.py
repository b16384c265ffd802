"""What findings object to, typed (hatls.objections): what the diff's ``flagged_by`` reads."""

from __future__ import annotations

from dataclasses import replace

import hatls
from hatls.findings import Status
from hatls.inventory import SecProtocol
from hatls.objections import Objected, SuiteObjection, objected
from hatls.report import dumps, loads
from tests.report_fixtures import sample_report

CBC = "TLS_RSA_WITH_AES_128_CBC_SHA"


def _objections(report: hatls.Report) -> dict[str, Objected]:
    return {f.rule: o for f in report.findings
            if (o := objected(f.evidence)) != Objected()
            and (f.pair, f.role, f.port_id) == ("tserver-sip-01", "backup", "secure")}


def test_the_rules_name_what_they_object_to_under_the_declared_keys() -> None:
    found = _objections(hatls.rejudge(sample_report()))
    both = (SuiteObjection(version="TLSv1.1", suite=CBC), SuiteObjection(version="TLSv1.2", suite=CBC))
    assert found == {"TLS-010": Objected(versions=("TLSv1.1",)),
                     "TLS-020": Objected(suites=both), "TLS-021": Objected(suites=both)}


def test_a_saved_report_objects_alike() -> None:
    judged = hatls.rejudge(sample_report())
    assert _objections(loads(dumps(judged))) == _objections(judged)


def test_sec_protocol_outside_is_an_objection() -> None:
    report = sample_report()
    inventory = report.inputs.inventory
    pair = inventory.pairs[0]
    assert pair.backup is not None
    ports = tuple(replace(p, tls=replace(p.tls, sec_protocol=SecProtocol.TLSV12))
                  for p in pair.backup.ports)
    pairs = (replace(pair, backup=replace(pair.backup, ports=ports)), *inventory.pairs[1:])
    judged = hatls.rejudge(replace(report, inputs=replace(
        report.inputs, inventory=replace(inventory, pairs=pairs))))
    (tls_011,) = [f for f in judged.findings if f.rule == "TLS-011" and f.status is Status.FAIL
                  and f.port_id == "secure"]
    assert "TLSv1.1" in objected(tls_011.evidence).versions


def test_entries_of_another_shape_are_left_out() -> None:
    odd = {"forbidden": ["TLSv1.0", 7], "offending": [{"version": "TLSv1.2"}, "x",
                                                      {"version": "TLSv1.2", "suite": CBC}],
           "outside": "TLSv1.1"}
    assert objected(odd) == Objected(versions=("TLSv1.0",),
                                     suites=(SuiteObjection(version="TLSv1.2", suite=CBC),))
