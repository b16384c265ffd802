"""Protocols, cipher suites and groups of one endpoint, found with raw hellos by elimination.

Each hello is one connection through the scanner's Dialer (so the per-address cap holds); the
decisions are enumeration.py's. Versions run side by side, each version's elimination in order. An
alert, a close or a reset in answer to a hello means "nothing offered is acceptable" (REPORT.md: an
observation, not an error); only timeouts and unparsable answers are recorded as errors.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace

import trio

from hatls.enumeration import (
    INAPPROPRIATE_FALLBACK_ALERT,
    Answer,
    Elimination,
    PairedElimination,
    classify,
)
from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.probe.connection import MAX_BYTES_PER_CONNECTION, RECEIVE_CHUNK
from hatls.probe.errors import classify as classify_exception
from hatls.tls.codec import ParseErrorKind, TLSParseError
from hatls.tls.flight import ServerFlight, ServerFlightReader
from hatls.tls.groups import GROUPS, group_by_code
from hatls.tls.hello_build import build_client_hello
from hatls.tls.hello_parse import ServerHello
from hatls.tls.hello_spec import DEFAULT_FLAGS, HelloFlag, HelloSpec
from hatls.tls.protocol import VERSION_CODES
from hatls.tls.suites import Suite, by_code, suites_for_version

Dial = Callable[[], AbstractAsyncContextManager[trio.SocketStream]]
TLS_VERSIONS = ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2")
# Groups a hello offers: every group with a defined key exchange (not the explicit-curve markers).
_OFFERED_GROUPS = tuple(g.code for g in GROUPS if g.code < 0xFF00)


@dataclass(slots=True)
class EnumerationFacts:
    """What the raw hellos showed; merged into the endpoint observation (merge.py)."""

    protocols: dict[str, bool | None] = field(default_factory=dict)
    ciphers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: tuple[str, ...] | None = None
    dh_bits: list[int] = field(default_factory=list)
    hellos: list[ServerHello] = field(default_factory=list)   # TLS <= 1.2 ServerHellos seen
    cbc_hellos: list[ServerHello] = field(default_factory=list)
    fallback_scsv: bool | None = None
    errors: list[ProbeError] = field(default_factory=list)


class _Session:
    def __init__(self, dial: Dial, server_name: str | None, timeout: float) -> None:
        self.dial = dial
        self.server_name = server_name
        self.timeout = timeout
        self.facts = EnumerationFacts()

    def spec(self, version: str, suites: tuple[int, ...], *, groups: tuple[int, ...] | None = None,
             flags: frozenset[HelloFlag] = DEFAULT_FLAGS) -> HelloSpec:
        if groups is None:
            groups = () if version == "SSLv2" else _OFFERED_GROUPS
        return HelloSpec(version=version, suites=suites, random=os.urandom(32), groups=groups,
                         server_name=self.server_name, flags=flags)

    async def hello(self, spec: HelloSpec) -> ServerFlight | None:
        """One connection, one hello, the server's flight; None when nothing can be concluded."""
        try:
            async with self.dial() as stream:
                return await _exchange(stream, spec, self.timeout)
        except TLSParseError as exc:
            if exc.kind is ParseErrorKind.NOT_TLS:
                return None
            kind = ErrorKind.TOO_LARGE if exc.kind is ParseErrorKind.TOO_LARGE else \
                ErrorKind.PROTOCOL_VIOLATION
            self.facts.errors.append(ProbeError(stage=Stage.PROTOCOLS, kind=kind,
                                                message=f"{spec.version} hello: {exc}"[:300]))
            return None
        except (OSError, trio.TooSlowError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            kind, message = classify_exception(exc, timeout=self.timeout)
            if kind in (ErrorKind.RESET, ErrorKind.CLOSED):
                return _closed(spec)
            self.facts.errors.append(ProbeError(stage=Stage.PROTOCOLS, kind=kind,
                                                message=f"{spec.version} hello: {message}"[:300]))
            return None


def _closed(spec: HelloSpec) -> ServerFlight:
    """A reset or close in answer to a hello: the server refused what was offered."""
    return ServerFlightReader(spec).feed(b"")


async def _exchange(stream: trio.SocketStream, spec: HelloSpec, timeout: float) -> ServerFlight:
    await stream.send_all(build_client_hello(spec))
    reader = ServerFlightReader(spec, max_bytes=MAX_BYTES_PER_CONNECTION)
    with trio.fail_after(timeout):
        while True:
            flight = reader.feed(await stream.receive_some(RECEIVE_CHUNK))
            if flight.complete:
                return flight


def _names(codes: list[int]) -> tuple[str, ...]:
    suites = (by_code(c) for c in codes)
    return tuple(s.iana_name for s in suites if s is not None)


def _candidates(version: str) -> tuple[int, ...]:
    # Modern AEAD + forward-secret suites first, so the first chunk finds what most servers take.
    ranked: list[Suite] = sorted(suites_for_version(version),
                                 key=lambda s: (not s.forward_secret, not s.is_aead))
    return tuple(s.code for s in ranked)


async def _eliminate_suites(session: _Session, version: str) -> None:
    machine = Elimination(candidates=_candidates(version))
    code = VERSION_CODES[version]
    flags = DEFAULT_FLAGS | ({HelloFlag.RENEGOTIATION_SCSV} if version == "SSLv3" else set())
    while (offer := machine.next_offer()) is not None:
        flight = await session.hello(session.spec(version, offer, flags=frozenset(flags)))
        answer, picked = classify(flight, code)
        machine.absorb(answer, picked)
        if answer is Answer.PICKED and flight is not None and flight.server_hello is not None:
            _note_tls12_facts(session.facts, flight)
    session.facts.protocols[version] = machine.supported
    session.facts.ciphers[version] = _names(machine.found)


def _note_tls12_facts(facts: EnumerationFacts, flight: ServerFlight) -> None:
    hello = flight.server_hello
    assert hello is not None
    facts.hellos.append(hello)
    suite = by_code(hello.cipher_suite)
    if suite is not None and suite.is_cbc:
        facts.cbc_hellos.append(hello)
    ske = flight.server_key_exchange
    if ske is not None and ske.dh_prime_bits:
        facts.dh_bits.append(ske.dh_prime_bits)


async def _sslv2(session: _Session) -> None:
    kinds = tuple(s.code for s in suites_for_version("SSLv2"))
    flight = await session.hello(session.spec("SSLv2", kinds, flags=frozenset()))
    if flight is not None and flight.sslv2_server_hello is not None:
        found = [k for k in flight.sslv2_server_hello.cipher_kinds if k in kinds]
        session.facts.protocols["SSLv2"] = True
        session.facts.ciphers["SSLv2"] = _names(found)
    else:
        session.facts.protocols["SSLv2"] = None if flight is None else False
        session.facts.ciphers["SSLv2"] = ()


async def _tls13(session: _Session) -> None:
    """TLS 1.3 with an empty key_share: the server answers HelloRetryRequest naming the suite and
    group it picked (RFC 8446 §4.1.4), so no key is made and each hello costs one round trip."""
    code = VERSION_CODES["TLSv1.3"]
    machine = PairedElimination(suites=tuple(s.code for s in suites_for_version("TLSv1.3")),
                                groups=_OFFERED_GROUPS)
    while (offer := machine.next_offer()) is not None:
        flight = await session.hello(session.spec("TLSv1.3", offer[0], groups=offer[1]))
        answer, picked = classify(flight, code)
        hello = flight.server_hello if flight is not None else None
        machine.absorb(answer, picked, hello.selected_group if hello is not None else None)
    session.facts.protocols["TLSv1.3"] = machine.supported
    session.facts.ciphers["TLSv1.3"] = _names(machine.found_suites)
    if machine.found_suites:
        named = (group_by_code(c) for c in machine.found_groups)
        session.facts.groups = tuple(g.iana_name for g in named if g is not None)


async def _eliminate_groups(session: _Session, spec_for: Callable[[tuple[int, ...]], HelloSpec],
                            version_code: int) -> tuple[str, ...] | None:
    machine = Elimination(candidates=_OFFERED_GROUPS, chunk=len(_OFFERED_GROUPS))
    while (offer := machine.next_offer()) is not None:
        flight = await session.hello(spec_for(offer))
        answer, _ = classify(flight, version_code)
        hello = flight.server_hello if flight else None
        group = hello.selected_group if hello else None
        if group is None and flight is not None and flight.server_key_exchange is not None:
            group = flight.server_key_exchange.named_group
        machine.absorb(answer if group is not None or answer is not Answer.PICKED else Answer.UNKNOWN,
                       group)
    if machine.inconclusive and not machine.found:
        return None
    names = (group_by_code(c) for c in machine.found)
    return tuple(g.iana_name for g in names if g is not None)


async def _tls12_groups(session: _Session) -> None:
    """Without TLS 1.3, groups show in TLS 1.2's ServerKeyExchange of an ECDHE suite."""
    ecdhe = tuple(c for c in (_code(n) for n in session.facts.ciphers.get("TLSv1.2", ()))
                  if c is not None and (s := by_code(c)) is not None and s.key_exchange.value == "ecdhe")
    if not ecdhe:
        return
    code = VERSION_CODES["TLSv1.2"]
    session.facts.groups = await _eliminate_groups(
        session, lambda groups: session.spec("TLSv1.2", ecdhe, groups=groups), code)


def _code(name: str) -> int | None:
    from hatls.tls.suites import lookup

    suite = lookup(name)
    return suite.code if suite else None


async def _fallback_scsv(session: _Session) -> None:
    """RFC 7507: a hello below the server's best version, marked as a fallback, must be refused."""
    accepted = [v for v in ("TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3") if session.facts.protocols.get(v)]
    if len(accepted) < 2:
        return
    below = accepted[-2]
    suites = tuple(c for c in (_code(n) for n in session.facts.ciphers.get(below, ())) if c is not None)
    spec = session.spec(below, suites)
    flight = await session.hello(replace(spec, flags=spec.flags | {HelloFlag.FALLBACK_SCSV}))
    if flight is None:
        return
    refused = flight.alert is not None and flight.alert.description == INAPPROPRIATE_FALLBACK_ALERT
    session.facts.fallback_scsv = refused


async def enumerate_tls(dial: Dial, *, server_name: str | None, timeout: float) -> EnumerationFacts:
    session = _Session(dial, server_name, timeout)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_sslv2, session)
        nursery.start_soon(_tls13, session)
        for version in TLS_VERSIONS:
            nursery.start_soon(_eliminate_suites, session, version)
    if session.facts.protocols.get("TLSv1.3") is not True:
        await _tls12_groups(session)
    await _fallback_scsv(session)
    return session.facts

