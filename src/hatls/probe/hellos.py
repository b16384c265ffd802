"""One raw hello per connection, for the enumerator: send, read the server's flight, classify.

An alert, a close or a reset in answer to a hello means "nothing offered is acceptable" (REPORT.md:
an observation, not an error); only timeouts and unparsable answers are recorded as errors.

Hello-size intolerance: some servers (and middleboxes in front of them) drop a ClientHello above
a size without a word. A large hello met by a close with no byte is therefore offered once more
in pieces of at most ``SMALL_HELLO`` bytes; if the first piece gets an answer, the server is
intolerant and every later large hello goes out in pieces from the start. If the piece is
dropped too, the server simply closes to refuse, and no hello is retried again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace

import trio

from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.probe.connection import MAX_BYTES_PER_CONNECTION, RECEIVE_CHUNK
from hatls.probe.errors import classify as classify_exception
from hatls.probe.handshake import ClientIdentityMaterial
from hatls.scanning import EnumerationFacts
from hatls.tls.codec import ParseErrorKind, TLSParseError
from hatls.tls.flight import FlightStatus, ServerFlight, ServerFlightReader
from hatls.tls.groups import GROUPS, GroupKind
from hatls.tls.hello_build import build_client_hello, chunk_suites, hello_size
from hatls.tls.hello_spec import DEFAULT_FLAGS, HelloFlag, HelloSpec

Dial = Callable[[], AbstractAsyncContextManager[trio.abc.Stream]]
# Groups a hello offers: every group with a defined key exchange (not the explicit-curve markers).
OFFERED_GROUPS = tuple(g.code for g in GROUPS if g.code < 0xFF00)
# What a TLS <= 1.2 ECDHE suite can use: the elliptic curves (no ffdhe, no ML-KEM).
EC_GROUPS = tuple(g.code for g in GROUPS
                  if g.code in OFFERED_GROUPS and g.kind in (GroupKind.EC, GroupKind.ECX))
FFDHE_GROUPS = tuple(g.code for g in GROUPS if g.kind is GroupKind.FFDH)
# Below 512 bytes on the wire: the size the first intolerant servers still took.
SMALL_HELLO = 508


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


class Session:
    """The connections of one endpoint's enumeration, and what they taught about the server."""

    def __init__(self, dial: Dial, server_name: str | None, timeout: float,
                 identity: ClientIdentityMaterial | None = None) -> None:
        self.dial = dial
        self.identity = identity   # only for the renegotiation probe on a mutual-TLS port
        self.server_name = server_name
        self.timeout = timeout
        self.facts = EnumerationFacts()
        self.connections = 0
        self.max_hello: int | None = None   # set once the server is seen to drop large hellos
        self.certificate_curve: int | None = None   # the group of an ECDSA leaf seen in TLS <= 1.2
        # Per TLS <= 1.2 version code, the groups the suite elimination's answers used (an ECDHE
        # curve, an RFC 7919 prime): accepted there, so the group probes start with them found.
        self.groups_seen: dict[int, list[int]] = {}
        # Per version code, a DHE answer to a hello offering every ffdhe group that carried another
        # prime: RFC 7919 §4 forbids that to a server that implements it (see _ffdhe_groups).
        self.custom_dh_prime: set[int] = set()
        self._retry_large = True

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

    async def offer(self, spec: HelloSpec) -> tuple[HelloSpec, ServerFlight | None,
                                                     tuple[tuple[int, ...], ...]]:
        """Send ``spec`` (in pieces if the server needs them). Returns the hello that was
        answered, its flight, and the pieces ``spec.suites`` now stands for (one if whole)."""
        if self.max_hello is not None:
            parts = self.split_for_size(spec, self.max_hello)
            if len(parts) > 1:
                spec = replace(spec, suites=parts[0])
                return spec, await self.hello(spec), parts
        flight = await self.hello(spec)
        if not (dropped_silently(flight) and self._retry_large):
            return spec, flight, (spec.suites,)
        parts = self.split_for_size(spec, SMALL_HELLO)
        if len(parts) == 1:
            return spec, flight, parts
        smaller = replace(spec, suites=parts[0])
        retried = await self.hello(smaller)
        self._retry_large = False  # once per endpoint, whatever the answer
        if dropped_silently(retried):
            return spec, flight, (spec.suites,)  # it closes to refuse, whatever the size
        self.max_hello = SMALL_HELLO
        return smaller, retried, parts

    async def hello(self, spec: HelloSpec) -> ServerFlight | None:
        """One connection, one hello, the server's flight; None when nothing can be concluded."""
        self.connections += 1
        try:
            async with self.dial() as stream:
                return await _exchange(stream, spec, self.timeout)
        except TLSParseError as exc:
            if exc.kind is ParseErrorKind.NOT_TLS:
                return None
            kind = ErrorKind.TOO_LARGE if exc.kind is ParseErrorKind.TOO_LARGE else \
                ErrorKind.PROTOCOL_VIOLATION
            self.note_error(kind, f"{spec.version} hello: {exc}")
            return None
        except (OSError, trio.TooSlowError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            kind, message = classify_exception(exc, timeout=self.timeout)
            if kind in (ErrorKind.RESET, ErrorKind.CLOSED):
                return ServerFlightReader(spec).feed(b"")  # a refusal: status CLOSED, no bytes
            self.note_error(kind, f"{spec.version} hello: {message}")
            return None

    def note_error(self, kind: ErrorKind, message: str) -> None:
        self.facts.errors.append(ProbeError(stage=Stage.PROTOCOLS, kind=kind, message=message[:300]))


async def _exchange(stream: trio.abc.Stream, spec: HelloSpec, timeout: float) -> ServerFlight:
    await stream.send_all(build_client_hello(spec))
    reader = ServerFlightReader(spec, max_bytes=MAX_BYTES_PER_CONNECTION)
    with trio.fail_after(timeout):
        while True:
            flight = reader.feed(bytes(await stream.receive_some(RECEIVE_CHUNK)))
            if flight.complete:
                return flight
