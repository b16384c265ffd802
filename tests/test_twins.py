"""One twin-comparison table: the HTML's red rows on the HA link are exactly GHA-007's differences.

The sample report's HA port (tserver-sip-01 "secure") is varied one setting at a time, the report
is judged again, and the page's side-by-side rows are held against the GHA-007 finding: every
difference the rule lists is a red row, every red row of a compared setting is a difference the
rule counts, and the rule fails exactly when such a row is red.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

import hatls
from hatls.findings import Finding, Status
from hatls.observations import ClientAuth, EndpointObservation
from hatls.report import Report
from hatls.report.html import build_view
from hatls.report.html._compare import Tone
from hatls.twins import TwinJudgement, TwinKey, TwinSetting, compare_twins
from tests.report_fixtures import sample_report

PAIR, PORT = "tserver-sip-01", "secure"
# The rows that show a setting of the twin table (report/html/_rows.py), by label prefix.
_TWIN_ROWS = ("Versions", "Suites ", "Cipher suites", "Groups ", "Named groups",
              "Client certificate")

Change = Callable[[EndpointObservation], EndpointObservation]


def _primary_settings(report: Report) -> EndpointObservation:
    return next(e for e in report.endpoints
                if (e.pair, e.role, e.port_id) == (PAIR, "primary", PORT))


def _like_primary(report: Report) -> Change:
    primary = _primary_settings(report)
    return lambda o: replace(o, protocols=primary.protocols, ciphers=primary.ciphers,
                             groups=primary.groups, groups_by_version=primary.groups_by_version,
                             client_auth=primary.client_auth)


def _variants(report: Report) -> dict[str, Change]:
    alike = _like_primary(report)
    primary = _primary_settings(report)
    per_version = (("TLSv1.2", ("secp256r1", "x25519")), ("TLSv1.3", ("x25519",)))
    return {
        "as sampled": lambda o: o,
        "alike": alike,
        "TLS 1.0 not probed on the backup": lambda o: replace(alike(o), protocols=tuple(
            (v, None if v == "TLSv1.0" else a) for v, a in primary.protocols)),
        "suites not probed on the backup": lambda o: replace(alike(o), ciphers=None),
        "one TLS 1.2 suite more": lambda o: replace(alike(o), ciphers=tuple(
            (v, (*names, "TLS_RSA_WITH_AES_128_CBC_SHA") if v == "TLSv1.2" else names)
            for v, names in primary.ciphers or ())),
        "TLS 1.1 on the backup only": lambda o: replace(alike(o), protocols=tuple(
            (v, True if v == "TLSv1.1" else a) for v, a in primary.protocols),
            ciphers=(("TLSv1.1", ("TLS_RSA_WITH_AES_128_CBC_SHA",)), *(primary.ciphers or ()))),
        "client certificate optional": lambda o: replace(
            alike(o), client_auth=ClientAuth(requested=True, required=False,
                                             ca_names=o.client_auth.ca_names if o.client_auth
                                             else ())),
        "groups per version differ": lambda o: replace(
            alike(o), groups=("secp256r1", "x25519"), groups_by_version=per_version),
    }


def _varied(report: Report, change: Change) -> Report:
    endpoints = tuple(change(e) if (e.pair, e.role, e.port_id) == (PAIR, "backup", PORT) else e
                      for e in report.endpoints)
    if _primary_settings(report).groups_by_version is None:
        # Per-version groups only when both sides have them (as a scan gives them).
        per_version = (("TLSv1.2", ("secp256r1", "x25519")), ("TLSv1.3", ("secp256r1", "x25519")))
        endpoints = tuple(replace(e, groups_by_version=per_version)
                          if (e.pair, e.role, e.port_id) == (PAIR, "primary", PORT)
                          and any(b.groups_by_version for b in endpoints
                                  if (b.pair, b.role, b.port_id) == (PAIR, "backup", PORT))
                          else e for e in endpoints)
    return hatls.rejudge(replace(report, endpoints=endpoints))


def _gha_007(report: Report) -> Finding:
    (finding,) = [f for f in report.findings
                  if f.rule == "GHA-007" and f.pair == PAIR and f.port_id == PORT]
    return finding


def _red_twin_rows(report: Report) -> set[str]:
    pair = next(p for p in build_view(report).pairs if p.name == PAIR)
    port = next(p for p in pair.ports if p.port_id == PORT)
    return {r.label for g in port.groups for r in g.rows
            if r.tone is Tone.DRIFT and r.label.startswith(_TWIN_ROWS)}


def _row_of(difference: dict[str, object]) -> str:
    """The row that shows one GHA-007 difference."""
    setting, _, version = str(difference["field"]).partition(" ")
    if setting == "protocols":
        return "Versions"
    if setting.startswith("client_auth."):
        return "Client certificate"
    if version:
        return f"{'Suites' if setting == 'ciphers' else 'Groups'} {version}"
    return "Named groups" if setting == "groups" else "Cipher suites"


def _also_shown_by(difference: dict[str, object]) -> set[str]:
    """A version one side accepts differs in its suites and groups rows too."""
    if difference["field"] != "protocols":
        return set()
    one_sided = set(difference["primary"]) ^ set(difference["backup"])  # type: ignore[call-overload]
    return {f"{label} {v}" for v in one_sided for label in ("Suites", "Groups")}


@pytest.mark.parametrize("variant", list(_variants(sample_report())))
def test_the_html_marks_red_exactly_what_gha_007_counts(variant: str) -> None:
    report = sample_report()
    judged = _varied(report, _variants(report)[variant])
    finding = _gha_007(judged)
    red = _red_twin_rows(judged)
    differences = list(finding.evidence.get("differences", []))
    # Every difference the rule lists has its row red…
    assert {_row_of(d) for d in differences} <= red, (variant, red, differences)
    # …and every red row of a compared setting is one the rule counts.
    assert red <= {row for d in differences for row in {_row_of(d), *_also_shown_by(d)}}, \
        (variant, red, differences)
    # The rule fails exactly when such a row is red.
    assert (finding.status is Status.FAIL) == bool(red), (variant, finding.status, red)


def test_the_variants_cover_differences_and_sameness() -> None:
    report = sample_report()
    statuses = {name: _gha_007(_varied(report, change)).status
                for name, change in _variants(report).items()}
    assert statuses["alike"] is Status.PASS and statuses["as sampled"] is Status.FAIL
    assert statuses["TLS 1.0 not probed on the backup"] is Status.PASS
    assert {statuses[n] for n in ("one TLS 1.2 suite more", "TLS 1.1 on the backup only",
                                  "client certificate optional", "groups per version differ")} \
        == {Status.FAIL}


def test_a_version_one_side_was_not_probed_for_is_not_drift() -> None:
    report = sample_report()
    judged = _varied(report, _variants(report)["TLS 1.0 not probed on the backup"])
    pair = next(p for p in build_view(judged).pairs if p.name == PAIR)
    port = next(p for p in pair.ports if p.port_id == PORT)
    versions = next(r for g in port.groups for r in g.rows if r.label == "Versions")
    # Shown as it is (unknown on one side), but not red: GHA-007 compares what both sides saw.
    assert versions.tone is Tone.UNCOMPARED


def test_the_suites_of_a_version_one_side_accepts_differ_as_that_version() -> None:
    report = sample_report()
    primary = _primary_settings(report)
    backup = _variants(report)["TLS 1.1 on the backup only"](primary)
    twins = compare_twins(primary, backup)
    assert [d.key for d in twins.differences] == [TwinKey(setting=TwinSetting.PROTOCOLS)]
    assert twins.judge(TwinKey(setting=TwinSetting.CIPHERS, version="TLSv1.1")) \
        is TwinJudgement.DIFFERS
    assert twins.judge(TwinKey(setting=TwinSetting.CIPHERS, version="TLSv1.2")) \
        is TwinJudgement.SAME
    unprobed = compare_twins(primary, replace(backup, ciphers=None))
    assert unprobed.judge(TwinKey(setting=TwinSetting.CIPHERS, version="TLSv1.2")) \
        is TwinJudgement.NOT_COMPARED
    assert unprobed.not_probed == {TwinSetting.CIPHERS: "backup"}
