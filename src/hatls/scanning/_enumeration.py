"""Protocols, cipher suites and groups of one endpoint, found with raw hellos by elimination: the
decisions, sans-IO.

Theory of operation. ``Enumeration`` is a state machine the scanner drives: ``start()`` names the
first requests, ``step(request_id, reply)`` takes the reply to one of them and names the requests
it unlocked, and once ``done``, ``facts()`` is the frozen EnumerationFacts. Every request is one
connection (a raw hello, or one renegotiation attempt); the scanner runs each through the same
politeness limits as every other job (probe/scanner.py), side by side where the machine names
several at once. No socket, no clock here: tests drive it from recorded or simulated answers.

The strategy is written as generators ("tracks") that yield the requests they need and receive
``(request id, reply)`` pairs: versions run side by side, each version's elimination in order
(the machines of elimination.py); then the features that need what the versions showed (TLS <= 1.2
groups, TLS_FALLBACK_SCSV, compression, client-initiated renegotiation), side by side too.
What the hellos teach is gathered in a private ``_Findings`` while the tracks run; the public
facts are built from it once, at the end.

Hello-size intolerance: some servers (and middleboxes in front of them) drop a ClientHello above
a size without a word. A large hello met by a close with no byte is therefore offered once more
in pieces of at most ``SMALL_HELLO`` bytes; if the first piece gets an answer, the server is
intolerant and every later large hello goes out in pieces from the start. If the piece is
dropped too, the server simply closes to refuse, and no hello is retried again.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from hatls.observations import ProbeError
from hatls.scanning._elimination import (
    Answer,
    Elimination,
    PairedElimination,
    classify,
    fallback_answer,
)
from hatls.scanning._jobs import (
    EnumerationFacts,
    EnumerationReply,
    EnumerationRequest,
    HelloReply,
    HelloRequest,
    RenegotiationReply,
    RenegotiationRequest,
)
from hatls.tls.flight import FlightStatus, ServerFlight
from hatls.tls.groups import GROUPS, GroupKind, group_by_code, group_by_name
from hatls.tls.hello_build import chunk_suites, hello_size
from hatls.tls.hello_parse import ServerHello
from hatls.tls.hello_spec import DEFAULT_FLAGS, HelloFlag, HelloSpec
from hatls.tls.protocol import RENEGOTIABLE_VERSIONS, ProtocolVersion
from hatls.tls.suites import Authentication, KeyExchange, Suite, by_code, lookup, suites_for_version

TLS_VERSIONS = (ProtocolVersion.SSL3, ProtocolVersion.TLS1_0, ProtocolVersion.TLS1_1,
                ProtocolVersion.TLS1_2)
_NEWEST_FIRST = tuple(reversed(TLS_VERSIONS))
# The versions a client can renegotiate in (TLS 1.3 has no renegotiation; SSLv3 is not asked).
# Groups a hello offers: every group with a defined key exchange (not the explicit-curve markers).
OFFERED_GROUPS = tuple(g.code for g in GROUPS if g.code < 0xFF00)
# What a TLS <= 1.2 ECDHE suite can use: the elliptic curves (no ffdhe, no ML-KEM).
EC_GROUPS = tuple(g.code for g in GROUPS
                  if g.code in OFFERED_GROUPS and g.kind in (GroupKind.EC, GroupKind.ECX))
FFDHE_GROUPS = tuple(g.code for g in GROUPS if g.kind is GroupKind.FFDH)
# Below 512 bytes on the wire: the size the first intolerant servers still took.
SMALL_HELLO = 508

# A track: yields the requests it needs now (possibly none, while replies are outstanding) and is
# sent the reply to one of its outstanding requests at a time; returns its result.
_T = TypeVar("_T")
Steps = Generator[tuple[EnumerationRequest, ...], tuple[int, EnumerationReply], _T]


def pieces(suites: tuple[int, ...], count: int) -> tuple[tuple[int, ...], ...]:
    """``suites`` cut, in order, into ``count`` runs of nearly equal length."""
    size, extra = divmod(len(suites), count)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        runs.append(suites[start:end])
        start = end
    return tuple(run for run in runs if run)


def dropped_silently(flight: ServerFlight | None) -> bool:
    return flight is not None and flight.status is FlightStatus.CLOSED and flight.bytes_read == 0


@dataclass(slots=True)
class _Findings:
    """What the hellos taught so far; private to one Enumeration, frozen into its facts at the end."""

    protocols: dict[str, bool | None] = field(default_factory=dict)
    ciphers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups_by_version: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    dh_bits: list[int] = field(default_factory=list)
    hellos: list[ServerHello] = field(default_factory=list)
    cbc_hellos: list[ServerHello] = field(default_factory=list)
    fallback_scsv: bool | None = None
    fallback_scsv_evidence: str | None = None
    compression: bool | None = None
    client_renegotiation: bool | None = None
    cipher_order: dict[str, str | None] = field(default_factory=dict)
    errors: list[ProbeError] = field(default_factory=list)

    def frozen(self, groups: tuple[str, ...] | None) -> EnumerationFacts:
        return EnumerationFacts(
            protocols=dict(self.protocols), ciphers=dict(self.ciphers), groups=groups,
            groups_by_version=dict(self.groups_by_version), dh_bits=tuple(self.dh_bits),
            hellos=tuple(self.hellos), cbc_hellos=tuple(self.cbc_hellos),
            fallback_scsv=self.fallback_scsv, fallback_scsv_evidence=self.fallback_scsv_evidence,
            compression=self.compression, client_renegotiation=self.client_renegotiation,
            cipher_order=dict(self.cipher_order), errors=tuple(self.errors))


class _Session:
    """One endpoint's enumeration: the hellos it builds, and what they taught about the server."""

    def __init__(self, server_name: str | None) -> None:
        self.server_name = server_name
        self.facts = _Findings()
        self.max_hello: int | None = None   # set once the server is seen to drop large hellos
        self.certificate_curve: int | None = None   # the group of an ECDSA leaf seen in TLS <= 1.2
        # Per TLS <= 1.2 version code, the groups the suite elimination's answers used (an ECDHE
        # curve, an RFC 7919 prime): accepted there, so the group probes start with them found.
        self.groups_seen: dict[int, list[int]] = {}
        # Per version code, a DHE answer to a hello offering every ffdhe group that carried another
        # prime: RFC 7919 §4 forbids that to a server that implements it (see _ffdhe_groups).
        self.custom_dh_prime: set[int] = set()
        self._retry_large = True
        self._ids = itertools.count(1)

    def spec(self, version: str, suites: tuple[int, ...], *, groups: tuple[int, ...] | None = None,
             flags: frozenset[HelloFlag] = DEFAULT_FLAGS, deflate: bool = False) -> HelloSpec:
        if groups is None:
            groups = () if version == "SSLv2" else OFFERED_GROUPS
        return HelloSpec(version=version, suites=suites, random=os.urandom(32), groups=groups,
                         server_name=self.server_name, flags=flags, offer_deflate=deflate)

    def groups_for(self, version_code: int) -> tuple[int, ...]:
        """Every group, those already seen at this version last: a server that takes the
        client's order then names a new one in each answer, for free, while any is left."""
        seen = self.groups_seen.get(version_code, [])
        return tuple(g for g in OFFERED_GROUPS if g not in seen) + tuple(seen)

    def note_group(self, version_code: int, group: int) -> None:
        seen = self.groups_seen.setdefault(version_code, [])
        if group not in seen:
            seen.append(group)

    def split_for_size(self, spec: HelloSpec, limit: int) -> tuple[tuple[int, ...], ...]:
        """The pieces ``spec.suites`` must go out in so that every hello fits in ``limit``."""
        if hello_size(spec) <= limit:
            return (spec.suites,)
        return pieces(spec.suites, len(chunk_suites(spec, limit)))

    def request(self, spec: HelloSpec) -> HelloRequest:
        return HelloRequest(id=next(self._ids), spec=spec)

    def hello(self, spec: HelloSpec) -> Steps[ServerFlight | None]:
        """One connection, one hello, the server's flight; None when nothing can be concluded."""
        request = self.request(spec)
        _, reply = yield (request,)
        return _flight(reply)

    def hellos(self, specs: tuple[HelloSpec, ...]) -> Steps[tuple[ServerFlight | None, ...]]:
        """Several hellos side by side; their flights in the order of ``specs``."""
        requests = tuple(self.request(spec) for spec in specs)
        replies: dict[int, EnumerationReply] = {}
        asked: tuple[EnumerationRequest, ...] = requests
        while len(replies) < len(requests):
            request_id, reply = yield asked
            asked = ()
            replies[request_id] = reply
        return tuple(_flight(replies[r.id]) for r in requests)

    def renegotiation(self, version: str) -> Steps[bool | None]:
        _, reply = yield (RenegotiationRequest(id=next(self._ids), version=version),)
        if not isinstance(reply, RenegotiationReply):
            raise TypeError(f"a renegotiation request got {reply!r}")
        return reply.accepted

    def offer(self, spec: HelloSpec) -> Steps[tuple[HelloSpec, ServerFlight | None,
                                                    tuple[tuple[int, ...], ...]]]:
        """Send ``spec`` (in pieces if the server needs them). Returns the hello that was
        answered, its flight, and the pieces ``spec.suites`` now stands for (one if whole)."""
        if self.max_hello is not None:
            parts = self.split_for_size(spec, self.max_hello)
            if len(parts) > 1:
                spec = replace(spec, suites=parts[0])
                return spec, (yield from self.hello(spec)), parts
        flight = yield from self.hello(spec)
        if not (dropped_silently(flight) and self._retry_large):
            return spec, flight, (spec.suites,)
        parts = self.split_for_size(spec, SMALL_HELLO)
        if len(parts) == 1:
            return spec, flight, parts
        smaller = replace(spec, suites=parts[0])
        retried = yield from self.hello(smaller)
        self._retry_large = False  # once per endpoint, whatever the answer
        if dropped_silently(retried):
            return spec, flight, (spec.suites,)  # it closes to refuse, whatever the size
        self.max_hello = SMALL_HELLO
        return smaller, retried, parts


def _flight(reply: EnumerationReply) -> ServerFlight | None:
    if not isinstance(reply, HelloReply):
        raise TypeError(f"a hello got {reply!r}")
    return reply.flight


def side_by_side(*tracks: Steps[_T]) -> Steps[tuple[_T, ...]]:
    """Run ``tracks`` at once: their requests go out together, each reply goes to its track, and
    a track goes on as soon as its own reply is in. Their results, in the order given."""
    owner: dict[int, int] = {}
    results: dict[int, _T] = {}
    asked: list[EnumerationRequest] = []

    def advance(index: int, sent: tuple[int, EnumerationReply] | None) -> None:
        track = tracks[index]
        try:
            new = next(track) if sent is None else track.send(sent)
        except StopIteration as stop:
            results[index] = stop.value
            return
        owner.update((request.id, index) for request in new)
        asked.extend(new)

    for index in range(len(tracks)):
        advance(index, None)
    while len(results) < len(tracks):
        request_id, reply = yield tuple(asked)
        asked.clear()
        advance(owner.pop(request_id), (request_id, reply))
    return tuple(results[index] for index in range(len(tracks)))


class Enumeration:
    """One endpoint's enumeration, driven by the scanner one reply at a time (see the module's
    docstring). ``server_name`` goes into every hello's SNI."""

    def __init__(self, *, server_name: str | None) -> None:
        self._session = _Session(server_name)
        self._run = _enumerate(self._session)
        self._outstanding: set[int] = set()
        self._started = False
        self._facts: EnumerationFacts | None = None

    @property
    def done(self) -> bool:
        return self._facts is not None

    def start(self) -> tuple[EnumerationRequest, ...]:
        """The first requests, all to go out side by side."""
        if self._started:
            raise RuntimeError("the enumeration has already started")
        self._started = True
        return self._advance(None)

    def step(self, request_id: int, reply: EnumerationReply) -> tuple[EnumerationRequest, ...]:
        """Take the reply to request ``request_id``; the requests it unlocked (maybe none)."""
        if request_id not in self._outstanding:
            raise ValueError(f"no request {request_id} is waiting for a reply")
        self._outstanding.discard(request_id)
        if isinstance(reply, HelloReply) and reply.error is not None:
            self._session.facts.errors.append(reply.error)
        return self._advance((request_id, reply))

    def facts(self) -> EnumerationFacts:
        if self._facts is None:
            raise RuntimeError("the enumeration is not done: replies are still outstanding")
        return self._facts

    def _advance(self, sent: tuple[int, EnumerationReply] | None) -> tuple[EnumerationRequest, ...]:
        try:
            new = next(self._run) if sent is None else self._run.send(sent)
        except StopIteration as stop:
            self._facts = stop.value
            return ()
        self._outstanding.update(request.id for request in new)
        return new


def _enumerate(session: _Session) -> Steps[EnumerationFacts]:
    yield from side_by_side(_sslv2(session), _tls13(session),
                            *(_eliminate_suites(session, v) for v in TLS_VERSIONS))
    groups_version = _groups_version(session)
    later: list[Steps[None]] = []
    if groups_version is not None:   # its suite order after its groups (see _ec_groups)
        later.append(_tls12_groups(session, groups_version))
    later += [_fallback_scsv(session), _compression(session), _renegotiation(session)]
    later += [_cipher_order(session, v) for v in (*TLS_VERSIONS, "TLSv1.3") if v != groups_version]
    yield from side_by_side(*later)
    return session.facts.frozen(_all_groups(session.facts))


def _names(codes: list[int]) -> tuple[str, ...]:
    suites = (by_code(c) for c in codes)
    return tuple(s.iana_name for s in suites if s is not None)


def _codes(names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(s.code for s in (lookup(n) for n in names) if s is not None)


def _candidates(version: str) -> tuple[int, ...]:
    # Modern AEAD + forward-secret suites first, so the first chunk finds what most servers take.
    ranked: list[Suite] = sorted(suites_for_version(version),
                                 key=lambda s: (not s.forward_secret, not s.is_aead))
    return tuple(s.code for s in ranked)


def _eliminate_suites(session: _Session, version: str) -> Steps[None]:
    machine = Elimination(candidates=_candidates(version))
    yield from _run_elimination(session, version, machine, deflate_first=True)
    found = machine.found
    if version == "SSLv3" and found:
        # ECDHE suites are TLS-only (RFC 4492), but servers that read extensions in an SSLv3
        # hello (tlslite-ng, OpenSSL <= 1.0.2) negotiate them in SSLv3 too: one more elimination.
        ecdhe = tuple(s.code for s in suites_for_version("TLSv1.0")
                      if s.key_exchange is KeyExchange.ECDHE)
        extended = Elimination(candidates=ecdhe)
        yield from _run_elimination(session, version, extended, sslv3_extensions=True)
        found = found + extended.found
    session.facts.protocols[version] = machine.supported
    session.facts.ciphers[version] = _names(found)


def _run_elimination(session: _Session, version: str, machine: Elimination, *,
                     deflate_first: bool = False, sslv3_extensions: bool = False) -> Steps[None]:
    code = ProtocolVersion(version).code
    flags = DEFAULT_FLAGS | ({HelloFlag.RENEGOTIATION_SCSV} if version == "SSLv3" else set())
    first = deflate_first
    while (offer := machine.next_offer()) is not None:
        # The first hello of each version also offers DEFLATE: free evidence about compression.
        spec = replace(session.spec(version, offer, groups=session.groups_for(code),
                                    flags=frozenset(flags), deflate=first),
                       sslv3_extensions=sslv3_extensions)
        answered, flight, parts = yield from session.offer(spec)
        if len(parts) > 1:
            machine.split_current(parts)
        answer, picked = classify(flight, code)
        machine.absorb(answer, picked)
        if answer is Answer.PICKED and flight is not None:
            _note_tls12_facts(session, flight, offered_deflate=answered.offer_deflate)
        first = False


def _note_tls12_facts(session: _Session, flight: ServerFlight, *, offered_deflate: bool) -> None:
    facts, hello = session.facts, flight.server_hello
    assert hello is not None
    if offered_deflate:
        facts.compression = bool(facts.compression) or hello.compression_method != 0
    suite = by_code(hello.cipher_suite)
    # An SSLv3 hello carries no extensions, so its answer says nothing about EMS or ETM.
    if hello.selected_version >= ProtocolVersion.TLS1_0.code:
        facts.hellos.append(hello)
        if suite is not None and suite.is_cbc:
            facts.cbc_hellos.append(hello)
    ske = flight.server_key_exchange
    if ske is not None and ske.dh_prime_bits:
        facts.dh_bits.append(ske.dh_prime_bits)
    if ske is not None and ske.named_group in EC_GROUPS:
        session.note_group(hello.selected_version, ske.named_group)
    if ske is not None and ske.dh_group is not None:
        session.note_group(hello.selected_version, ske.dh_group)   # an RFC 7919 prime, offered
    elif ske is not None and ske.dh_prime_bits:
        session.custom_dh_prime.add(hello.selected_version)   # while every ffdhe group was offered
    if suite is not None and suite.authentication is Authentication.ECDSA and flight.certificate:
        session.certificate_curve = _curve_of(flight.certificate.certificates)


def _curve_of(chain: tuple[bytes, ...]) -> int | None:
    """The named group of an ECDSA leaf's key: a TLS 1.2 hello must keep offering it."""
    try:
        key = x509.load_der_x509_certificate(chain[0]).public_key() if chain else None
    except ValueError:
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return None
    group = group_by_name(key.curve.name)
    return group.code if group is not None else None


def _sslv2(session: _Session) -> Steps[None]:
    kinds = tuple(s.code for s in suites_for_version("SSLv2"))
    flight = yield from session.hello(session.spec("SSLv2", kinds, flags=frozenset()))
    if flight is not None and flight.sslv2_server_hello is not None:
        found = [k for k in flight.sslv2_server_hello.cipher_kinds if k in kinds]
        session.facts.protocols["SSLv2"] = True
        session.facts.ciphers["SSLv2"] = _names(found)
    else:
        session.facts.protocols["SSLv2"] = None if flight is None else False
        session.facts.ciphers["SSLv2"] = ()


def _tls13(session: _Session) -> Steps[None]:
    """TLS 1.3 with an empty key_share: the server answers HelloRetryRequest naming the suite and
    group it picked (RFC 8446 §4.1.4), so no key is made and each hello costs one round trip."""
    code = ProtocolVersion.TLS1_3.code
    machine = PairedElimination(suites=tuple(s.code for s in suites_for_version("TLSv1.3")),
                                groups=OFFERED_GROUPS)
    while (offer := machine.next_offer()) is not None:
        flight = yield from session.hello(session.spec("TLSv1.3", offer[0], groups=offer[1]))
        answer, picked = classify(flight, code)
        hello = flight.server_hello if flight is not None else None
        machine.absorb(answer, picked, hello.selected_group if hello is not None else None)
    session.facts.protocols["TLSv1.3"] = machine.supported
    session.facts.ciphers["TLSv1.3"] = _names(machine.found_suites)
    if machine.found_suites:
        found = _group_names(machine.found_groups)
        inconclusive = machine.inconclusive and not found
        session.facts.groups_by_version["TLSv1.3"] = None if inconclusive else found


def _group_names(codes: list[int]) -> tuple[str, ...]:
    named = (group_by_code(c) for c in codes)
    return tuple(g.iana_name for g in named if g is not None)


def _suites_of(session: _Session, version: str, kind: KeyExchange) -> tuple[Suite, ...]:
    suites = (by_code(c) for c in _codes(session.facts.ciphers.get(version, ())))
    return tuple(s for s in suites if s is not None and s.key_exchange is kind)


def _groups_version(session: _Session) -> str | None:
    """The TLS <= 1.2 version whose groups are probed: the newest accepted one with an ECDHE or
    DHE suite, else the newest accepted one (whose groups are then none)."""
    accepted = [v for v in _NEWEST_FIRST[:3] if session.facts.protocols.get(v)]
    return next((v for v in accepted if _suites_of(session, v, KeyExchange.ECDHE)
                 or _suites_of(session, v, KeyExchange.DHE)), accepted[0] if accepted else None)


def _tls12_groups(session: _Session, version: str) -> Steps[None]:
    """TLS <= 1.2 groups, whether or not TLS 1.3 is spoken too: a server may accept other groups
    there (an Erlang/OTP server takes x448 in TLS 1.3 and only brainpool curves in TLS 1.2).

    They show in the ServerKeyExchange, so the hellos offer only suites the server accepted at
    ``version``: the elliptic curves by elimination with its ECDHE suites, the RFC 7919 groups
    one DHE hello each. The suite order of ``version`` comes last, unless a group hello showed it."""

    def run(kind: KeyExchange) -> Steps[tuple[str, ...] | None]:
        suites = _suites_of(session, version, kind)
        if not suites:
            return ()
        if kind is KeyExchange.ECDHE:
            return (yield from _ec_groups(session, version, suites))
        return (yield from _ffdhe_groups(session, version, suites))

    ec, ff = yield from side_by_side(run(KeyExchange.ECDHE), run(KeyExchange.DHE))
    session.facts.groups_by_version[version] = None if ec is None or ff is None else ec + ff
    if version not in session.facts.cipher_order:
        yield from _cipher_order(session, version)


def _ec_groups(session: _Session, version: str,
               ecdhe: tuple[Suite, ...]) -> Steps[tuple[str, ...] | None]:
    """The curves, by elimination, starting with those the suite elimination already saw.

    ECDHE_RSA suites are offered where the server takes any; with ECDHE_ECDSA alone the
    certificate's curve is pinned (enumeration.Elimination), so the hellos stay acceptable. The
    suites go out in the reverse of their found order: when they are all the suites of
    ``version``, the first answer also tells the suite order (see _cipher_order), a hello saved."""
    rsa = tuple(s.code for s in ecdhe if s.authentication is Authentication.RSA)
    found_suites = _codes(session.facts.ciphers.get(version, ()))
    suites = tuple(c for c in reversed(found_suites) if c in (rsa or {s.code for s in ecdhe}))
    tells_order = len(found_suites) >= 2 and set(suites) == set(found_suites)
    pin = session.certificate_curve if not rsa else None
    code = ProtocolVersion(version).code
    seen = [g for g in session.groups_seen.get(code, []) if g in EC_GROUPS]
    machine = Elimination(candidates=tuple(g for g in EC_GROUPS if g not in seen),
                          chunk=len(EC_GROUPS), pinned=(pin,) if pin is not None else (),
                          found=list(seen))
    repicked_pin = False
    while (offer := machine.next_offer()) is not None:
        flight = yield from session.hello(session.spec(version, suites, groups=offer))
        answer, picked = classify(flight, code)
        if answer is Answer.PICKED and tells_order and version not in session.facts.cipher_order:
            session.facts.cipher_order[version] = _order(found_suites, picked)
        ske = flight.server_key_exchange if flight is not None else None
        group = ske.named_group if ske is not None else None
        repicked_pin = answer is Answer.PICKED and group == pin and pin in machine.found \
            and len(offer) > 1
        machine.absorb(Answer.UNKNOWN if answer is Answer.PICKED and group is None else answer, group)
    # The pinned curve, offered last, picked again ends the elimination: a server that follows the
    # client's order would have picked any other acceptable curve first. One that enforces its
    # own order (its suite order shows it: OpenSSL, GnuTLS and SChannel rank both alike) may rank
    # the certificate's curve above curves it also takes, which then no ECDSA hello can reveal.
    if machine.inconclusive or (repicked_pin and session.facts.cipher_order.get(version) == "server"):
        return None
    return _group_names(machine.found)


def _ffdhe_groups(session: _Session, version: str,
                  dhe: tuple[Suite, ...]) -> Steps[tuple[str, ...] | None]:
    """RFC 7919 in TLS <= 1.2: one DHE hello per ffdhe group, offering that group alone; the group
    is supported when the ServerKeyExchange carries exactly its prime (a server that ignores the
    extension sends its own prime whatever is offered). A group whose prime already answered an
    offer of it needs no hello. One more DHE hello offers no ffdhe group, as a client older than
    RFC 7919 does: its prime is the one such a client gets. Every DH size seen goes to dh_bits,
    whose smallest is dh_min_bits."""
    suites = tuple(s.code for s in dhe)
    code = ProtocolVersion(version).code
    if code in session.custom_dh_prime:
        # Offered every ffdhe group, the server sent a prime of its own: RFC 7919 §4 forbids that
        # to a server that implements it, so this one chooses its prime without the extension
        # (OpenSSL 3.0's ssl_dhparam): no ffdhe group to find, and an older client gets the
        # same prime, already in dh_bits. Six hellos that could only repeat that answer.
        return ()
    seen = [g for g in session.groups_seen.get(code, []) if g in FFDHE_GROUPS]
    offers = (*((group,) for group in FFDHE_GROUPS if group not in seen), EC_GROUPS)
    answers = yield from session.hellos(tuple(session.spec(version, suites, groups=groups)
                                              for groups in offers))
    flights = dict(zip(offers, answers, strict=True))
    found, inconclusive = list(seen), False
    for groups in offers:
        flight = flights[groups]
        answer, _ = classify(flight, code)
        ske = flight.server_key_exchange if flight is not None else None
        if answer is Answer.PICKED and ske is not None and ske.dh_prime_bits:
            session.facts.dh_bits.append(ske.dh_prime_bits)
            if ske.dh_group in groups and groups != EC_GROUPS:
                found.append(ske.dh_group)
        elif answer is not Answer.NONE_SHARED and groups != EC_GROUPS:
            inconclusive = True   # no answer, or one without DH parameters: that group is unknown
    return None if inconclusive else _group_names(sorted(found))


def _all_groups(facts: _Findings) -> tuple[str, ...] | None:
    """The union of groups_by_version, TLS 1.3's first; None unless every version that may have
    groups was probed to the end."""
    older = [facts.protocols.get(v) for v in _NEWEST_FIRST[:3]]
    if facts.protocols.get("TLSv1.3") is None or (None in older and True not in older):
        return None
    if any(found is None for found in facts.groups_by_version.values()):
        return None
    union: dict[str, None] = {}
    for version in ("TLSv1.3", *_NEWEST_FIRST[:3]):
        union.update(dict.fromkeys(facts.groups_by_version.get(version) or ()))
    return tuple(union)


def _fallback_scsv(session: _Session) -> Steps[None]:
    """RFC 7507: a hello below the server's best version, marked as a fallback, must be refused.

    Two hellos alike but for the SCSV, side by side: the unmarked one shows the server takes this
    hello, so a refusal of the marked one (an alert or a close) is the SCSV's doing."""
    accepted = [v for v in (*TLS_VERSIONS, ProtocolVersion.TLS1_3)
                if session.facts.protocols.get(v)]
    if len(accepted) < 2:
        return
    below = accepted[-2]  # SSLv3 below TLS 1.0 too: the POODLE downgrade RFC 7507 was made for
    flags = DEFAULT_FLAGS | ({HelloFlag.RENEGOTIATION_SCSV} if below == "SSLv3" else set())
    suites = _codes(session.facts.ciphers.get(below, ()))
    plain, marked = yield from session.hellos(tuple(
        session.spec(below, suites, flags=frozenset(flags | extra))
        for extra in (set(), {HelloFlag.FALLBACK_SCSV})))
    answer = fallback_answer(plain, marked, below, ProtocolVersion(below).code)
    session.facts.fallback_scsv = answer.honoured
    session.facts.fallback_scsv_evidence = answer.evidence


def _compression(session: _Session) -> Steps[None]:
    """One more hello offering DEFLATE, only if no first hello of a version was answered."""
    version = next((v for v in _NEWEST_FIRST if session.facts.protocols.get(v)), None)
    if session.facts.compression is not None or version is None:
        return
    spec = session.spec(version, _codes(session.facts.ciphers[version]), deflate=True)
    flight = yield from session.hello(spec)
    if flight is not None and flight.server_hello is not None:
        session.facts.compression = flight.server_hello.compression_method != 0


def _renegotiation(session: _Session) -> Steps[None]:
    version = next((v for v in _NEWEST_FIRST[:3] if session.facts.protocols.get(v)), None)
    if version is None or version not in RENEGOTIABLE_VERSIONS:
        return
    session.facts.client_renegotiation = yield from session.renegotiation(version)


def _cipher_order(session: _Session, version: str) -> Steps[None]:
    """One hello offering the accepted suites in reverse: a server that still picks its first
    find enforces its own order (so elimination found its preference order); one that picks the
    other end follows the client's."""
    found = _codes(session.facts.ciphers.get(version, ()))
    if len(found) < 2:
        return
    groups = _codes_of_groups(session.facts.groups_by_version.get("TLSv1.3")) \
        if version == "TLSv1.3" else None
    flight = yield from session.hello(session.spec(version, tuple(reversed(found)), groups=groups))
    answer, picked = classify(flight, ProtocolVersion(version).code)
    session.facts.cipher_order[version] = _order(found, picked) if answer is Answer.PICKED else None


def _order(found: tuple[int, ...], picked: int | None) -> str | None:
    """The suite order an answer to ``found`` offered in reverse shows."""
    return "server" if picked == found[0] else "client" if picked == found[-1] else None


def _codes_of_groups(names: tuple[str, ...] | None) -> tuple[int, ...] | None:
    groups = tuple(g.code for g in (group_by_name(n) for n in names or ()) if g is not None)
    return groups or None
