"""The elimination machines (scanning/_elimination.py) on recorded flights and simulated servers: no socket.

The flights are bytes an OpenSSL 4 server (the lab, groups X25519:P-256, two ECDSA suites) sent
in answer to raw hellos; the machines are then driven by small pure-Python servers whose
accepted sets and preference orders are known, so "found exactly what it accepts" is checkable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.scanning import (
    MAX_SUITES_PER_HELLO,
    Answer,
    Elimination,
    Enumeration,
    EnumerationReply,
    EnumerationRequest,
    HelloReply,
    HelloRequest,
    PairedElimination,
    RenegotiationReply,
    classify,
    fallback_answer,
)
from hatls.scanning._enumeration import OFFERED_GROUPS, dropped_silently, pieces
from hatls.tls.codec import TLSParseError
from hatls.tls.flight import FlightStatus, ServerFlight, ServerFlightReader
from hatls.tls.hello_build import build_client_hello, client_extensions, compression_methods
from hatls.tls.hello_parse import Alert, ServerHello
from hatls.tls.hello_spec import HelloSpec
from hatls.tls.protocol import ProtocolVersion
from hatls.tls.suites import suites_for_version
from tests.test_hello_cases import handshake, record, server_hello_body

TLS10, TLS12, TLS13 = (v.code for v in (ProtocolVersion.TLS1_0, ProtocolVersion.TLS1_2,
                                         ProtocolVersion.TLS1_3))
ZEROS = bytes(32)

# Recorded from the lab: the first record of each answer (a ServerHello whose flight the test
# then ends with EOF, as a server that hangs up after it would).
TLS12_SERVER_HELLO = bytes.fromhex(
    "160303005b0200005703036c3f0c4672fcd560211c3bbd0d465ea9dbe3cd51666c3c64444f574e47524401207c"
    "e29d6a1f0e8d3730fe3d041f1d4fa3fc475bee3467df9396d34a5ed0708a45c02b00000fff01000100000b0002"
    "010000170000")
HANDSHAKE_FAILURE = bytes.fromhex("15030300020228")
PROTOCOL_VERSION = bytes.fromhex("15030100020246")
HELLO_RETRY = bytes.fromhex(
    "1603030038020000340303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c0013"
    "0200000c002b00020304003300020017")


def offer(version: str, suites: tuple[int, ...], groups: tuple[int, ...] = (29, 23),
          deflate: bool = False) -> HelloSpec:
    return HelloSpec(version=version, suites=suites, random=ZEROS, groups=groups,
                     offer_deflate=deflate)


def flight(spec: HelloSpec, data: bytes, *, eof: bool = True) -> ServerFlight:
    reader = ServerFlightReader(spec)
    answer = reader.feed(data)
    return reader.feed(b"") if eof and not answer.complete else answer


# --- classify ------------------------------------------------------------------------------


def test_a_server_hello_names_the_picked_suite_and_its_compression_choice() -> None:
    spec = offer("TLSv1.2", (0xC02B, 0xC009), deflate=True)
    answer = flight(spec, TLS12_SERVER_HELLO)
    assert classify(answer, TLS12) == (Answer.PICKED, 0xC02B)
    assert answer.server_hello is not None and answer.server_hello.compression_method == 0
    # the same hello answered to a TLS 1.0 question is not TLS 1.0
    assert classify(answer, TLS10) == (Answer.NO_VERSION, None)


def test_deflate_is_offered_only_when_asked_and_only_below_tls13() -> None:
    compressing = flight(offer("TLSv1.2", (0xC02B,), deflate=True),
                         TLS12_SERVER_HELLO.replace(bytes.fromhex("c02b00000f"),
                                                    bytes.fromhex("c02b01000f")))
    assert compressing.server_hello is not None and compressing.server_hello.compression_method == 1
    with pytest.raises(TLSParseError, match="compression method 1 was not offered"):
        flight(offer("TLSv1.2", (0xC02B,)), TLS12_SERVER_HELLO.replace(
            bytes.fromhex("c02b00000f"), bytes.fromhex("c02b01000f")))
    assert compression_methods(offer("TLSv1.2", (0xC02B,), deflate=True)) == b"\x01\x00"
    assert compression_methods(offer("TLSv1.2", (0xC02B,))) == b"\x00"
    assert compression_methods(offer("TLSv1.3", (0x1301,), deflate=True)) == b"\x00"
    assert b"\xc0\x09\x02\x01\x00" in build_client_hello(offer("TLSv1.0", (0xC009,), deflate=True))


def test_ecdhe_in_sslv3_answers_only_a_hello_that_carried_extensions() -> None:
    plain = offer("SSLv3", (0xC013,))
    extended = replace(plain, sslv3_extensions=True)
    assert client_extensions(plain) == ()
    assert 10 in dict(client_extensions(extended))  # supported_groups, so ECDHE can be chosen
    hello = ServerHello(legacy_version=0x0300, random=bytes(32), session_id=b"",
                        cipher_suite=0xC013, compression_method=0, extensions=(),
                        selected_version=0x0300, is_hello_retry_request=False,
                        selected_group=None, renegotiation_info=None,
                        extended_master_secret=False, encrypt_then_mac=False)
    data = record(22, handshake(2, server_hello_body(hello)), version=0x0300)
    assert classify(flight(extended, data), ProtocolVersion.SSL3.code) == (Answer.PICKED, 0xC013)
    with pytest.raises(TLSParseError, match="cannot be negotiated in SSLv3"):
        flight(plain, data)


def test_a_handshake_failure_alert_means_nothing_offered_is_shared() -> None:
    spec = offer("TLSv1.2", (0x009C,))
    assert classify(flight(spec, HANDSHAKE_FAILURE), TLS12) == (Answer.NONE_SHARED, None)


def test_a_protocol_version_alert_means_the_version_is_off() -> None:
    spec = offer("TLSv1.0", (0xC009,))
    assert classify(flight(spec, PROTOCOL_VERSION), TLS10) == (Answer.NO_VERSION, None)


def test_a_hello_retry_request_names_suite_and_group() -> None:
    spec = offer("TLSv1.3", (0x1302, 0x1301), groups=(24, 23, 29))
    answer = flight(spec, HELLO_RETRY)
    assert answer.status is FlightStatus.HELLO_RETRY
    assert classify(answer, TLS13) == (Answer.PICKED, 0x1302)
    assert answer.server_hello is not None and answer.server_hello.selected_group == 23


def test_silence_and_half_answers_conclude_nothing() -> None:
    spec = offer("TLSv1.2", (0xC02B,))
    assert classify(None, TLS12) == (Answer.UNKNOWN, None)
    half = flight(spec, HANDSHAKE_FAILURE[:4], eof=False)
    assert classify(half, TLS12) == (Answer.UNKNOWN, None)


def test_a_close_without_a_byte_is_a_refusal_and_a_dropped_hello() -> None:
    spec = offer("TLSv1.2", (0xC02B,))
    closed = ServerFlightReader(spec).feed(b"")
    assert classify(closed, TLS12) == (Answer.NONE_SHARED, None)
    assert dropped_silently(closed)
    assert not dropped_silently(flight(spec, HANDSHAKE_FAILURE))
    assert not dropped_silently(None)


# --- simulated servers -----------------------------------------------------------------------


def tls12_server(accepted: Sequence[int], *, server_order: bool) -> Callable[
        [tuple[int, ...]], tuple[Answer, int | None]]:
    """Picks from the offer: its own favourite first, or the client's first acceptable."""
    def answer(offered: tuple[int, ...]) -> tuple[Answer, int | None]:
        order = accepted if server_order else offered
        shared = [code for code in order if code in offered and code in accepted]
        return (Answer.PICKED, shared[0]) if shared else (Answer.NONE_SHARED, None)
    return answer


def run(machine: Elimination, server: Callable[[tuple[int, ...]], tuple[Answer, int | None]],
        ) -> list[tuple[int, ...]]:
    offers = []
    while (next_offer := machine.next_offer()) is not None:
        offers.append(next_offer)
        machine.absorb(*server(next_offer))
        assert len(offers) < 1000
    return offers


def test_elimination_finds_the_accepted_suites_in_the_servers_order() -> None:
    machine = Elimination(candidates=tuple(range(1, 41)))
    offers = run(machine, tls12_server([30, 7, 12], server_order=True))
    assert machine.found == [30, 7, 12]
    assert machine.supported is True and not machine.inconclusive
    assert len(offers) == 4 and offers[-1] == tuple(c for c in range(1, 41) if c not in (30, 7, 12))


def test_elimination_without_server_order_follows_the_offer() -> None:
    machine = Elimination(candidates=tuple(range(1, 41)))
    run(machine, tls12_server([30, 7, 12], server_order=False))
    assert machine.found == [7, 12, 30]


def test_long_candidate_lists_go_out_in_chunks() -> None:
    candidates = tuple(range(1, 301))
    machine = Elimination(candidates=candidates)
    offers = run(machine, tls12_server([5, 290], server_order=False))
    assert [len(o) for o in offers] == [MAX_SUITES_PER_HELLO, MAX_SUITES_PER_HELLO - 1, 128, 44, 43]
    assert machine.found == [5, 290]
    assert machine.hellos == len(offers) == 2 + 3  # one per accepted, one refusal per chunk


def test_no_version_on_the_first_hello_ends_at_once() -> None:
    machine = Elimination(candidates=tuple(range(1, 300)))
    assert run(machine, lambda _offered: (Answer.NO_VERSION, None)) == [tuple(range(1, 129))]
    assert machine.unsupported and machine.supported is False


def test_no_version_after_a_find_only_ends_the_chunk() -> None:
    machine = Elimination(candidates=(1, 2, 3))
    machine.next_offer()
    machine.absorb(Answer.PICKED, 2)
    machine.next_offer()
    machine.absorb(Answer.NO_VERSION)
    assert machine.next_offer() is None
    assert machine.found == [2] and not machine.unsupported and machine.supported is True


def test_an_unanswered_chunk_is_inconclusive_not_refused() -> None:
    machine = Elimination(candidates=tuple(range(1, 200)))
    answers = iter([(Answer.UNKNOWN, None), (Answer.NONE_SHARED, None)])
    run(machine, lambda _offered: next(answers))
    assert machine.inconclusive and machine.supported is None


def test_a_pick_from_outside_the_offer_is_inconclusive() -> None:
    machine = Elimination(candidates=(1, 2))
    run(machine, lambda _offered: (Answer.PICKED, 9))
    assert machine.inconclusive and machine.found == []


def test_a_pinned_item_is_offered_last_once_found_and_its_return_ends_the_chunk() -> None:
    # A TLS 1.2 server with a P-256 (23) certificate refuses hellos without 23, so 23 stays on
    # offer; picking it again means no other offered group is acceptable.
    accepted = [23, 29, 24]

    def server(offered: tuple[int, ...]) -> tuple[Answer, int | None]:
        if 23 not in offered:
            return Answer.NONE_SHARED, None
        return Answer.PICKED, next(g for g in offered if g in accepted)

    machine = Elimination(candidates=(23, 29, 24, 25, 30), chunk=5, pinned=(23,))
    offers = run(machine, server)
    assert machine.found == [23, 29, 24]
    assert offers[1:] == [(29, 24, 25, 30, 23), (24, 25, 30, 23), (25, 30, 23)]
    assert not machine.inconclusive


def test_split_current_offers_the_chunk_in_pieces() -> None:
    machine = Elimination(candidates=(1, 2, 3, 4, 5))
    assert machine.next_offer() == (1, 2, 3, 4, 5)
    with pytest.raises(ValueError, match="does not split"):
        machine.split_current(((1, 2), (4, 5)))
    machine.split_current(((1, 2, 3), (4, 5)))
    assert machine.next_offer() == (1, 2, 3)
    machine.absorb(Answer.NONE_SHARED)
    assert machine.next_offer() == (4, 5)


def test_pieces_are_nearly_equal_runs_in_order() -> None:
    assert pieces(tuple(range(10)), 3) == ((0, 1, 2, 3), (4, 5, 6), (7, 8, 9))
    assert pieces((1,), 2) == ((1,),)


# --- TLS 1.3: suites and groups together ----------------------------------------------------


def tls13_server(suites: Sequence[int], groups: Sequence[int], *, server_order: bool,
                 ) -> Callable[[tuple[int, ...], tuple[int, ...]],
                               tuple[Answer, int | None, int | None]]:
    def answer(offered_suites: tuple[int, ...], offered_groups: tuple[int, ...],
               ) -> tuple[Answer, int | None, int | None]:
        suite_order = suites if server_order else offered_suites
        group_order = groups if server_order else offered_groups
        suite = next((s for s in suite_order if s in offered_suites and s in suites), None)
        group = next((g for g in group_order if g in offered_groups and g in groups), None)
        if suite is None or group is None:
            return Answer.NONE_SHARED, None, None
        return Answer.PICKED, suite, group
    return answer


def run_paired(machine: PairedElimination, server: Callable[
        [tuple[int, ...], tuple[int, ...]], tuple[Answer, int | None, int | None]]) -> int:
    hellos = 0
    while (next_offer := machine.next_offer()) is not None:
        machine.absorb(*server(*next_offer))
        hellos += 1
        assert hellos < 200
    return hellos


SUITES13 = (0x1301, 0x1302, 0x1303, 0x1304, 0x1305)
GROUPS = tuple(range(1, 41))


def test_ten_groups_and_three_suites_cost_twelve_hellos() -> None:
    # OpenSSL 4's default groups, offered among every group hatls knows
    groups = (4587, 4588, 23, 29, 24, 25, 30, 41, 256, 257)
    machine = PairedElimination(suites=SUITES13, groups=OFFERED_GROUPS)
    hellos = run_paired(machine, tls13_server((0x1301, 0x1302, 0x1303), groups,
                                              server_order=False))
    assert set(machine.found_suites) == {0x1301, 0x1302, 0x1303}
    assert set(machine.found_groups) == set(groups)
    assert hellos == machine.hellos == len(groups) + 2  # the least two refusals allow
    assert machine.supported is True and not machine.inconclusive


def test_more_suites_than_groups_finish_in_the_suites_phase() -> None:
    machine = PairedElimination(suites=SUITES13, groups=GROUPS)
    hellos = run_paired(machine, tls13_server(SUITES13[:4], (24,), server_order=False))
    assert machine.found_suites == list(SUITES13[:4]) and machine.found_groups == [24]
    assert hellos == 4 + 2


def test_a_list_accepted_whole_needs_no_refusal() -> None:
    machine = PairedElimination(suites=SUITES13, groups=GROUPS)
    hellos = run_paired(machine, tls13_server(SUITES13, (24,), server_order=False))
    assert machine.found_suites == list(SUITES13)
    assert hellos == len(SUITES13) + 1  # the groups' refusal; no suite is left to refuse


def test_a_server_that_keeps_its_favourite_suite_is_still_enumerated_fully() -> None:
    machine = PairedElimination(suites=SUITES13, groups=GROUPS)
    run_paired(machine, tls13_server((0x1302, 0x1301), (29, 23, 24), server_order=True))
    assert machine.found_suites == [0x1302, 0x1301]
    assert machine.found_groups == [29, 23, 24]


def test_tls13_refused_outright_is_false_and_no_version_is_unsupported() -> None:
    refused = PairedElimination(suites=SUITES13, groups=GROUPS)
    assert run_paired(refused, lambda _s, _g: (Answer.NONE_SHARED, None, None)) == 1
    assert refused.supported is False and not refused.unsupported
    off = PairedElimination(suites=SUITES13, groups=GROUPS)
    run_paired(off, lambda _s, _g: (Answer.NO_VERSION, None, None))
    assert off.unsupported and off.supported is False


def test_an_unanswered_tls13_hello_leaves_the_lists_inconclusive() -> None:
    answers = iter([(Answer.PICKED, 0x1301, 23), (Answer.UNKNOWN, None, None),
                    (Answer.UNKNOWN, None, None)])
    machine = PairedElimination(suites=SUITES13, groups=GROUPS)
    run_paired(machine, lambda _s, _g: next(answers))
    assert machine.inconclusive and machine.supported is True
    assert machine.found_suites == [0x1301] and machine.found_groups == [23]


@settings(max_examples=200, deadline=None)
@given(suites=st.lists(st.sampled_from(SUITES13), min_size=1, unique=True),
       groups=st.lists(st.sampled_from(GROUPS), min_size=1, max_size=12, unique=True),
       server_order=st.booleans())
def test_paired_elimination_finds_exactly_what_the_server_accepts(
        suites: list[int], groups: list[int], server_order: bool) -> None:
    machine = PairedElimination(suites=SUITES13, groups=GROUPS)
    hellos = run_paired(machine, tls13_server(suites, groups, server_order=server_order))
    assert set(machine.found_suites) == set(suites)
    assert set(machine.found_groups) == set(groups)
    assert max(len(suites), len(groups)) <= hellos <= len(suites) + len(groups) + 2
    if server_order:
        assert machine.found_groups == groups  # each hello shows the favourite of what is left


@settings(max_examples=200, deadline=None)
@given(accepted=st.lists(st.integers(1, 300), max_size=20, unique=True),
       server_order=st.booleans())
def test_elimination_finds_exactly_what_the_server_accepts(accepted: list[int],
                                                         server_order: bool) -> None:
    machine = Elimination(candidates=tuple(range(1, 301)))
    offers = run(machine, tls12_server(accepted, server_order=server_order))
    assert sorted(machine.found) == sorted(accepted)
    assert len(offers) == len(accepted) + 3  # 300 candidates: three chunks, three refusals
    if server_order:  # the server's order within each chunk
        chunk_of = {code: (code - 1) // MAX_SUITES_PER_HELLO for code in accepted}
        assert machine.found == sorted(accepted, key=lambda code: chunk_of[code])


# --- TLS_FALLBACK_SCSV: two hellos alike but for the SCSV ----------------------------------------

_TLS12 = 0x0303


def _server_hello(version: int = _TLS12) -> ServerFlight:
    hello = ServerHello(legacy_version=version, random=b"\0" * 32, session_id=b"",
                        cipher_suite=0xC02F, compression_method=0, extensions=(),
                        selected_version=version, is_hello_retry_request=False,
                        selected_group=None, renegotiation_info=b"", extended_master_secret=True,
                        encrypt_then_mac=False)
    return ServerFlight(status=FlightStatus.HELLO_DONE, server_hello=hello)


def _alert(description: int) -> ServerFlight:
    return ServerFlight(status=FlightStatus.ALERT, alert=Alert(level=2, description=description))


_CLOSED = ServerFlight(status=FlightStatus.CLOSED)


@pytest.mark.parametrize(("plain", "marked", "honoured", "said"), [
    (_server_hello(), _alert(86), True, "alert inappropriate_fallback (86)"),
    (_server_hello(), _alert(40), True, "alert handshake_failure (40)"),
    (_server_hello(), _CLOSED, True, "closed without an alert"),
    (_server_hello(), _server_hello(), False, "ServerHello for TLSv1.2"),
    # The unmarked hello refused too: refusing the marked one proves nothing.
    (_CLOSED, _CLOSED, None, "without the SCSV was not accepted"),
    (_alert(40), _alert(86), None, "without the SCSV was not accepted"),
    (_server_hello(), None, None, "no answer could be read"),
    (_server_hello(), _server_hello(0x0302), None, "no conclusive answer"),
])
def test_fallback_scsv_is_honoured_by_any_refusal_and_ignored_only_by_a_server_hello(
        plain: ServerFlight, marked: ServerFlight | None, honoured: bool | None,
        said: str) -> None:
    answer = fallback_answer(plain, marked, "TLSv1.2", _TLS12)
    assert answer.honoured is honoured
    assert said in answer.evidence, answer.evidence


# --- one endpoint's enumeration as a state machine (scanning/_enumeration.py) -------------------


def refuse_everything(request: EnumerationRequest) -> EnumerationReply:
    """A server that answers every hello with a handshake_failure alert (and cannot renegotiate)."""
    if isinstance(request, HelloRequest):
        return HelloReply(flight=flight(request.spec, HANDSHAKE_FAILURE))
    return RenegotiationReply(accepted=None)


def drive(enumeration: Enumeration, server: Callable[[EnumerationRequest], EnumerationReply], *,
          newest_first: bool = False) -> list[EnumerationRequest]:
    """Answer every request the machine names, one at a time; every request it ever named."""
    pending = list(enumeration.start())
    named = list(pending)
    while pending:
        request = pending.pop(-1 if newest_first else 0)
        unlocked = enumeration.step(request.id, server(request))
        pending += unlocked
        named += unlocked
    return named


@pytest.mark.parametrize("newest_first", [False, True])
def test_a_server_that_refuses_everything_costs_one_hello_per_chunk(newest_first: bool) -> None:
    enumeration = Enumeration(server_name="tsrv.example.test")
    named = drive(enumeration, refuse_everything, newest_first=newest_first)
    assert enumeration.done
    facts = enumeration.facts()
    assert dict(facts.protocols) == dict.fromkeys(
        ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"), False)
    assert not any(facts.ciphers.values()) and not facts.errors
    # SSLv2 and TLS 1.3 one hello each; each older version one per chunk of its candidates; and
    # nothing after (no version accepted: no groups, fallback, compression, renegotiation, order).
    chunks = sum(-(-len(suites_for_version(v)) // MAX_SUITES_PER_HELLO)
                 for v in ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"))
    assert len(named) == 2 + chunks
    assert len({r.id for r in named}) == len(named)
    assert all(isinstance(r, HelloRequest) and r.spec.server_name == "tsrv.example.test"
               for r in named)


def test_every_version_starts_side_by_side_and_a_reply_is_taken_once() -> None:
    enumeration = Enumeration(server_name=None)
    first = enumeration.start()
    assert [r.spec.version for r in first if isinstance(r, HelloRequest)] == [
        "SSLv2", "TLSv1.3", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"]
    enumeration.step(first[0].id, refuse_everything(first[0]))
    with pytest.raises(ValueError, match="no request"):
        enumeration.step(first[0].id, refuse_everything(first[0]))
    with pytest.raises(RuntimeError, match="not done"):
        enumeration.facts()


def test_errors_are_kept_in_the_order_the_replies_came() -> None:
    enumeration = Enumeration(server_name=None)
    first = enumeration.start()
    pending: list[EnumerationRequest] = []
    for index, request in enumerate(reversed(first)):
        error = ProbeError(stage=Stage.PROTOCOLS, kind=ErrorKind.TIMEOUT, message=f"e{index}")
        pending += enumeration.step(request.id, HelloReply(flight=None, error=error))
    with pytest.raises(RuntimeError, match="started"):
        enumeration.start()
    while pending:
        request = pending.pop(0)
        pending += enumeration.step(request.id, refuse_everything(request))
    facts = enumeration.facts()
    assert [e.message for e in facts.errors] == [f"e{i}" for i in range(len(first))]
    # An unanswered hello concludes nothing: SSLv2 and TLS 1.3 stay unknown.
    assert facts.protocols["SSLv2"] is None and facts.protocols["TLSv1.3"] is None
