"""Files a user can trust (hatls.files, hatls.output; hatls.report: _reader.py).

Every command that writes or reads a file follows the same rules: no output may be an input or
another output; links planted by another user in a sticky world-writable folder are not followed;
a read-only file is not replaced; every write failure is one line and exit 3; ``-`` is standard
output, once; a stale signature beside a replaced report goes. A saved report is untrusted: a
regular file under a size cap, nesting bounded, validated with the JSON path of any fault (exit
2), and its verdict recomputed from its findings. User templates are sandboxed and checked before
the scan; ``verify`` without ``--ca`` does not claim to know who signed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import mmap
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from hatls.cli import app
from hatls.evidence import report_sha256
from hatls.files import MAX_REPORT_BYTES, ReportFileError, plan_files, read_report, write_output
from hatls.lab.endpoint import EndpointConfig, RunningEndpoint
from hatls.lab.pki import CertificateAuthority
from hatls.lab.server import LabThread
from hatls.output import OutputError, write_atomic
from hatls.report import EscapeScan, ReportInvalid, report_from_bytes, report_schema
from hatls.report import _codec as codec
from hatls.report._reader import MAX_DEPTH
from tests.labkit import ca, leaf

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "sample-report.json"
PRIMARY, BACKUP = "127.0.1.77", "127.0.2.77"


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def hatls(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", *args], capture_output=True, text=True,
                          timeout=120, **kw)


def one_line(text: str) -> bool:
    return text.count("\n") == 1 and text.startswith("hatls: ") and "Traceback" not in text


def sample(tmp_path: Path, name: str = "report.json") -> Path:
    path = tmp_path / name
    path.write_bytes(SAMPLE.read_bytes())
    return path


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[RunningEndpoint, ...]]:
    configs = [EndpointConfig(address=a, cert_pem=leaf(h).cert_pem, key_pem=leaf(h).key_pem)
               for a, h in ((PRIMARY, "tsrv-a.example.test"), (BACKUP, "tsrv-b.example.test"))]
    with LabThread(configs) as endpoints:
        yield endpoints


def accepted(lab: tuple[RunningEndpoint, ...]) -> int:
    return sum(e.stats.accepted for e in lab)


def inventory(tmp_path: Path, lab: tuple[RunningEndpoint, ...]) -> Path:
    (tmp_path / "ca.pem").write_bytes(ca().cert_pem)
    path = tmp_path / "inventory.toml"
    path.write_text(f"""version = 1
[scan]
trusted_ca = "ca.pem"
connect_timeout = 2.0
handshake_timeout = 3.0
[[pair]]
name = "pair-1"
[pair.primary]
host = "tsrv-a.example.test"
address = "{lab[0].address}"
ports = [ {{ id = "secure", port = {lab[0].port}, mode = "secured", ha_sync = true }} ]
[pair.backup]
host = "tsrv-b.example.test"
address = "{lab[1].address}"
ports = [ {{ id = "secure", port = {lab[1].port}, mode = "secured", ha_sync = true }} ]
""")
    return path


# -- no output may be an input or another output: exit 2 before anything runs -------------------


def test_scan_refuses_to_write_its_report_over_the_inventory(lab: tuple[RunningEndpoint, ...],
                                                            tmp_path: Path) -> None:
    inv = inventory(tmp_path, lab)
    before, connections = inv.read_bytes(), accepted(lab)
    result = hatls("scan", str(inv), "--json", str(inv), "--quiet")
    assert result.returncode == 2 and one_line(result.stderr), result.stderr
    assert "--json" in result.stderr and "INVENTORY" in result.stderr
    assert inv.read_bytes() == before and accepted(lab) == connections


def test_scan_refuses_an_output_over_its_baseline_through_another_name(
        lab: tuple[RunningEndpoint, ...], tmp_path: Path) -> None:
    inv, base = inventory(tmp_path, lab), sample(tmp_path, "base.json")
    (tmp_path / "alias.json").symlink_to("base.json")
    connections = accepted(lab)
    result = hatls("scan", str(inv), "--baseline", str(base), "--sarif", str(tmp_path / "alias.json"))
    assert result.returncode == 2 and "--baseline" in result.stderr, result.stderr
    assert base.read_bytes() == SAMPLE.read_bytes() and accepted(lab) == connections


def test_scan_refuses_to_write_over_a_file_its_inventory_names(lab: tuple[RunningEndpoint, ...],
                                                              tmp_path: Path) -> None:
    inv = inventory(tmp_path, lab)
    trusted = (tmp_path / "ca.pem").read_bytes()
    result = cli("scan", str(inv), "--metrics", str(tmp_path / "ca.pem"))
    assert result.exit_code == 2 and "the inventory's ca.pem" in result.stderr, result.stderr
    assert (tmp_path / "ca.pem").read_bytes() == trusted


@pytest.mark.parametrize("command", ["render", "export", "diff", "sign"])
def test_no_command_replaces_its_own_input(tmp_path: Path, command: str) -> None:
    report = sample(tmp_path)
    (tmp_path / "signer.key").write_bytes(signer().key_pem)
    args = {"render": ["render", str(report), "--html", str(report)],
            "export": ["export", str(report), "--junit", str(report)],
            "diff": ["diff", str(SAMPLE), str(report), "--json", str(report)],
            "sign": ["sign", str(report), "--key", str(tmp_path / "signer.key"), "-o", str(report)]}
    result = cli(*args[command])
    assert result.exit_code == 2 and one_line(result.stderr), result.stderr
    assert "is the input" in result.stderr
    assert report.read_bytes() == SAMPLE.read_bytes()


def test_two_outputs_on_one_file_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "drift.out"
    result = cli("diff", str(SAMPLE), str(SAMPLE), "--json", str(target), "--html", str(target))
    assert result.exit_code == 2 and "--json and --html name the same file" in result.stderr
    assert not target.exists()


def test_the_plan_compares_files_not_spellings(tmp_path: Path) -> None:
    report = sample(tmp_path)
    os.link(report, tmp_path / "hard.json")
    spellings = (str(report), str(tmp_path / "." / "report.json"), str(tmp_path / "hard.json"),
                 os.path.relpath(report))
    for spelling in spellings:
        with pytest.raises(Exception, match="is the input"):
            plan_files(inputs=(("R", report),), outputs=(("--html", spelling),))
    plan_files(inputs=(("R", report),), outputs=(("--html", str(tmp_path / "other.html")),))


# -- what a careful shell redirection would not do either ---------------------------------------


def planted_link(tmp_path: Path, owner: int) -> tuple[Path, Path]:
    """A root-owned file, and a link to it in a sticky world-writable folder, owned by ``owner``."""
    precious = tmp_path / "precious.conf"
    precious.write_text("keep me\n")
    public = tmp_path / "public"
    public.mkdir()
    public.chmod(0o1777)
    link = public / "report.html"
    link.symlink_to(precious)
    os.lchown(link, owner, owner)
    return precious, link


def test_a_link_planted_by_another_user_in_a_sticky_folder_is_not_followed(tmp_path: Path) -> None:
    assert os.geteuid() == 0, "this test plays root against uid 65534"
    precious, link = planted_link(tmp_path, 65534)
    result = cli("render", str(SAMPLE), "--html", str(link))
    assert result.exit_code == 3 and one_line(result.stderr), result.stderr
    assert "protected_symlinks" in result.stderr and "uid 65534" in result.stderr
    assert precious.read_text() == "keep me\n" and link.is_symlink()
    with pytest.raises(OutputError, match="will not follow"):
        write_atomic(str(link), "new\n")


def test_our_own_link_in_a_sticky_folder_is_followed(tmp_path: Path) -> None:
    precious, link = planted_link(tmp_path, os.geteuid())
    assert cli("render", str(SAMPLE), "--html", str(link)).exit_code == 0
    assert precious.read_text().startswith("<!DOCTYPE html>") and link.is_symlink()


def test_a_read_only_file_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("signed off\n")
    target.chmod(0o444)
    result = cli("render", str(SAMPLE), "--html", str(target))
    assert result.exit_code == 3 and one_line(result.stderr), result.stderr
    assert "read-only (mode 0444)" in result.stderr
    assert target.read_text() == "signed off\n"
    with pytest.raises(OutputError, match="read-only"):
        write_atomic(str(target), "new\n")


def test_a_legal_250_byte_name_can_be_written(tmp_path: Path) -> None:
    name = "é" * 20 + "r" * 205 + ".html"   # 250 bytes, two-byte characters where a cut may fall
    assert len(name.encode()) == 250
    result = cli("render", str(SAMPLE), "--html", str(tmp_path / name))
    assert result.exit_code == 0, result.stderr
    assert os.listdir(tmp_path) == [name]


# -- every write failure is one line and exit 3; '-' is standard output -------------------------


def test_demo_that_cannot_write_its_folder_is_one_line_and_exit_3(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the demo folder should go\n")
    result = hatls("demo", "--out", str(tmp_path / "taken"), "--quiet")
    assert result.returncode == 3 and one_line(result.stderr), result.stderr


def test_render_writes_html_to_standard_output(tmp_path: Path) -> None:
    result = hatls("render", str(SAMPLE), "--html", "-", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("<!DOCTYPE html>"), result.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["render", "export", "diff", "diff-summary", "init"])
def test_a_full_standard_output_is_one_line_and_exit_3(command: str) -> None:
    args = {"render": ["render", str(SAMPLE), "--html", "-"],
            "export": ["export", str(SAMPLE), "--sarif", "-"],
            "diff": ["diff", str(SAMPLE), str(SAMPLE), "--json", "-", "--quiet"],
            # exit 1 would say "something got worse"
            "diff-summary": ["diff", str(SAMPLE), str(SAMPLE)],
            "init": ["init", "-"]}[command]
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "hatls", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 3 and one_line(result.stderr), result.stderr
    assert "standard output" in result.stderr


def test_two_outputs_on_standard_output_are_a_usage_error(lab: tuple[RunningEndpoint, ...],
                                                          tmp_path: Path) -> None:
    result = cli("diff", str(SAMPLE), str(SAMPLE), "--json", "-", "--html", "-")
    assert result.exit_code == 2 and "standard output" in result.stderr
    connections = accepted(lab)
    scan = hatls("scan", str(inventory(tmp_path, lab)), "--json", "-", "--html", "-", cwd=tmp_path)
    assert scan.returncode == 2 and one_line(scan.stderr), scan.stderr
    assert scan.stdout == "" and accepted(lab) == connections and "-" not in os.listdir(tmp_path)


# -- a stale signature beside a replaced report -------------------------------------------------


def signer(*, not_before: datetime | None = None, not_after: datetime | None = None) -> Any:
    now = datetime.now(UTC)
    authority = CertificateAuthority.create("Files CA", now=now - timedelta(days=30), days=3650)
    return authority.issue(common_name="ops@example.test", now=now, key_type="ed25519",
                           eku=("emailProtection",), not_before=not_before or now - timedelta(days=1),
                           not_after=not_after or now + timedelta(days=30))


def test_a_signature_that_no_longer_matches_is_removed_and_said(
        lab: tuple[RunningEndpoint, ...], tmp_path: Path) -> None:
    report = sample(tmp_path)
    (tmp_path / "signer.key").write_bytes(signer().key_pem)
    assert cli("sign", str(report), "--key", str(tmp_path / "signer.key")).exit_code == 0
    sig = tmp_path / "report.json.sig"
    assert sig.exists()

    scan = hatls("scan", str(inventory(tmp_path, lab)), "--json", str(report), "--quiet")

    assert scan.returncode in (0, 1), scan.stderr
    assert report.read_bytes() != SAMPLE.read_bytes() and not sig.exists()
    assert f"removed {sig}" in scan.stderr


def test_a_signature_that_still_matches_is_kept(tmp_path: Path, capsys: Any) -> None:
    report = sample(tmp_path)
    (tmp_path / "signer.key").write_bytes(signer().key_pem)
    assert cli("sign", str(report), "--key", str(tmp_path / "signer.key")).exit_code == 0
    write_output(str(report), SAMPLE.read_text(encoding="utf-8"))
    assert (tmp_path / "report.json.sig").exists() and "removed" not in capsys.readouterr().err
    write_output(str(report), "{}\n")
    assert not (tmp_path / "report.json.sig").exists() and "removed" in capsys.readouterr().err


# -- a saved report is untrusted input ----------------------------------------------------------


def _first_with(items: list[dict[str, Any]], key: str) -> int:
    return next(i for i, item in enumerate(items) if item.get(key))


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
    return mutate


def _cert_time(doc: dict[str, Any]) -> None:
    doc["endpoints"][_first_with(doc["endpoints"], "certificate")]["certificate"]["not_after"] = 1


def _drop_findings(doc: dict[str, Any]) -> None:
    del doc["findings"]


# (name, mutation, the JSON path the message must name)
STRUCTURAL: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("summary-is-a-list", _set(("summary",), []), "$.summary"),
    ("policy-is-a-list", _set(("scan", "policy"), ["genesys-ha"]), "$.scan.policy"),
    ("time-is-a-number", _set(("scan", "started"), 1764892800), "$.scan.started"),
    ("time-in-another-form", _set(("scan", "finished"), "yesterday"), "$.scan.finished"),
    ("version-is-null", _set(("tool", "version"), None), "$.tool.version"),
    ("another-schema", _set(("schema",), "hatls-report/2"), "$.schema"),
    ("port-is-text", _set(("endpoints", 0, "port"), "3000"), "$.endpoints[0].port"),
    ("unknown-status", _set(("findings", 3, "status"), "great"), "$.findings[3].status"),
    ("certificate-time", _cert_time, ".certificate.not_after"),
    ("errors-is-an-object", _set(("endpoints", 1, "errors"), {}), "$.endpoints[1].errors"),
    ("no-findings", _drop_findings, "'findings' is missing"),
    ("inputs-is-text", _set(("inputs",), "x"), "$.inputs"),
]


def mutated(mutation: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(json.loads(SAMPLE.read_bytes()))
    mutation(doc)
    return doc


def test_the_sample_report_is_valid_for_both_the_schema_and_the_reader() -> None:
    jsonschema.Draft202012Validator(report_schema()).validate(json.loads(SAMPLE.read_bytes()))
    assert report_from_bytes(SAMPLE.read_bytes()).findings


@pytest.mark.parametrize(("name", "mutation", "where"), STRUCTURAL, ids=[c[0] for c in STRUCTURAL])
def test_the_reader_refuses_what_the_shipped_schema_refuses(
        name: str, mutation: Callable[[dict[str, Any]], None], where: str) -> None:
    doc = mutated(mutation)
    assert not jsonschema.Draft202012Validator(report_schema()).is_valid(doc)
    with pytest.raises(ReportInvalid) as caught:
        report_from_bytes(json.dumps(doc).encode())
    assert where in str(caught.value) and "\n" not in str(caught.value)


TEXTUAL: list[tuple[str, bytes, str]] = [
    ("lone-surrogate", json.dumps(mutated(_set(("findings", 2, "message"), "a\ud800b"))).encode(),
     "$.findings[2].message: a lone UTF-16 surrogate"),
    ("deep-nesting", b"[" * 100_000 + b"]" * 100_000, "nested deeper than"),
    ("deep-but-parseable", json.dumps(mutated(_set(("inputs", "inventory", "x"),
                                                   json.loads("[" * 200 + "]" * 200)))).encode(),
     "$.inputs.inventory.x" + "[0]" * (MAX_DEPTH - 3)),
    ("not-a-number", SAMPLE.read_bytes().replace(b'"connections": 85', b'"connections": NaN', 1),
     "NaN is not a JSON number"),
    ("not-utf-8", b'{"schema": "\xff"}', "not UTF-8"),
]


@pytest.mark.parametrize(("name", "data", "where"), TEXTUAL, ids=[c[0] for c in TEXTUAL])
def test_the_reader_refuses_text_no_report_holds(name: str, data: bytes, where: str) -> None:
    with pytest.raises(ReportInvalid) as caught:
        report_from_bytes(data)
    assert where in str(caught.value), str(caught.value)


def test_a_well_formed_surrogate_pair_and_an_escaped_backslash_are_text() -> None:
    text = json.dumps(mutated(_set(("findings", 2, "message"), "\U0001f600 \\ud800"))).encode()
    assert b"\\ud83d\\ude00 \\\\ud800" in text   # as an ASCII-only writer escapes them
    assert report_from_bytes(text).findings[2].message == "\U0001f600 \\ud800"


@pytest.mark.parametrize("command", ["render", "export", "diff", "sign", "verify", "baseline"])
def test_every_reader_refuses_a_bad_report_in_one_line_with_its_path(
        lab: tuple[RunningEndpoint, ...], tmp_path: Path, command: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(mutated(_set(("scan", "started"), 1764892800))))
    (tmp_path / "signer.key").write_bytes(signer().key_pem)
    (tmp_path / "signer.pem").write_bytes(signer().cert_pem)
    args = {"render": ["render", str(bad), "--html", str(tmp_path / "r.html")],
            "export": ["export", str(bad), "--junit", str(tmp_path / "j.xml")],
            "diff": ["diff", str(SAMPLE), str(bad)],
            # sign and verify take any file (issue 14: HTML and PDF too) and never parse it: what
            # they refuse is a file that is not a regular one.
            "sign": ["sign", "/dev/zero", "--key", str(tmp_path / "signer.key")],
            "verify": ["verify", "/dev/zero", "--cert", str(tmp_path / "signer.pem")],
            "baseline": ["scan", str(inventory(tmp_path, lab)), "--baseline", str(bad),
                         "--json", str(tmp_path / "r.json")]}[command]
    connections = accepted(lab)
    result = cli(*args)
    assert result.exit_code == 2 and one_line(result.stderr), result.stderr
    if command in ("sign", "verify"):
        assert "/dev/zero: is not a regular file" in result.stderr
    else:
        assert f"{bad}: not a readable hatls report: $.scan.started: expected a time" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["bad.json", "ca.pem", "inventory.toml", "signer.key",
                                            "signer.pem"]
    assert accepted(lab) == connections


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "too-large"])
def test_only_a_regular_file_under_the_cap_is_read(tmp_path: Path, kind: str) -> None:
    path = {"device": Path("/dev/zero"), "fifo": tmp_path / "pipe", "folder": tmp_path,
            "too-large": tmp_path / "huge.json"}[kind]
    if kind == "fifo":
        os.mkfifo(path)   # nobody writes to it: reading would wait for ever
    if kind == "too-large":
        with path.open("wb") as handle:   # sparse: costs no disk
            handle.truncate(MAX_REPORT_BYTES + 1)
    started = time.monotonic()
    result = cli("render", str(path), "--html", str(tmp_path / "r.html"))
    assert result.exit_code == 2 and one_line(result.stderr), result.stderr
    assert ("more than the" if kind == "too-large" else "regular file") in result.stderr
    assert time.monotonic() - started < 10 and not (tmp_path / "r.html").exists()


# -- the verdict comes from the findings, never from the file's summary -------------------------


def test_an_edited_verdict_does_not_survive_rendering(tmp_path: Path) -> None:
    doc = json.loads(SAMPLE.read_bytes())
    assert any(f["status"] == "fail" and f["severity"] == "critical" for f in doc["findings"])
    doc["summary"].update(compliant=True, fail=0, error=0)
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc))
    assert cli("render", str(edited), "--html", str(tmp_path / "r.html")).exit_code == 0
    html = (tmp_path / "r.html").read_text()
    assert "Not compliant" in html
    assert cli("export", str(edited), "--metrics", str(tmp_path / "m.prom")).exit_code == 0
    assert "hatls_scan_compliant 0" in (tmp_path / "m.prom").read_text()


def test_an_interrupted_report_is_never_compliant() -> None:
    doc = json.loads(SAMPLE.read_bytes())
    doc["findings"] = [f for f in doc["findings"] if f["status"] not in ("fail", "error")]
    assert report_from_bytes(json.dumps(doc).encode()).summary.compliant is True
    doc["scan"]["status"] = "interrupted"
    # No verdict at all (null), never "compliant", whatever the file's summary says.
    doc["summary"]["compliant"] = True
    assert report_from_bytes(json.dumps(doc).encode()).summary.compliant is None


def test_the_summary_counts_are_the_findings_own() -> None:
    doc = json.loads(SAMPLE.read_bytes())
    doc["summary"].update(fail=0, by_severity={"critical": 0})
    summary = report_from_bytes(json.dumps(doc).encode()).summary
    assert summary.failed == sum(f["status"] == "fail" for f in doc["findings"])
    assert summary.by_severity["critical"] == 1


# -- templates ----------------------------------------------------------------------------------


def test_a_template_reaches_neither_os_nor_the_environment(tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text(
        "{{ lipsum.__globals__.os.environ.HATLS_KEY_PASSWORD }}"
        f"{{{{ lipsum.__globals__.os.popen('touch {marker}').read() }}}}"
        "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}")
    result = cli("render", str(SAMPLE), "--html", str(tmp_path / "r.html"), "--template-dir",
                 str(templates), env={"HATLS_KEY_PASSWORD": "hunter2"})
    assert result.exit_code == 2 and one_line(result.stderr), result.stderr
    assert "hunter2" not in result.output and not marker.exists()
    assert not (tmp_path / "r.html").exists()


def test_a_broken_template_is_found_before_the_scan(lab: tuple[RunningEndpoint, ...],
                                                    tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "_style.css.j2").write_text("{% if %}broken{% endif %}")
    connections = accepted(lab)
    result = hatls("scan", str(inventory(tmp_path, lab)), "--template-dir", str(templates),
                   "--html", str(tmp_path / "r.html"), "--junit", str(tmp_path / "j.xml"))
    assert result.returncode == 2 and one_line(result.stderr), result.stderr
    assert "_style.css.j2:1" in result.stderr
    assert accepted(lab) == connections and not (tmp_path / "j.xml").exists()


def test_a_template_naming_what_the_view_lacks_is_found_before_the_scan(
        lab: tuple[RunningEndpoint, ...], tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text("{{ view.no_such_thing }}")
    connections = accepted(lab)
    result = hatls("scan", str(inventory(tmp_path, lab)), "--template-dir", str(templates),
                   "--html", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json"))
    assert result.returncode == 2 and one_line(result.stderr), result.stderr
    assert "no_such_thing" in result.stderr and accepted(lab) == connections
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r.json").exists()


def test_a_template_failing_only_on_scanned_data_costs_the_html_alone(
        lab: tuple[RunningEndpoint, ...], tmp_path: Path) -> None:
    # Fails only once an endpoint answered (the rehearsal before the scan has none that did).
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text(
        "{% for line in view.meta if line.label == 'Scope' and ' 0 connections' not in line.value %}"
        "{{ view.no_such_thing }}{% endfor %}")
    result = hatls("scan", str(inventory(tmp_path, lab)), "--template-dir", str(templates), "--quiet",
                   "--html", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json"),
                   "--junit", str(tmp_path / "j.xml"), "--metrics", str(tmp_path / "m.prom"))
    assert result.returncode == 3 and one_line(result.stderr), result.stderr
    assert "no_such_thing" in result.stderr and not (tmp_path / "r.html").exists()
    assert all((tmp_path / name).stat().st_size for name in ("r.json", "j.xml", "m.prom"))


# -- signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("shift", "says"), [(-60, "expired on"), (60, "not yet valid")])
def test_sign_refuses_a_certificate_outside_its_validity(tmp_path: Path, shift: int, says: str) -> None:
    now = datetime.now(UTC)
    window = (now + timedelta(days=shift), now + timedelta(days=shift + 1))
    issued = signer(not_before=min(window), not_after=max(window))
    (tmp_path / "signer.key").write_bytes(issued.key_pem)
    (tmp_path / "signer.pem").write_bytes(issued.cert_pem)
    report = sample(tmp_path)
    result = cli("sign", str(report), "--key", str(tmp_path / "signer.key"),
                 "--cert", str(tmp_path / "signer.pem"))
    assert result.exit_code == 2 and one_line(result.stderr) and says in result.stderr, result.stderr
    assert not (tmp_path / "report.json.sig").exists()


def test_verify_without_a_ca_says_the_signer_is_not_authenticated(tmp_path: Path) -> None:
    issued = signer()
    (tmp_path / "signer.key").write_bytes(issued.key_pem)
    (tmp_path / "signer.pem").write_bytes(issued.cert_pem)
    report = sample(tmp_path)
    assert cli("sign", str(report), "--key", str(tmp_path / "signer.key"),
               "--cert", str(tmp_path / "signer.pem")).exit_code == 0
    result = cli("verify", str(report), "--cert", str(tmp_path / "signer.pem"))
    assert result.exit_code == 0
    assert "not authenticated" in result.stdout.lower() and "--ca" in result.stdout
    assert report_sha256(report.read_bytes()) in result.stdout


def test_writes_stay_atomic_and_leave_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / ("x" * 250)
    target.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(str(target), "x" * 100_000 + "\ud800")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == [target.name]
    target.chmod(0o600)
    write_atomic(str(target), "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_links_resolve_as_the_kernel_resolves_them(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("old\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "up").symlink_to("..")
    (tmp_path / "a" / "link").symlink_to("up/real.json")     # a relative link through a link
    (tmp_path / "a" / "dangling").symlink_to("../new.json")  # names a file still to be made
    (tmp_path / "loop").symlink_to("loop")
    write_atomic(str(tmp_path / "a" / "link"), "new\n")
    write_atomic(str(tmp_path / "a" / "dangling"), "made\n")
    assert (tmp_path / "real.json").read_text() == "new\n"
    assert (tmp_path / "new.json").read_text() == "made\n" and (tmp_path / "a" / "dangling").is_symlink()
    with pytest.raises(OutputError, match="too many levels of symbolic links"):
        write_atomic(str(tmp_path / "loop"), "x\n")


def test_a_streamed_page_keeps_a_signature_it_matches_and_drops_one_it_does_not(
        tmp_path: Path) -> None:
    # render writes the HTML piece by piece (html.iter_html); the digest the stale-signature
    # rule compares is taken on the way, over the same bytes.
    page = tmp_path / "r.html"
    assert cli("render", str(SAMPLE), "--html", str(page)).exit_code == 0
    (tmp_path / "signer.key").write_bytes(signer().key_pem)
    assert cli("sign", str(page), "--key", str(tmp_path / "signer.key")).exit_code == 0
    sig = tmp_path / "r.html.sig"
    again = cli("render", str(SAMPLE), "--html", str(page))
    assert again.exit_code == 0 and sig.exists() and "removed" not in again.stderr
    retitled = cli("render", str(SAMPLE), "--html", str(page), "--title", "Another title")
    assert retitled.exit_code == 0 and not sig.exists()
    assert f"removed {sig}" in retitled.stderr and "Another title" in page.read_text()


def test_the_lean_reader_validates_item_by_item_with_pages_let_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages are let go every page here, so the parse reads back pages already dropped; the
    # fault sits in the last finding, after every other item was parsed and converted.
    monkeypatch.setattr(codec, "_HASH_CHUNK", mmap.PAGESIZE)
    doc = json.loads(SAMPLE.read_bytes())
    last = len(doc["findings"]) - 1
    good = tmp_path / "good.json"
    good.write_bytes(SAMPLE.read_bytes())
    report, digest = read_report(good)
    assert report == report_from_bytes(SAMPLE.read_bytes())
    assert digest == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    doc["findings"][last]["severity"] = "dire"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ReportFileError) as caught:
        read_report(bad)
    assert f"$.findings[{last}].severity" in str(caught.value)
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(ReportFileError, match="not JSON"):
        read_report(empty)


def test_a_surrogate_escape_cut_between_two_pieces_is_still_seen() -> None:
    text = b'{"m": "a\\ud800b"}'
    for cut in range(len(text) + 1):
        scan = EscapeScan()
        scan.feed(text[:cut])
        scan.feed(text[cut:])
        assert scan.seen, cut
    clean = EscapeScan()
    clean.feed(b'{"m": "\\\\u00e9 \\u00e9"}')
    assert not clean.seen


# -- a waiver on a finding is trusted no more than the summary ------------------------------------

_TICKET = {"ticket": "CHG0012345", "reason": "re-keyed in January", "expires": "2027-01-31"}


def _waived(doc: dict[str, Any], index: int, *, given: bool) -> dict[str, Any]:
    finding = doc["findings"][index]
    finding["waiver"] = dict(_TICKET)
    if given:
        doc["inputs"]["waivers"] = [{"rule": finding["rule"], "pair": finding["pair"],
                                     "role": finding["role"], "port_id": finding["port_id"],
                                     **_TICKET}]
    return doc


def test_a_waiver_the_inputs_give_is_read_and_counted() -> None:
    doc = _waived(json.loads(SAMPLE.read_bytes()), 0, given=True)   # GHA-005, fail
    report = report_from_bytes(json.dumps(doc).encode())
    assert report.findings[0].waiver is not None and report.summary.waived == 1


@pytest.mark.parametrize(("index", "given", "problem"), [
    (0, False, "no waiver of $.inputs.waivers"),     # a fail waived by the file alone
    (7, True, "only a fail or warn finding"),        # TLS-038 error: never waivable
])
def test_an_edited_waiver_does_not_turn_a_report_green(tmp_path: Path, index: int, given: bool,
                                                       problem: str) -> None:
    doc = _waived(json.loads(SAMPLE.read_bytes()), index, given=given)
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ReportInvalid, match=problem.replace("$", r"\$")):
        report_from_bytes(bad.read_bytes())
    result = cli("render", str(bad), "--html", str(tmp_path / "r.html"))
    assert result.exit_code == 2 and one_line(result.stderr), result.stderr
    assert f"$.findings[{index}].waiver" in result.stderr
    assert not (tmp_path / "r.html").exists()
