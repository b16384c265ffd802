"""Enumeration by elimination, as pure state machines: what to offer next, given what came back.

testssl.sh's way, not sslyze's: offer many suites (or groups) at once, note the one the server picks,
offer the rest again, until the server refuses. That costs (accepted + 1) hellos per list instead of
one per candidate. Each machine here only *decides*: ``next_offer()`` names the next hello's
suites/groups (or None when done) and ``absorb()`` takes the answer. _enumeration.py strings them
together into one endpoint's enumeration; the probes move the bytes; these tests need no socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hatls.tls.flight import FlightStatus, ServerFlight

# RFC 8446 §6.2: the server has no version in common with the client.
PROTOCOL_VERSION_ALERT = 70
INAPPROPRIATE_FALLBACK_ALERT = 86
# Some servers answer a hello of more than 128 suites with an alert (testssl.sh and others cap
# their hellos there), so longer candidate lists go out in chunks.
MAX_SUITES_PER_HELLO = 128


class Answer(StrEnum):
    """What one hello told the elimination."""

    PICKED = "picked"            # the server chose one of the offered items
    NONE_SHARED = "none-shared"  # a handshake alert or close: nothing offered is acceptable
    NO_VERSION = "no-version"    # the server does not speak this version at all
    UNKNOWN = "unknown"          # timeout, unparsable answer: no conclusion


def classify(flight: ServerFlight | None, version_code: int) -> tuple[Answer, int | None]:
    """(answer, picked suite code) for a TLS hello at ``version_code``."""
    if flight is None:
        return Answer.UNKNOWN, None
    hello = flight.server_hello
    if hello is not None:
        if hello.selected_version != version_code:
            return Answer.NO_VERSION, None
        return Answer.PICKED, hello.cipher_suite
    if flight.alert is not None and flight.alert.description == PROTOCOL_VERSION_ALERT:
        return Answer.NO_VERSION, None
    if flight.status in (FlightStatus.ALERT, FlightStatus.CLOSED):
        return Answer.NONE_SHARED, None
    return Answer.UNKNOWN, None


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackAnswer:
    """TLS_FALLBACK_SCSV, judged from two hellos alike but for the SCSV: None = no conclusion."""

    honoured: bool | None
    evidence: str


def fallback_answer(plain: ServerFlight | None, marked: ServerFlight | None,
                    version: str, version_code: int) -> FallbackAnswer:
    """RFC 7507 §3: the server "MUST abort the handshake" on a fallback hello below its highest
    version -- inappropriate_fallback is its alert, yet an abort by any alert or by closing the
    connection still refuses the downgrade. Only a ServerHello for the downgraded version ignores
    the SCSV, and a refusal means something only where the same hello without the SCSV is taken."""
    answer, _ = classify(plain, version_code)
    if answer is not Answer.PICKED:
        return FallbackAnswer(honoured=None, evidence=(
            f"the {version} hello without the SCSV was not accepted ({_described(plain)}): "
            "a refusal of the marked one would prove nothing"))
    hello = marked.server_hello if marked is not None else None
    if hello is not None and hello.selected_version == version_code:
        return FallbackAnswer(honoured=False, evidence=(
            f"answered the {version} hello marked with TLS_FALLBACK_SCSV with a ServerHello for "
            f"{version}: the downgrade went through"))
    if marked is not None and hello is None and marked.status in (FlightStatus.ALERT,
                                                                  FlightStatus.CLOSED):
        return FallbackAnswer(honoured=True, evidence=(
            f"accepted the {version} hello without the SCSV and refused it with the SCSV "
            f"({_described(marked)})"))
    return FallbackAnswer(honoured=None, evidence=(
        f"the {version} hello marked with TLS_FALLBACK_SCSV got no conclusive answer "
        f"({_described(marked)})"))


def _described(flight: ServerFlight | None) -> str:
    if flight is None:
        return "no answer could be read"
    if flight.server_hello is not None:
        return f"a ServerHello for version 0x{flight.server_hello.selected_version:04x}"
    if flight.alert is not None:
        return f"alert {flight.alert.description_name} ({flight.alert.description})"
    if flight.status is FlightStatus.CLOSED:
        return "closed without an alert" if flight.bytes_read == 0 else \
            "closed after a partial answer"
    return f"flight {flight.status.value}"


@dataclass(slots=True)
class Elimination:
    """Finds every accepted item of ``candidates`` in chunks of at most ``chunk`` per hello.

    The order in which items are found is the server's preference where it enforces one (it
    picks its favourite each time); otherwise it follows the offer.

    ``pinned`` items, once found, are offered again at the end of every later hello: a TLS 1.2
    server with an ECDSA certificate refuses any hello whose supported_groups lack the
    certificate's curve (RFC 8422 §5.1), so that curve can never be eliminated. When the server
    picks a pinned item again, nothing left in the chunk is acceptable to it.
    """

    candidates: tuple[int, ...]
    chunk: int = MAX_SUITES_PER_HELLO
    pinned: tuple[int, ...] = ()
    found: list[int] = field(default_factory=list)
    unsupported: bool = False      # NO_VERSION: the whole version is off
    inconclusive: bool = False     # some chunk could not be finished
    hellos: int = 0
    _chunks: list[list[int]] = field(default_factory=list)
    _started: bool = False

    def next_offer(self) -> tuple[int, ...] | None:
        if not self._started:
            self._chunks = [list(self.candidates[i:i + self.chunk])
                            for i in range(0, len(self.candidates), self.chunk)]
            self._started = True
        if self.unsupported:
            return None
        while self._chunks and not self._chunks[0]:
            self._chunks.pop(0)
        if not self._chunks:
            return None
        current = self._chunks[0]
        return tuple(current) + tuple(p for p in self.pinned if p in self.found and p not in current)

    def split_current(self, parts: tuple[tuple[int, ...], ...]) -> None:
        """Offer the current chunk as ``parts`` instead (a server that fails on large hellos)."""
        current = self._chunks[0]
        if [code for part in parts for code in part] != current:
            raise ValueError(f"{parts} does not split the current chunk {current}")
        self._chunks[0:1] = [list(part) for part in parts]

    def absorb(self, answer: Answer, picked: int | None = None) -> None:
        self.hellos += 1
        current = self._chunks[0]
        if answer is Answer.PICKED and picked in current:
            self.found.append(picked)
            current.remove(picked)
            return
        if answer is Answer.NO_VERSION and not self.found:
            self.unsupported = True
            return
        pinned_again = answer is Answer.PICKED and picked in self.pinned and picked in self.found
        if answer is Answer.UNKNOWN or (answer is Answer.PICKED and not pinned_again):
            self.inconclusive = True
        self._chunks.pop(0)

    @property
    def supported(self) -> bool | None:
        """True when anything was accepted; False when refused throughout; None when unsure."""
        if self.found:
            return True
        if self.unsupported:
            return False
        return None if self.inconclusive else False


class _Phase(StrEnum):
    BOTH = "both"      # new groups, and new suites along the way
    SUITES = "suites"  # the suites still unseen, against groups known to work
    DONE = "done"


@dataclass(slots=True)
class PairedElimination:
    """TLS 1.3 suites and groups at once: every HelloRetryRequest names one of each.

    First every hello offers the groups not yet seen and the suites not yet seen *plus one suite
    already accepted*, last. The known suite keeps the server from refusing for want of a suite,
    so each answer names a new group, and a refusal means the groups are exhausted; a server
    that follows the client's order (OpenSSL's default) names a new suite each time too. Then the
    suites still unseen go out with the groups found until the server refuses them. Cost:
    groups + 1 + (suites not seen in the first phase) + 1 hellos, at least max(suites, groups) + 2,
    the least two refusals (one per list) allow.
    """

    suites: tuple[int, ...]
    groups: tuple[int, ...]
    found_suites: list[int] = field(default_factory=list)
    found_groups: list[int] = field(default_factory=list)
    unsupported: bool = False
    inconclusive: bool = False
    hellos: int = 0
    _left_suites: list[int] = field(default_factory=list)
    _left_groups: list[int] = field(default_factory=list)
    _phase: _Phase = _Phase.BOTH
    _started: bool = False

    def next_offer(self) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        if not self._started:
            self._left_suites, self._left_groups = list(self.suites), list(self.groups)
            self._started = True
        if self._phase is _Phase.BOTH and not self._left_groups:
            self._phase = _Phase.SUITES
        if self._phase is _Phase.BOTH:
            suites = self._left_suites + self.found_suites[:1]
            if suites:
                return tuple(suites), tuple(self._left_groups)
            self._phase = _Phase.DONE
        if self._phase is _Phase.SUITES and self._left_suites and self.found_groups:
            return tuple(self._left_suites), tuple(self.found_groups)
        self._phase = _Phase.DONE
        return None

    def absorb(self, answer: Answer, suite: int | None, group: int | None) -> None:
        self.hellos += 1
        if self._phase is _Phase.BOTH:
            self._absorb_both(answer, suite, group)
        elif answer is Answer.PICKED and suite in self._left_suites:
            self._take_suite(suite)
        else:
            self.inconclusive |= answer is not Answer.NONE_SHARED
            self._phase = _Phase.DONE

    def _absorb_both(self, answer: Answer, suite: int | None, group: int | None) -> None:
        if answer is Answer.PICKED:
            if suite in self._left_suites:
                self._take_suite(suite)
            elif suite not in self.found_suites[:1]:
                self.inconclusive = True
            if group in self._left_groups:
                self._left_groups.remove(group)
                self.found_groups.append(group)
                return
            self.inconclusive = True  # an answer that names no new group cannot go on
        elif answer is Answer.NO_VERSION and not self.found_suites:
            self.unsupported = True
        elif answer is Answer.UNKNOWN:
            self.inconclusive = True
        # A refusal with a known-good suite on offer: no group left is acceptable.
        self._phase = _Phase.SUITES if self.found_suites else _Phase.DONE

    def _take_suite(self, suite: int) -> None:
        self._left_suites.remove(suite)
        self.found_suites.append(suite)

    @property
    def supported(self) -> bool | None:
        if self.found_suites:
            return True
        if self.unsupported:
            return False
        return None if self.inconclusive else False
