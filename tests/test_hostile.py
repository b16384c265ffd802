"""Hostile servers (issue 5): one scan of a normal pair beside every hostile endpoint.

The lab runs in the scan's own trio run, so trio's virtual clock (autojump) covers both: a tarpit
costs no wall time, and every duration asserted here is exact protocol time. Each hostile
endpoint sits on an address of its own, so the per-address limit never makes one wait for another
and each one's bound follows from the timeouts alone.
"""

from __future__ import annotations

import json
import tracemalloc
import unicodedata
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import trio
import trio.testing

from hatls.findings import Finding
from hatls.inventory import parse_inventory
from hatls.lab.endpoint import EndpointConfig, Fault, ListenMode, RunningEndpoint
from hatls.lab.hostile_certs import HOSTILE_MARKUP, hostile_names_leaf, long_chain
from hatls.lab.pki import IssuedCert
from hatls.lab.server import LabThread, serve_endpoints
from hatls.observations import EndpointObservation, ErrorKind, PlaintextCase, Stage
from hatls.probe.connection import open_connection
from hatls.probe.handshake import ClientOffer, tls_handshake
from hatls.probe.plaintext import ANSWER_WAIT, BANNER_WAIT
from hatls.probe.scanner import ScanEvent, ScanLimits, scan
from hatls.report import Report, dumps, loads, report_schema, summary_lines
from hatls.report.html import render_html
from hatls.report.html._text import MAX_MESSAGE_CHARS
from hatls.x509 import MAX_NAME_CHARS
from tests.labkit import NOW, ca, leaf

CONNECT, HANDSHAKE = 1.0, 2.0
LIMITS = ScanLimits(connect_timeout=CONNECT, handshake_timeout=HANDSHAKE)
# The longest path through one endpoint: the first handshake, then the plaintext probe (the raw
# hellos run beside it, and every hostile server that answers them answers at once).
ENDPOINT_BOUND = (CONNECT + HANDSHAKE) + (CONNECT + BANNER_WAIT + ANSWER_WAIT)
# Bytes: each connection reads at most 256 KiB, the biggest report holds a 200-certificate chain;
# about 8 MiB is seen, so a leak that grows with what a server sends trips this at once.
MEMORY_BOUND = 32 * 2**20
MODERN = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305"
HOSTILE_HOST = "tsrv-h.example.test"
BANNER = b"220 <b>ready</b>\x1b[2J\x07\r\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class Expect:
    tls_002: str  # the status of TLS-002
    kind: ErrorKind | None  # the first handshake's error kind (None: it completed)
    kinds: frozenset[ErrorKind] = frozenset()  # every error kind the endpoint may show
    # Connections it may cost: the handshake and the plaintext probe; None where a TLS stack
    # answered, so the raw hellos ran: then no more than a normal endpoint of the same scan.
    connections: int | None = 2
    accepts_plaintext: bool | None = False  # None: no claim (the port answered nothing at all)
    also: tuple[tuple[str, str], ...] = ()  # (rule, status) of other findings it must show


def _expect(tls_002: str, kind: ErrorKind | None, *more: ErrorKind, connections: int | None = 2,
            accepts_plaintext: bool | None = False, also: tuple[tuple[str, str], ...] = ()) -> Expect:
    kinds = frozenset(k for k in (kind, *more) if k is not None)
    return Expect(tls_002=tls_002, kind=kind, kinds=kinds, connections=connections,
                  accepts_plaintext=accepts_plaintext, also=also)


# TLS-001 passes for all of them: each accepts the TCP connection. TLS-002 then follows
# rules/endpoint/_reach.py: a secured port that completes no handshake fails, unless the cause is
# inconclusive (a timeout) and plaintext was not seen accepted -- the drip and the tarpit are left
# at error. The tarpit answers nothing at all, TLS included: docs/design.md makes that a timeout, never
# a claim about plaintext (accepts_plaintext None, a plaintext-stage timeout in the errors).
EXPECTED: dict[str, Expect] = {
    "tarpit": _expect("error", ErrorKind.TIMEOUT, accepts_plaintext=None),
    "drip": _expect("error", ErrorKind.TIMEOUT),
    "garbage": _expect("fail", ErrorKind.NOT_TLS, accepts_plaintext=True),
    "reset": _expect("fail", ErrorKind.RESET, connections=None),
    "huge-record": _expect("fail", ErrorKind.TOO_LARGE),
    # cryptography's verifier stops at its maximum depth: no path to the CA is found.
    "long-chain": _expect("pass", None, connections=None, also=(("TLS-031", "fail"),)),
    "malformed-leaf": _expect("fail", ErrorKind.PROTOCOL_VIOLATION, connections=None),
    "alert-storm": _expect("fail", ErrorKind.PROTOCOL_VIOLATION, ErrorKind.TOO_LARGE,
                           connections=None),
    "close-mid-handshake": _expect("fail", ErrorKind.CLOSED, ErrorKind.PROTOCOL_VIOLATION,
                                   connections=None),
    "banner": _expect("fail", ErrorKind.NOT_TLS, accepts_plaintext=True),
    "hostile-names": _expect("pass", None, connections=None,
                             also=(("TLS-031", "pass"), ("TLS-032", "pass"))),
    "huge-names": _expect("fail", ErrorKind.TOO_LARGE),
}


def _serving(cert: IssuedCert, address: str, **kw: Any) -> EndpointConfig:
    return EndpointConfig(address=address, cert_pem=cert.cert_pem, key_pem=cert.key_pem,
                          chain_pem=cert.chain_pem, **kw)


def hostile_configs() -> dict[str, EndpointConfig]:
    plain = leaf(HOSTILE_HOST)
    faults = {"tarpit": Fault.TARPIT, "drip": Fault.DRIP, "garbage": Fault.GARBAGE,
              "reset": Fault.RESET, "huge-record": Fault.HUGE_RECORD,
              "malformed-leaf": Fault.MALFORMED_LEAF, "alert-storm": Fault.ALERT_STORM,
              "close-mid-handshake": Fault.CLOSE_MID_HANDSHAKE}
    certs = {"long-chain": long_chain(ca(), host=HOSTILE_HOST, length=200, now=NOW),
             # ~90 KB: under OpenSSL's 100 KiB cap on a Certificate message, so it is served;
             "hostile-names": hostile_names_leaf(ca(), host=HOSTILE_HOST, name_chars=45_000,
                                                 now=NOW),
             # ~200 KB: two 100 KB names, refused by the client as too large.
             "huge-names": hostile_names_leaf(ca(), host=HOSTILE_HOST, name_chars=100_000,
                                              now=NOW)}
    configs: dict[str, EndpointConfig] = {}
    for number, name in enumerate(EXPECTED, start=1):
        address = f"127.0.3.{number}"
        if name in faults:
            configs[name] = _serving(plain, address, fault=faults[name])
        elif name in certs:
            configs[name] = _serving(certs[name], address, ciphers=MODERN)
        else:  # a plaintext banner on a port the inventory calls secured
            configs[name] = _serving(plain, address, mode=ListenMode.UNSECURED, banner=BANNER)
    return configs


def _server(role: str, host: str, ep: RunningEndpoint) -> str:
    return (f'[pair.{role}]\nhost = "{host}"\naddress = "{ep.address}"\nports = [ {{ id = '
            f'"secure", port = {ep.port}, mode = "secured", ha_sync = true }} ]\n')


def inventory_text(normal: tuple[RunningEndpoint, ...], hostile: dict[str, RunningEndpoint]) -> str:
    """The normal pair, then one backup-less pair per hostile endpoint, named after it."""
    text = 'version = 1\n[scan]\ntrusted_ca = "ca.pem"\n[[pair]]\nname = "normal"\n'
    text += _server("primary", "tsrv-a.example.test", normal[0])
    text += _server("backup", "tsrv-b.example.test", normal[1])
    for name, ep in hostile.items():
        text += f'[[pair]]\nname = "{name}"\n' + _server("primary", HOSTILE_HOST, ep)
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class HostileScan:
    report: Report
    baseline: Report  # the normal pair scanned alone
    durations: dict[str, float]  # virtual seconds from "started" to "finished", per pair
    elapsed: float  # virtual seconds for the whole scan
    accepted: dict[str, int]  # connections each lab endpoint accepted
    peak_memory: int


async def _run(tmp: Path, configs: dict[str, EndpointConfig], trace_memory: bool) -> HostileScan:
    normal = [_serving(leaf("tsrv-a.example.test"), "127.0.1.50", ciphers=MODERN),
              _serving(leaf("tsrv-b.example.test"), "127.0.2.50", ciphers=MODERN)]
    async with trio.open_nursery() as nursery:
        running = await nursery.start(partial(serve_endpoints, [*normal, *configs.values()]))
        by_name = dict(zip(configs, running[2:], strict=True))
        parse = partial(parse_inventory, path=str(tmp / "inv.toml"), base_dir=str(tmp))
        run = partial(scan, now=lambda: NOW, limits=LIMITS)
        baseline = await run(parse(inventory_text(running[:2], {})))
        inventory = parse(inventory_text(running[:2], by_name))
        starts: dict[str, float] = {}
        durations: dict[str, float] = {}

        def on_event(event: ScanEvent) -> None:
            if event.endpoint is not None and event.kind == "started":
                starts[event.endpoint[0]] = trio.current_time()
            elif event.endpoint is not None and event.kind == "finished":
                durations[event.endpoint[0]] = trio.current_time() - starts[event.endpoint[0]]

        if trace_memory:
            tracemalloc.start()
        began = trio.current_time()
        try:
            report = await run(inventory, on_event=on_event)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        elapsed = trio.current_time() - began
        nursery.cancel_scope.cancel()
    accepted = {name: ep.stats.accepted for name, ep in by_name.items()}
    return HostileScan(report=report, baseline=baseline, durations=durations, elapsed=elapsed,
                       accepted=accepted, peak_memory=peak)


def hostile_scan(tmp: Path, *, trace_memory: bool = False) -> HostileScan:
    (tmp / "ca.pem").write_bytes(ca().cert_pem)
    configs = hostile_configs()  # certificates made before the clock and the memory count
    clock = trio.testing.MockClock(autojump_threshold=0)
    return trio.run(_run, tmp, configs, trace_memory, clock=clock)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileScan:
    return hostile_scan(tmp_path_factory.mktemp("hostile"))


def observation(report: Report, pair: str) -> EndpointObservation:
    return next(e for e in report.endpoints if e.pair == pair)


def finding(report: Report, pair: str, rule: str) -> Finding:
    return next(f for f in report.findings if f.pair == pair and f.rule == rule)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_hostile_server_ends_in_its_finding(hostile: HostileScan, name: str) -> None:
    expect, obs = EXPECTED[name], observation(hostile.report, name)
    assert hostile.durations[name] <= ENDPOINT_BOUND, hostile.durations[name]
    assert finding(hostile.report, name, "TLS-001").status == "pass"
    assert finding(hostile.report, name, "TLS-002").status == expect.tls_002
    first = obs.first_error(Stage.HANDSHAKE)
    assert (first.kind if first else None) is expect.kind, obs.errors
    assert {e.kind for e in obs.errors} <= expect.kinds, obs.errors
    assert obs.speaks_tls is (expect.kind is None)
    assert obs.accepts_plaintext is expect.accepts_plaintext, obs.plaintext_evidence
    for rule, status in expect.also:
        assert finding(hostile.report, name, rule).status == status, rule


@pytest.mark.parametrize("name", EXPECTED)
def test_no_hostile_server_causes_a_retry_storm(hostile: HostileScan, name: str) -> None:
    obs, bound = observation(hostile.report, name), EXPECTED[name].connections
    assert obs.connections == hostile.accepted[name]  # every connection opened was counted
    if bound is None:
        bound = min(e.connections for e in hostile.report.endpoints if e.pair == "normal")
    assert obs.connections <= bound, obs.connections


def test_the_whole_scan_is_bounded_in_time(hostile: HostileScan) -> None:
    assert hostile.elapsed <= ENDPOINT_BOUND, hostile.elapsed
    assert hostile.report.summary.internal_errors == 0


@pytest.mark.slow  # tracemalloc makes the alert storm's 400,000 parsed records ~5x slower
def test_memory_stays_bounded_during_the_hostile_scan(tmp_path: Path) -> None:
    traced = hostile_scan(tmp_path, trace_memory=True)
    assert 0 < traced.peak_memory < MEMORY_BOUND, traced.peak_memory


def test_the_normal_pair_is_unaffected(hostile: HostileScan) -> None:
    def endpoints(report: Report) -> list[EndpointObservation]:
        return [e for e in report.endpoints if e.pair == "normal"]

    def findings(report: Report) -> list[Finding]:
        return [f for f in report.findings if f.pair == "normal"]

    # Scanned beside twelve hostile servers, it looks exactly as when scanned alone: clean.
    assert endpoints(hostile.report) == endpoints(hostile.baseline)
    assert findings(hostile.report) == findings(hostile.baseline)
    assert {f.status for f in findings(hostile.report)} <= {"pass", "skipped"}


def test_the_report_follows_the_schema_and_round_trips(hostile: HostileScan) -> None:
    text = dumps(hostile.report)
    jsonschema.validate(json.loads(text), report_schema())
    assert loads(text) == hostile.report


def test_hostile_names_reach_the_report_escaped_and_bounded(hostile: HostileScan) -> None:
    cert = observation(hostile.report, "hostile-names").certificate
    assert cert is not None
    # Markup is kept for the HTML to escape; controls are written as escapes already.
    assert "alert('hatls')" in cert.subject and "\\x1b[31m" in cert.subject
    assert any(HOSTILE_MARKUP in name for name in cert.san)
    for text in (cert.subject, *cert.san):
        assert not _hidden(text) and len(text) <= MAX_NAME_CHARS
    assert len(observation(hostile.report, "long-chain").chain) == 200


def test_the_html_escapes_and_bounds_what_servers_sent(hostile: HostileScan) -> None:
    page = render_html(hostile.report)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img src=x" not in page
    assert not _hidden(page.replace("\n", "").replace("\t", ""))
    assert "u" * (MAX_MESSAGE_CHARS + 1) not in page and "d" * (MAX_MESSAGE_CHARS + 1) not in page
    assert len(page) < 8 * 2**20


def test_the_terminal_summary_has_no_control_characters(hostile: HostileScan) -> None:
    lines = summary_lines(hostile.report, limit=500)
    assert any("220 <b>ready</b>" in line for line in lines)  # the banner, quoted
    for line in lines:
        assert not _hidden(line) and len(line) < 300, line


def test_a_reset_right_after_accept_is_never_a_failed_connect() -> None:
    """The RST may reach the kernel before connect() returns (a lab on another thread makes it
    likely): the port still accepted, so the reset must show in the exchange, never as an
    unreachable port -- the same answer whichever side of the race the packet fell."""
    async def attempts(ep: RunningEndpoint) -> list[ErrorKind | None]:
        kinds: list[ErrorKind | None] = []
        for _ in range(40):
            async with await open_connection(ep.address, ep.port, timeout=CONNECT) as stream:
                outcome = await tls_handshake(stream, ClientOffer(), timeout=HANDSHAKE)
            kinds.append(outcome.error_kind)
        return kinds

    with LabThread([EndpointConfig(address="127.0.3.99", fault=Fault.RESET)]) as (ep,):
        assert set(trio.run(attempts, ep)) == {ErrorKind.RESET}


def _hidden(text: str) -> bool:
    """Control, format and other invisible characters (what bounded_text escapes)."""
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"} for ch in text)


def test_a_port_that_answers_nothing_is_a_timeout_never_a_plaintext_claim(
        hostile: HostileScan) -> None:
    obs = observation(hostile.report, "tarpit")
    assert obs.plaintext_case is PlaintextCase.SILENT and obs.accepts_plaintext is None
    silent = obs.first_error(Stage.PLAINTEXT)
    assert silent is not None and silent.kind is ErrorKind.TIMEOUT, obs.errors
    found = finding(hostile.report, "tarpit", "TLS-002")
    assert found.status == "error" and "accepts plaintext" not in found.message
    assert found.evidence["plaintext_case"] == "silent"
    assert "nothing is claimed" in found.evidence["plaintext_evidence"]
    endpoint = next(e for e in json.loads(dumps(hostile.report))["endpoints"]
                    if e["pair"] == "tarpit")
    assert endpoint["accepts_plaintext"] is None and endpoint["plaintext_case"] == "silent"
    lines = [line for line in summary_lines(hostile.report, limit=500) if "tarpit" in line]
    assert lines and not any("accepts plaintext" in line for line in lines), lines
    page = render_html(hostile.report)
    assert "nothing is claimed about plaintext" in page
