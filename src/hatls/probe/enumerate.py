"""Protocols, cipher suites and groups of one endpoint, found with raw hellos by elimination.

Each hello is one connection through the scanner's Dialer (so the per-address cap holds); the
decisions are enumeration.py's, the hellos hellos.py's. Versions run side by side, each version's
elimination in order; then the features that need what the versions showed (TLS <= 1.2 groups,
TLS_FALLBACK_SCSV, compression, client-initiated renegotiation), side by side too.
"""

from __future__ import annotations

from dataclasses import replace

import trio
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from hatls.enumeration import (
    Answer,
    Elimination,
    PairedElimination,
    classify,
    fallback_answer,
)
from hatls.probe.handshake import ClientIdentityMaterial
from hatls.probe.hellos import (
    EC_GROUPS,
    FFDHE_GROUPS,
    OFFERED_GROUPS,
    Dial,
    EnumerationFacts,
    Session,
)
from hatls.probe.renegotiation import RENEGOTIABLE_VERSIONS, client_renegotiation
from hatls.tls.flight import ServerFlight
from hatls.tls.groups import group_by_code, group_by_name
from hatls.tls.hello_spec import DEFAULT_FLAGS, HelloFlag
from hatls.tls.protocol import ProtocolVersion
from hatls.tls.suites import Authentication, KeyExchange, Suite, by_code, lookup, suites_for_version

__all__ = ["EnumerationFacts", "enumerate_tls"]

TLS_VERSIONS = (ProtocolVersion.SSL3, ProtocolVersion.TLS1_0, ProtocolVersion.TLS1_1,
                ProtocolVersion.TLS1_2)
_NEWEST_FIRST = tuple(reversed(TLS_VERSIONS))


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


async def _eliminate_suites(session: Session, version: str) -> None:
    machine = Elimination(candidates=_candidates(version))
    await _run_elimination(session, version, machine, deflate_first=True)
    found = machine.found
    if version == "SSLv3" and found:
        # ECDHE suites are TLS-only (RFC 4492), but servers that read extensions in an SSLv3
        # hello (tlslite-ng, OpenSSL <= 1.0.2) negotiate them in SSLv3 too: one more elimination.
        ecdhe = tuple(s.code for s in suites_for_version("TLSv1.0")
                      if s.key_exchange is KeyExchange.ECDHE)
        extended = Elimination(candidates=ecdhe)
        await _run_elimination(session, version, extended, sslv3_extensions=True)
        found = found + extended.found
    session.facts.protocols[version] = machine.supported
    session.facts.ciphers[version] = _names(found)


async def _run_elimination(session: Session, version: str, machine: Elimination, *,
                           deflate_first: bool = False, sslv3_extensions: bool = False) -> None:
    code = ProtocolVersion(version).code
    flags = DEFAULT_FLAGS | ({HelloFlag.RENEGOTIATION_SCSV} if version == "SSLv3" else set())
    first = deflate_first
    while (offer := machine.next_offer()) is not None:
        # The first hello of each version also offers DEFLATE: free evidence about compression.
        spec = replace(session.spec(version, offer, groups=session.groups_for(code),
                                    flags=frozenset(flags), deflate=first),
                       sslv3_extensions=sslv3_extensions)
        answered, flight, parts = await session.offer(spec)
        if len(parts) > 1:
            machine.split_current(parts)
        answer, picked = classify(flight, code)
        machine.absorb(answer, picked)
        if answer is Answer.PICKED and flight is not None:
            _note_tls12_facts(session, flight, offered_deflate=answered.offer_deflate)
        first = False


def _note_tls12_facts(session: Session, flight: ServerFlight, *, offered_deflate: bool) -> None:
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


async def _sslv2(session: Session) -> None:
    kinds = tuple(s.code for s in suites_for_version("SSLv2"))
    flight = await session.hello(session.spec("SSLv2", kinds, flags=frozenset()))
    if flight is not None and flight.sslv2_server_hello is not None:
        found = [k for k in flight.sslv2_server_hello.cipher_kinds if k in kinds]
        session.facts.protocols["SSLv2"] = True
        session.facts.ciphers["SSLv2"] = _names(found)
    else:
        session.facts.protocols["SSLv2"] = None if flight is None else False
        session.facts.ciphers["SSLv2"] = ()


async def _tls13(session: Session) -> None:
    """TLS 1.3 with an empty key_share: the server answers HelloRetryRequest naming the suite and
    group it picked (RFC 8446 §4.1.4), so no key is made and each hello costs one round trip."""
    code = ProtocolVersion.TLS1_3.code
    machine = PairedElimination(suites=tuple(s.code for s in suites_for_version("TLSv1.3")),
                                groups=OFFERED_GROUPS)
    while (offer := machine.next_offer()) is not None:
        flight = await session.hello(session.spec("TLSv1.3", offer[0], groups=offer[1]))
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


def _suites_of(session: Session, version: str, kind: KeyExchange) -> tuple[Suite, ...]:
    suites = (by_code(c) for c in _codes(session.facts.ciphers.get(version, ())))
    return tuple(s for s in suites if s is not None and s.key_exchange is kind)


def _groups_version(session: Session) -> str | None:
    """The TLS <= 1.2 version whose groups are probed: the newest accepted one with an ECDHE or
    DHE suite, else the newest accepted one (whose groups are then none)."""
    accepted = [v for v in _NEWEST_FIRST[:3] if session.facts.protocols.get(v)]
    return next((v for v in accepted if _suites_of(session, v, KeyExchange.ECDHE)
                 or _suites_of(session, v, KeyExchange.DHE)), accepted[0] if accepted else None)


async def _tls12_groups(session: Session, version: str) -> None:
    """TLS <= 1.2 groups, whether or not TLS 1.3 is spoken too: a server may accept other groups
    there (an Erlang/OTP server takes x448 in TLS 1.3 and only brainpool curves in TLS 1.2).

    They show in the ServerKeyExchange, so the hellos offer only suites the server accepted at
    ``version``: the elliptic curves by elimination with its ECDHE suites, the RFC 7919 groups
    one DHE hello each. The suite order of ``version`` comes last, unless a group hello showed it."""
    found: dict[KeyExchange, tuple[str, ...] | None] = {}

    async def run(kind: KeyExchange) -> None:
        suites = _suites_of(session, version, kind)
        if not suites:
            found[kind] = ()
        elif kind is KeyExchange.ECDHE:
            found[kind] = await _ec_groups(session, version, suites)
        else:
            found[kind] = await _ffdhe_groups(session, version, suites)

    async with trio.open_nursery() as nursery:
        for kind in (KeyExchange.ECDHE, KeyExchange.DHE):
            nursery.start_soon(run, kind)
    ec, ff = found[KeyExchange.ECDHE], found[KeyExchange.DHE]
    session.facts.groups_by_version[version] = None if ec is None or ff is None else ec + ff
    if version not in session.facts.cipher_order:
        await _cipher_order(session, version)


async def _ec_groups(session: Session, version: str,
                     ecdhe: tuple[Suite, ...]) -> tuple[str, ...] | None:
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
        flight = await session.hello(session.spec(version, suites, groups=offer))
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


async def _ffdhe_groups(session: Session, version: str,
                        dhe: tuple[Suite, ...]) -> tuple[str, ...] | None:
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
    flights: dict[tuple[int, ...], ServerFlight | None] = {}

    async def offer(groups: tuple[int, ...]) -> None:
        flights[groups] = await session.hello(session.spec(version, suites, groups=groups))

    async with trio.open_nursery() as nursery:
        for groups in offers:
            nursery.start_soon(offer, groups)
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


def _all_groups(facts: EnumerationFacts) -> tuple[str, ...] | None:
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


async def _fallback_scsv(session: Session) -> None:
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
    flights: dict[bool, ServerFlight | None] = {}

    async def send(marked: bool) -> None:
        extra = {HelloFlag.FALLBACK_SCSV} if marked else set()
        flights[marked] = await session.hello(session.spec(below, suites,
                                                           flags=frozenset(flags | extra)))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send, False)
        nursery.start_soon(send, True)
    answer = fallback_answer(flights[False], flights[True], below, ProtocolVersion(below).code)
    session.facts.fallback_scsv = answer.honoured
    session.facts.fallback_scsv_evidence = answer.evidence


async def _compression(session: Session) -> None:
    """One more hello offering DEFLATE, only if no first hello of a version was answered."""
    version = next((v for v in _NEWEST_FIRST if session.facts.protocols.get(v)), None)
    if session.facts.compression is not None or version is None:
        return
    spec = session.spec(version, _codes(session.facts.ciphers[version]), deflate=True)
    flight = await session.hello(spec)
    if flight is not None and flight.server_hello is not None:
        session.facts.compression = flight.server_hello.compression_method != 0


async def _renegotiation(session: Session) -> None:
    version = next((v for v in _NEWEST_FIRST[:3] if session.facts.protocols.get(v)), None)
    if version is None or version not in RENEGOTIABLE_VERSIONS:
        return
    session.connections += 1
    session.facts.client_renegotiation = await client_renegotiation(
        session.dial, version=version, server_name=session.server_name, timeout=session.timeout,
        identity=session.identity)


async def _cipher_order(session: Session, version: str) -> None:
    """One hello offering the accepted suites in reverse: a server that still picks its first
    find enforces its own order (so elimination found its preference order); one that picks the
    other end follows the client's."""
    found = _codes(session.facts.ciphers.get(version, ()))
    if len(found) < 2:
        return
    groups = _codes_of_groups(session.facts.groups_by_version.get("TLSv1.3")) \
        if version == "TLSv1.3" else None
    flight = await session.hello(session.spec(version, tuple(reversed(found)), groups=groups))
    answer, picked = classify(flight, ProtocolVersion(version).code)
    session.facts.cipher_order[version] = _order(found, picked) if answer is Answer.PICKED else None


def _order(found: tuple[int, ...], picked: int | None) -> str | None:
    """The suite order an answer to ``found`` offered in reverse shows."""
    return "server" if picked == found[0] else "client" if picked == found[-1] else None


def _codes_of_groups(names: tuple[str, ...] | None) -> tuple[int, ...] | None:
    groups = tuple(g.code for g in (group_by_name(n) for n in names or ()) if g is not None)
    return groups or None


async def enumerate_tls(dial: Dial, *, server_name: str | None, timeout: float,
                        identity: ClientIdentityMaterial | None = None) -> EnumerationFacts:
    session = Session(dial, server_name, timeout, identity)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_sslv2, session)
        nursery.start_soon(_tls13, session)
        for version in TLS_VERSIONS:
            nursery.start_soon(_eliminate_suites, session, version)
    groups_version = _groups_version(session)
    async with trio.open_nursery() as nursery:
        if groups_version is not None:   # its suite order after its groups (see _ec_groups)
            nursery.start_soon(_tls12_groups, session, groups_version)
        nursery.start_soon(_fallback_scsv, session)
        nursery.start_soon(_compression, session)
        nursery.start_soon(_renegotiation, session)
        for version in (*TLS_VERSIONS, ProtocolVersion.TLS1_3):
            if version != groups_version:
                nursery.start_soon(_cipher_order, session, version)
    session.facts.groups = _all_groups(session.facts)
    return session.facts
