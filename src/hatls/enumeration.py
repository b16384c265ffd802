"""Enumeration by elimination, as pure state machines: what to offer next, given what came back.

testssl.sh's way, not sslyze's: offer many suites (or groups) at once, note the one the server picks,
offer the rest again, until the server refuses. That costs (accepted + 1) hellos per list instead of
one per candidate. Each machine here only *decides*: ``next_offer()`` names the next hello's
suites/groups (or None when done) and ``absorb()`` takes the answer. probe/enumerate.py moves the
bytes; these tests need no socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hatls.tls.flight import FlightStatus, ServerFlight

# RFC 8446 §6.2: the server has no version in common with the client.
PROTOCOL_VERSION_ALERT = 70
INAPPROPRIATE_FALLBACK_ALERT = 86
MAX_SUITES_PER_HELLO = 128


class Answer(StrEnum):
    """What one hello told the elimination."""

    PICKED = "picked"            # the server chose one of the offered items
    NONE_SHARED = "none-shared"  # a handshake alert or close: nothing offered is acceptable
    NO_VERSION = "no-version"    # the server does not speak this version at all
    UNKNOWN = "unknown"          # timeout, reset before any byte, unparsable: no conclusion


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


@dataclass(slots=True)
class Elimination:
    """Finds every accepted item of ``candidates`` in chunks of at most ``chunk`` per hello.

    The order in which items are found is the server's preference where it enforces one (it
    picks its favourite each time); otherwise it follows the offer.
    """

    candidates: tuple[int, ...]
    chunk: int = MAX_SUITES_PER_HELLO
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
        return tuple(self._chunks[0]) if self._chunks else None

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
        if answer is Answer.UNKNOWN or (answer is Answer.PICKED and picked not in current):
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


@dataclass(slots=True)
class PairedElimination:
    """TLS 1.3 suites and groups at once: every HelloRetryRequest names one of each.

    While both lists still yield, one hello finds a suite *and* a group; when a hello offering the
    rest of both is refused, either list may be the exhausted one, so each is finished alone
    against what the other has found. Cost: max(suites, groups) + 3 hellos, not their sum + 2.
    """

    suites: tuple[int, ...]
    groups: tuple[int, ...]
    found_suites: list[int] = field(default_factory=list)
    found_groups: list[int] = field(default_factory=list)
    unsupported: bool = False
    inconclusive: bool = False
    _left_suites: list[int] = field(default_factory=list)
    _left_groups: list[int] = field(default_factory=list)
    _phases: list[str] = field(default_factory=lambda: ["both"])
    _started: bool = False

    def next_offer(self) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        if not self._started:
            self._left_suites, self._left_groups = list(self.suites), list(self.groups)
            self._started = True
        while self._phases and not self.unsupported:
            phase = self._phases[0]
            offer = {"both": (self._left_suites, self._left_groups),
                     "suites": (self._left_suites, self.found_groups),
                     "groups": (self.found_suites, self._left_groups)}[phase]
            if offer[0] and offer[1]:
                return tuple(offer[0]), tuple(offer[1])
            self._phases.pop(0)
        return None

    def absorb(self, answer: Answer, suite: int | None, group: int | None) -> None:
        phase = self._phases[0]
        if answer is Answer.PICKED:
            new_suite = suite in self._left_suites and phase in ("both", "suites")
            new_group = group in self._left_groups and phase in ("both", "groups")
            if new_suite:
                self._left_suites.remove(suite)  # type: ignore[arg-type]
                self.found_suites.append(suite)  # type: ignore[arg-type]
            if new_group:
                self._left_groups.remove(group)  # type: ignore[arg-type]
                self.found_groups.append(group)  # type: ignore[arg-type]
            if new_suite or new_group:
                return
            self.inconclusive = True
        elif answer is Answer.NO_VERSION and not self.found_suites:
            self.unsupported = True
            return
        elif answer is Answer.UNKNOWN:
            self.inconclusive = True
        self._phases.pop(0)
        if phase == "both" and self.found_suites:
            self._phases = ["suites", "groups"]

    @property
    def supported(self) -> bool | None:
        if self.found_suites:
            return True
        if self.unsupported:
            return False
        return None if self.inconclusive else False
