"""The HTML report: self-contained, hostile text shown as text, every difference marked."""

from __future__ import annotations

import http.server
import re
import threading
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from bench.screenshot import CHROMIUM, chromium_run, print_pdf, screenshot
from hatls.findings import Severity, Status
from hatls.report import Report, ScanStatus, dumps, loads, summarize
from hatls.report.html import HtmlTemplateError, build_view, builtin_template_names, environment, render_html
from hatls.report.html._compare import Absent, Item, ItemState, RowKind, Tone, compare_row, tone_of
from hatls.report.html._pairs import PairView, PortView
from tests.report_fixtures import HOSTILE, HOSTILE_SUBJECT, SAMPLE_PATH, sample_report

ROOT = Path(__file__).resolve().parent.parent
# Attributes a browser follows or fetches: in the report only same-page anchors may appear there.
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "background",
                  "cite", "longdesc", "manifest", "ping", "xlink:href", "icon", "codebase"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
            if name == "id" and value:
                self.ids.add(value)


def parsed(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return render_html(report)


def _pair(report: Report, name: str) -> PairView:
    return next(p for p in build_view(report).pairs if p.name == name)


def _port(pair: PairView, port_id: str) -> PortView:
    return next(p for p in pair.ports if p.port_id == port_id)


# --- self-contained ------------------------------------------------------------------------------

def test_the_page_references_nothing_outside_itself(html: str) -> None:
    page = parsed(html)
    followed = [(t, n, v) for t, n, v in page.attributes if n in URL_ATTRIBUTES]
    assert followed, "the report links its own sections"
    assert all(v.startswith("#") for _, _, v in followed), followed
    fetching = {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    assert not fetching & set(page.tags)
    style = html[html.index("<style>"):html.index("</style>")]
    assert "url(" not in style and "@import" not in style
    assert "://" not in html       # the fixture has no URL in any field, so none may appear at all


def test_every_anchor_link_has_a_target(html: str) -> None:
    page = parsed(html)
    targets = {v[1:] for _, n, v in page.attributes if n == "href"}
    assert targets and targets <= page.ids


def test_a_content_security_policy_forbids_every_fetch(html: str) -> None:
    policy = next(v for t, n, v in parsed(html).attributes
                  if t == "meta" and n == "content" and "default-src" in v)
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_rendering_is_pure(report: Report) -> None:
    assert render_html(report) == render_html(report)


# --- hostile text --------------------------------------------------------------------------------

def test_a_script_in_a_certificate_subject_shows_as_text(html: str) -> None:
    assert HOSTILE_SUBJECT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script" not in parsed(html).tags and "<script" not in html.lower()


def test_control_and_bidi_characters_are_written_as_escapes(html: str) -> None:
    hidden = {c for c in html if unicodedata.category(c) in {"Cc", "Cf"} and c not in "\n\t"}
    assert not hidden, sorted(map(hex, map(ord, hidden)))
    assert "evil\\x1b[2J\\u202egnp.exe\\x00.example.com" in html


def test_long_network_strings_are_bounded(html: str) -> None:
    assert "x" * 256 not in html and "u" * 300 not in html
    assert "DNS:" + "x" * 251 + "…" in html       # the scan kept 256 characters of the SAN
    # The subject's 600-character OU reached the report whole (a name keeps 1024 characters);
    # the page cuts it to 300, the last one saying so.
    assert len(HOSTILE.subject) > 600 and not HOSTILE.subject.endswith("…")
    assert str(escape(HOSTILE.subject[:299] + "…")) in html


# --- the side-by-side view -----------------------------------------------------------------------

def test_groups_show_per_version_side_by_side(report: Report) -> None:
    # Both sides accept x25519 and secp256r1 in all; the backup only in other versions.
    per_version = {"primary": (("TLSv1.2", ("secp256r1",)), ("TLSv1.3", ("x25519", "secp256r1"))),
                   "backup": (("TLSv1.2", ("x25519", "secp256r1")), ("TLSv1.3", ("secp256r1",)))}
    endpoints = tuple(replace(e, groups=("x25519", "secp256r1"), groups_by_version=per_version[e.role])
                      if e.pair == "tserver-sip-01" and e.port_id == "secure" else e
                      for e in report.endpoints)
    secure = _port(_pair(replace(report, endpoints=endpoints), "tserver-sip-01"), "secure")
    rows = {r.label: r for g in secure.groups for r in g.rows}
    assert "Named groups" not in rows and {"Groups TLSv1.2", "Groups TLSv1.3"} <= set(secure.drift)
    assert [i.text for i in rows["Groups TLSv1.2"].backup.items if i.unique] == ["x25519"]
    assert [i.text for i in rows["Groups TLSv1.3"].primary.items if i.unique] == ["x25519"]
    assert "Groups TLSv1.2" in render_html(replace(report, endpoints=endpoints))


def test_drift_on_the_ha_port_is_marked_row_by_row(report: Report) -> None:
    secure = _port(_pair(report, "tserver-sip-01"), "secure")
    assert {"Versions", "Suites TLSv1.1", "Suites TLSv1.2", "Named groups", "Features",
            "Client certificate", "Advertised CA names"} <= set(secure.drift)
    assert {"SHA-256", "Subject", "Serial"} <= set(secure.shared)
    rows = {r.label: r for g in secure.groups for r in g.rows}
    versions = rows["Versions"]
    assert [i.text for i in versions.backup.items if i.unique] == ["TLSv1.1"]
    assert next(i for i in versions.backup.items if i.text == "TLSv1.1").state is ItemState.ON
    suites = rows["Suites TLSv1.2"]
    assert [i.text for i in suites.backup.items if i.unique] == ["TLS_RSA_WITH_AES_128_CBC_SHA"]
    assert [i.text for i in suites.primary.items if i.unique] == [
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]
    assert rows["Listening mode"].tone is Tone.SAME


def test_a_clean_port_shows_only_expected_differences(report: Report) -> None:
    default = _port(_pair(report, "tserver-sip-01"), "default")
    assert default.drift == () and default.shared == ()
    rows = {r.label: r for g in default.groups for r in g.rows}
    assert rows["SHA-256"].tone is Tone.NOTED and rows["Host"].tone is Tone.NOTED
    assert rows["Expires"].tone is Tone.NOTED and rows["Key"].tone is Tone.SAME


def test_an_unreachable_backup_is_not_compared_beyond_reachability(report: Report) -> None:
    default = _port(_pair(report, "confserv-01"), "default")
    rows = {r.label: r for g in default.groups for r in g.rows}
    assert default.drift == ("Reachable",)
    assert rows["Versions"].tone is Tone.UNCOMPARED and rows["Versions"].backup.note == "not probed"
    assert rows["Probe errors"].backup.items[0].text == "connect · refused: connection refused"


def test_a_port_on_one_server_only_says_so_once(report: Report) -> None:
    secure = _port(_pair(report, "confserv-01"), "secure")
    assert secure.only_on == "primary"
    notes = [r.backup.note for g in secure.groups for r in g.rows]
    assert notes[0] == "no port “secure” on the backup" and set(notes[1:]) == {"—"}
    assert all(r.tone is Tone.ALONE for g in secure.groups for r in g.rows)


def test_rows_neither_server_has_are_named_on_one_line(report: Report) -> None:
    plain = {i: replace(report.endpoints[i], certificate=None, chain=()) for i in (0, 2)}
    endpoints = tuple(plain.get(i, e) for i, e in enumerate(report.endpoints))
    view = build_view(replace(report, endpoints=endpoints))
    certificate = next(g for g in view.pairs[0].ports[0].groups if g.title == "Certificate")
    assert certificate.rows == ()
    assert certificate.unprobed[:2] == ("Subject", "Subject alt. names")
    html = render_html(replace(report, endpoints=endpoints))
    assert "on either server: Subject, Subject alt. names, Issuer, SHA-256" in html


def test_several_addresses_give_one_block_each(report: Report) -> None:
    extra = replace(report.endpoints[2], address="10.1.2.44")
    view = build_view(replace(report, endpoints=(*report.endpoints, extra)))
    captions = [p.caption for p in view.pairs[0].ports]
    assert captions == ["default · address 1 of 2", "default · address 2 of 2", "secure"]
    second = {r.label: r for g in view.pairs[0].ports[1].groups for r in g.rows}
    assert second["Host"].primary.note == "not probed"
    assert second["Address"].backup.items[0].text == "10.1.2.44 port 3000"


@pytest.mark.parametrize(("kind", "primary", "backup", "same_host", "tone"), [
    (RowKind.MATCH, ("a",), ("a",), False, Tone.SAME),
    (RowKind.MATCH, ("a",), ("b",), False, Tone.DRIFT),
    (RowKind.MATCH, ("a", "b"), ("b", "a"), False, Tone.SAME),       # order is not compared
    (RowKind.IDENTITY, ("a",), ("b",), False, Tone.NOTED),
    (RowKind.IDENTITY, ("a",), ("a",), False, Tone.SHARED),
    (RowKind.IDENTITY, ("a",), ("a",), True, Tone.SAME),              # one host: sharing is fine
    (RowKind.IDENTITY, (), (), False, Tone.SAME),
    (RowKind.INFO, ("a",), ("b",), False, Tone.NOTED),
    (RowKind.MATCH, ("a",), None, False, Tone.UNCOMPARED),
])
def test_tones(kind: RowKind, primary: tuple[str, ...] | None, backup: tuple[str, ...] | None,
               same_host: bool, tone: Tone) -> None:
    def side(texts: tuple[str, ...] | None) -> tuple[Item, ...] | None:
        return None if texts is None else tuple(Item(text=t) for t in texts)

    assert tone_of(kind, side(primary), side(backup), same_host=same_host) is tone


def test_an_absent_side_is_alone_and_marks_nothing() -> None:
    row = compare_row("Versions", RowKind.MATCH, (Item(text="TLSv1.2"),),
                      Absent(note="no backup"), same_host=False)
    assert row.tone is Tone.ALONE and row.backup.note == "no backup"
    assert not any(i.unique for i in row.primary.items)


def test_a_state_change_is_a_difference() -> None:
    on, off = Item(text="TLSv1.1", state=ItemState.ON), Item(text="TLSv1.1", state=ItemState.OFF)
    row = compare_row("Versions", RowKind.MATCH, (on,), (off,), same_host=False)
    assert row.tone is Tone.DRIFT and row.primary.items[0].unique and row.backup.items[0].unique


# --- banner, metadata, findings ------------------------------------------------------------------

def test_banner_and_metadata(report: Report, html: str) -> None:
    view = build_view(report)
    assert not view.compliant and view.verdict == "Not compliant"
    assert {c.severity: c.count for c in view.severity_counts} == {
        Severity.CRITICAL: 1, Severity.HIGH: 6, Severity.MEDIUM: 1, Severity.LOW: 0,
        Severity.INFO: 0}
    meta = {m.label: m.value for m in view.meta}
    assert meta["Inventory SHA-256"] == report.scan.inventory_sha256
    assert meta["Tool"] == "hatls 0.1.0" and meta["Scan started"] == "2026-11-24 10:00:00 UTC"
    assert meta["Policy"].startswith("genesys-ha")
    for text in ("Not compliant", report.scan.inventory_sha256, "HSTS", "confserv-01"):
        assert text in html


def test_findings_are_grouped_by_severity_worst_first(report: Report) -> None:
    view = build_view(report)
    assert [g.severity for g in view.groups] == [
        Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]
    high = next(g for g in view.groups if g.severity is Severity.HIGH)
    order = [Status.FAIL, Status.ERROR, Status.WARN]
    assert [f.status for f in high.findings] == sorted((f.status for f in high.findings),
                                                       key=order.index)
    assert high.breaking == 6
    gha005 = view.groups[0].findings[0]
    assert gha005.rule == "GHA-005" and gha005.remediation and gha005.reference
    assert {e.key for e in gha005.evidence} == {"primary_sha256", "backup_sha256", "backup_host"}
    settled = {r.rule: r for r in view.settled}
    assert sorted(settled) == ["TLS-020", "TLS-030", "TLS-032", "TLS-041"]
    assert [(f.pair, f.spot) for f in settled["TLS-030"].passed] == [
        ("tserver-sip-01", "primary · default")]
    (group,) = settled["TLS-032"].skipped
    assert group.reason == "backup not serving; depends on TLS-001"
    assert [f.status for f in group.findings] == [Status.SKIPPED]


def test_a_clean_report_without_inputs_renders(report: Report) -> None:
    kept = report.endpoints[:4]
    # No pair in the inventory: the pairs come from the endpoints alone.
    bare = replace(report.inputs, inventory=replace(report.inputs.inventory, pairs=()))
    clean = replace(report, inputs=bare, findings=(), endpoints=kept,
                    summary=summarize(pairs=1, endpoints=kept, findings=(), fail_on=Severity.HIGH,
                                      internal_errors=0))
    html = render_html(clean)
    assert "Compliant" in html and "No fail, error or warn finding." in html
    assert build_view(clean).pairs[0].primary_host == "tsrv-a.example.com"


def test_an_interrupted_scan_and_internal_errors_are_announced(report: Report) -> None:
    broken = replace(report, scan=replace(report.scan, status=ScanStatus.INTERRUPTED),
                     summary=replace(report.summary, internal_errors=2))
    notices = " ".join(build_view(broken).notices)
    assert "interrupted" in notices and "2 internal errors" in notices


# --- templates and packaging ---------------------------------------------------------------------

def test_a_template_dir_overrides_one_part_and_stays_escaped(tmp_path: Path,
                                                            report: Report) -> None:
    (tmp_path / "_style.css.j2").write_text("/* house style */ body { color: black; }")
    (tmp_path / "_overview.j2").write_text("{% for g in view.groups %}{% for f in g.findings %}"
                                           "<p>{{ f.message }}</p>{% endfor %}{% endfor %}")
    html = render_html(report, template_dir=str(tmp_path))
    assert "/* house style */" in html and "Not compliant" in html
    assert "&lt;script&gt;" in html and HOSTILE_SUBJECT not in html


def test_template_mistakes_fail_loudly(tmp_path: Path, report: Report) -> None:
    (tmp_path / "report.html.j2").write_text("{{ view.no_such_field }}")
    with pytest.raises(HtmlTemplateError, match="no_such_field"):
        render_html(report, template_dir=str(tmp_path))
    with pytest.raises(HtmlTemplateError, match="not found"):
        render_html(report, template_dir=str(tmp_path / "missing"))
    assert environment(str(tmp_path)).autoescape is True


def test_the_repository_templates_are_the_package_data() -> None:
    shipped = set(builtin_template_names())
    assert "report.html.j2" in shipped
    assert shipped == {p.name for p in (ROOT / "reports" / "templates").glob("*.j2")}


def test_every_package_is_listed_for_the_wheel() -> None:
    # Mapping hatls.templates to reports/templates rules out packages.find: a new package must be
    # added to pyproject's list, or the wheel silently lacks it.
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT / "src").parts)
             for p in (ROOT / "src" / "hatls").rglob("__init__.py")}
    assert set(settings["packages"]) == found | {"hatls.templates"}
    assert settings["package-dir"]["hatls.templates"] == "reports/templates"


def test_the_sample_report_file_is_current(report: Report) -> None:
    # After changing the fixture, rewrite it with `python tests/report_fixtures.py`.
    text = SAMPLE_PATH.read_text(encoding="utf-8")
    assert text == dumps(report)
    assert render_html(loads(text)) == render_html(report)


# --- in a real browser ---------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"{CHROMIUM} is not installed")


@needs_chromium
@pytest.mark.slow
def test_chromium_shows_and_prints_the_report(tmp_path: Path, html: str) -> None:
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    png = screenshot(page, tmp_path / "report.png")
    pdf = print_pdf(page, tmp_path / "report.pdf")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 50_000
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 4   # summary, each pair, findings


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records every request: the page must make none."""
    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


@needs_chromium
@pytest.mark.slow
def test_even_a_template_that_fetches_loads_nothing(tmp_path: Path, report: Report,
                                                    listener: tuple[int, list[str]]) -> None:
    port, hits = listener
    (tmp_path / "_overview.j2").write_text(
        f'<img src="http://127.0.0.1:{port}/img.png">'
        f'<div style="background: url(http://127.0.0.1:{port}/bg.png)">bait</div>')
    html = render_html(report, template_dir=str(tmp_path))
    guarded, unguarded = tmp_path / "guarded.html", tmp_path / "unguarded.html"
    guarded.write_text(html, encoding="utf-8")
    unguarded.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html),
                         encoding="utf-8")
    chromium_run(guarded, f"--screenshot={tmp_path / 'a.png'}", isolate=False)
    assert hits == []
    chromium_run(unguarded, f"--screenshot={tmp_path / 'b.png'}", isolate=False)
    assert "/img.png" in hits      # the control: without the policy the browser does fetch


def test_the_page_shows_the_json_reports_sha256_only_when_given(report: Report) -> None:
    digest = "ab" * 32
    assert "JSON report SHA-256" not in render_html(report)
    shown_page = render_html(report, json_sha256=digest)
    assert "JSON report SHA-256" in shown_page and digest in shown_page


def test_findings_meet_their_pair_by_name_not_by_display_text(report: Report) -> None:
    # Two pair names alike in their first 300 characters show alike (bounded): the view must
    # still put each pair's findings under its own pair.
    long = "p" * 320
    names = {"tserver-sip-01": long + "-tserver", "confserv-01": long + "-confserv"}
    inventory = report.inputs.inventory
    renamed = replace(
        report,
        inputs=replace(report.inputs, inventory=replace(inventory, pairs=tuple(
            replace(p, name=names[p.name]) for p in inventory.pairs))),
        endpoints=tuple(replace(e, pair=names[e.pair]) for e in report.endpoints),
        findings=tuple(replace(f, pair=names[f.pair]) for f in report.findings))
    views = build_view(renamed).pairs
    assert len(views) == 2 and views[0].name == views[1].name   # shown alike
    for view, name in zip(views, names.values(), strict=True):
        placed = [*view.findings, *(f for p in view.ports for f in p.findings)]
        assert placed and {f.place.pair for f in placed} == {name}
