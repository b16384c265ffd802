"""The parser invariant and the builder round trip, as properties.

Invariant (docs/design.md, "Parser contract"): any bytes, delivered whole or one at a time (or in
any chunks), either parse or raise TLSParseError -- never anything else, never a hang -- and
the way they are delivered does not change the answer.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hello_cases import FLIGHTS, SSLV2_OFFER, TLS12_OFFER, TLS13_OFFER, read_client_hello

from hatls.tls.hello import (
    FlightStatus,
    HandshakeReader,
    HelloFlag,
    HelloSpec,
    ParseErrorKind,
    RecordReader,
    ServerFlight,
    ServerFlightReader,
    TLSParseError,
    build_client_hello,
    chunk_suites,
    hello_size,
    parse_alert,
    parse_certificate,
    parse_server_hello,
    parse_server_key_exchange,
    parse_sslv2_message,
)
from hatls.tls.suites import SUITES

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SSLV3_OFFER = replace(TLS12_OFFER, version="SSLv3")
OFFERS = st.sampled_from([TLS12_OFFER, TLS13_OFFER, SSLV2_OFFER, SSLV3_OFFER])

Outcome = ServerFlight | ParseErrorKind


def outcome(offer: HelloSpec, chunks: list[bytes], *, eof: bool) -> Outcome:
    reader = ServerFlightReader(offer)
    flight = ServerFlight(status=FlightStatus.INCOMPLETE)
    try:
        for chunk in chunks:
            flight = reader.feed(chunk)
        if eof:
            flight = reader.feed(b"")
    except TLSParseError as error:
        return error.kind
    return flight


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def assert_delivery_does_not_matter(
    offer: HelloSpec, data: bytes, cuts: list[int], eof: bool
) -> None:
    whole = outcome(offer, [data] if data else [], eof=eof)
    one_at_a_time = outcome(offer, [data[at : at + 1] for at in range(len(data))], eof=eof)
    chunked = outcome(offer, split(data, cuts), eof=eof)
    assert whole == one_at_a_time == chunked
    if eof:  # after EOF nothing is left pending: an answer or an error
        assert isinstance(whole, ParseErrorKind) or whole.complete


@PROPERTY
@given(
    offer=OFFERS,
    data=st.binary(max_size=600),
    cuts=st.lists(st.integers(0, 600)),
    eof=st.booleans(),
)
def test_any_bytes_parse_or_raise_tls_parse_error(
    offer: HelloSpec, data: bytes, cuts: list[int], eof: bool
) -> None:
    assert_delivery_does_not_matter(offer, data, cuts, eof)


MUTATION = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "truncate", "duplicate"]),
    st.integers(0, 10_000),
    st.integers(0, 255),
)


def mutate(data: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, value in mutations:
        at = where % (len(buffer) + 1)
        if kind == "insert":
            buffer[at:at] = bytes([value])
        elif kind == "truncate":
            del buffer[at:]
        elif kind == "duplicate":
            buffer[at:at] = buffer[at : at + value % 16]
        elif buffer and kind == "delete":
            del buffer[at % len(buffer)]
        elif buffer:  # flip one bit, or set a byte (lengths and types are bytes, too)
            index = at % len(buffer)
            buffer[index] = buffer[index] ^ (1 << value % 8) if kind == "flip" else value
    return bytes(buffer)


@PROPERTY
@given(
    seed=st.sampled_from(FLIGHTS),
    mutations=st.lists(MUTATION, min_size=1, max_size=4),
    cuts=st.lists(st.integers(0, 2000)),
    eof=st.booleans(),
)
def test_mutated_real_flights_parse_or_raise_tls_parse_error(
    seed: tuple[str, HelloSpec, bytes, FlightStatus],
    mutations: list[tuple[str, int, int]],
    cuts: list[int],
    eof: bool,
) -> None:
    _, offer, data, _ = seed
    assert_delivery_does_not_matter(offer, mutate(data, mutations), cuts, eof)


@settings(max_examples=50, deadline=None)
@given(seed=st.sampled_from(FLIGHTS), cuts=st.lists(st.integers(0, 2000)))
def test_valid_flights_reach_their_end_however_delivered(
    seed: tuple[str, HelloSpec, bytes, FlightStatus], cuts: list[int]
) -> None:
    _, offer, data, status = seed
    result = outcome(offer, split(data, cuts), eof=False)
    assert isinstance(result, ServerFlight) and result.status is status


SUITE_CODES = st.sampled_from([suite.code for suite in SUITES if suite.code <= 0xFFFF])


@PROPERTY
@given(body=st.binary(max_size=300), suite=SUITE_CODES, version=st.sampled_from([0x0301, 0x0303]))
def test_message_parsers_take_any_bytes(body: bytes, suite: int, version: int) -> None:
    parsers = (
        parse_server_hello,
        parse_certificate,
        parse_alert,
        parse_sslv2_message,
        lambda data: parse_server_key_exchange(data, cipher_suite=suite, version=version),
    )
    for parse in parsers:
        with contextlib.suppress(TLSParseError):
            parse(body)


@PROPERTY
@given(data=st.binary(max_size=400), sslv2=st.booleans())
def test_readers_take_any_bytes(data: bytes, sslv2: bool) -> None:
    readers = (RecordReader(accept_sslv2=sslv2, max_total=300), HandshakeReader(max_message=200))
    for reader in readers:
        with contextlib.suppress(TLSParseError):
            reader.feed(data)


# --- the builder: every valid spec round-trips through the test-only ClientHello reader --------

NOT_SCSV = st.integers(0, 0xFFFF).filter(lambda code: code not in (0x00FF, 0x5600))
HOST = st.from_regex(r"[a-z][a-z0-9-]{0,15}(\.[a-z][a-z0-9-]{0,15}){0,3}\.?", fullmatch=True)
SCSV_FLAGS = frozenset({HelloFlag.FALLBACK_SCSV, HelloFlag.RENEGOTIATION_SCSV})


@st.composite
def tls_specs(draw: st.DrawFn) -> HelloSpec:
    groups = tuple(draw(st.lists(st.integers(0, 0xFFFF), unique=True, max_size=8)))
    shared = [group for group in groups if draw(st.booleans())]
    return HelloSpec(
        version=draw(st.sampled_from(["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"])),
        suites=tuple(draw(st.lists(NOT_SCSV, unique=True, min_size=1, max_size=40))),
        random=draw(st.binary(min_size=32, max_size=32)),
        session_id=draw(st.binary(max_size=32)),
        groups=groups,
        key_shares=tuple((group, draw(st.binary(min_size=1, max_size=70))) for group in shared),
        server_name=draw(st.none() | HOST),
        flags=draw(st.frozensets(st.sampled_from(HelloFlag))),
        signature_algorithms=tuple(draw(st.lists(st.integers(0, 0xFFFF), unique=True, max_size=8))),
    )


def what_the_wire_carries(spec: HelloSpec) -> HelloSpec:
    """``spec`` less what its version does not send (see hello_build's module docstring)."""
    name = spec.server_name.rstrip(".") if spec.server_name else None
    carried = replace(spec, server_name=name, max_size=None)
    if spec.version != "TLSv1.3":
        carried = replace(carried, key_shares=())
    if spec.version not in ("TLSv1.2", "TLSv1.3"):
        carried = replace(carried, signature_algorithms=())
    if spec.version == "SSLv3":
        carried = replace(carried, groups=(), server_name=None, flags=spec.flags & SCSV_FLAGS)
    return carried


@PROPERTY
@given(spec=tls_specs())
def test_built_hellos_read_back_as_their_spec(spec: HelloSpec) -> None:
    assert read_client_hello(build_client_hello(spec)).spec == what_the_wire_carries(spec)


@PROPERTY
@given(
    kinds=st.lists(
        st.integers(1, 0xFFFFFF).filter(lambda k: k not in (0xFF, 0x5600)), unique=True, min_size=1
    ),
    challenge=st.binary(min_size=16, max_size=16),
    session_id=st.sampled_from([b"", b"\x5a" * 16]),
    flags=st.frozensets(st.sampled_from(sorted(SCSV_FLAGS))),
)
def test_built_sslv2_hellos_read_back(
    kinds: list[int], challenge: bytes, session_id: bytes, flags: frozenset[HelloFlag]
) -> None:
    spec = HelloSpec(
        version="SSLv2",
        suites=tuple(kinds),
        random=bytes(16) + challenge,
        session_id=session_id,
        flags=flags,
        signature_algorithms=(),
    )
    assert read_client_hello(build_client_hello(spec)).spec == spec


@settings(max_examples=40, deadline=None)
@given(spec=tls_specs(), max_size=st.integers(200, 700))
def test_chunks_always_fit_and_cover_the_suites(spec: HelloSpec, max_size: int) -> None:
    try:
        chunks = chunk_suites(spec, max_size)
    except ValueError:
        assert hello_size(replace(spec, suites=spec.suites[:1])) > max_size
        return
    assert sum(chunks, ()) == spec.suites
    assert all(hello_size(replace(spec, suites=chunk)) <= max_size for chunk in chunks)
