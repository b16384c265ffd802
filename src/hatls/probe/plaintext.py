"""The plaintext probe: does a port keep talking to a client that does not speak TLS?

DESIGN.md: connect; wait briefly for a server-first banner; send a short line that is not a TLS
record; read until a short deadline. A TLS record back (an alert) or a close/reset without data means
plaintext is refused; non-TLS bytes back, or the connection held open past the deadline, means
plaintext is accepted. The evidence string says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from hatls.probe.connection import BoundedReceiver

# At least 5 bytes so a TLS server has a whole "record header" to reject, and no valid content type.
PLAINTEXT_LINE = b"\r\n\r\nPING\r\n"
BANNER_WAIT = 0.5
ANSWER_WAIT = 2.0
_TLS_CONTENT_TYPES = frozenset({20, 21, 22, 23})
_HEADER_BYTES_TO_DECIDE = 3  # content type and legacy version: enough to tell TLS from text


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaintextOutcome:
    accepted: bool
    evidence: str
    banner: bool = False


def looks_like_tls_record(data: bytes) -> bool:
    """A TLS record header: known content type and a 3.x legacy version."""
    return len(data) >= 3 and data[0] in _TLS_CONTENT_TYPES and data[1] == 3 and data[2] <= 4


def _undecided(data: bytes) -> bool:
    """Too short to tell: the first byte or two of what may be a TLS record header.

    A server that sends its answer a byte at a time must not be judged on its first byte: b"\x16"
    alone is no plaintext answer, it is the start of a handshake record."""
    if not data or len(data) >= _HEADER_BYTES_TO_DECIDE:
        return False
    return data[0] in _TLS_CONTENT_TYPES and (len(data) < 2 or data[1] == 3)


def _snippet(data: bytes) -> str:
    """The first bytes as a reader can quote them: printable ASCII as is, the rest as \\xNN."""
    shown = "".join(chr(b) if 32 <= b < 127 and b != 0x22 else f"\\x{b:02x}" for b in data[:32])
    return f'"{shown}"' + ("…" if len(data) > 32 else "")


async def _read_some(receiver: BoundedReceiver, wait: float) -> bytes | None:
    """Bytes, b"" for an orderly close, or None when nothing came before the deadline.

    Reads on while the bytes so far are undecided (a slow server), until the same deadline."""
    received = b""
    closed = False
    with trio.move_on_after(wait):
        while not received or _undecided(received):
            chunk = await receiver.receive()
            if not chunk:
                closed = True
                break
            received += chunk
    if received:
        return received
    return b"" if closed else None


def _is_tls(data: bytes) -> bool:
    # Still undecided at the deadline or the close: it began as a TLS record and nothing else.
    return looks_like_tls_record(data) or _undecided(data)


async def plaintext_probe(
    stream: trio.SocketStream, *, banner_wait: float = BANNER_WAIT, answer_wait: float = ANSWER_WAIT
) -> PlaintextOutcome:
    """Classify one connection. A reset is a refusal; other network errors propagate."""
    receiver = BoundedReceiver(stream)
    try:
        banner = await _read_some(receiver, banner_wait)
    except trio.BrokenResourceError:
        return PlaintextOutcome(accepted=False, evidence="reset before any byte was exchanged")
    if banner == b"":
        return PlaintextOutcome(accepted=False, evidence="closed before any byte was exchanged")
    if banner:
        if _is_tls(banner):
            return PlaintextOutcome(accepted=False, evidence=f"sent a TLS record first: {_snippet(banner)}")
        return PlaintextOutcome(
            accepted=True, banner=True, evidence=f"sent a plaintext banner: {_snippet(banner)}"
        )
    try:
        await stream.send_all(PLAINTEXT_LINE)
    except trio.BrokenResourceError:
        return PlaintextOutcome(accepted=False, evidence="reset when plaintext was sent")
    try:
        answer = await _read_some(receiver, answer_wait)
    except trio.BrokenResourceError:
        return PlaintextOutcome(accepted=False, evidence="reset after plaintext was sent")
    if answer is None:
        return PlaintextOutcome(
            accepted=True, evidence=f"held the connection open {answer_wait} s after plaintext"
        )
    if answer == b"":
        return PlaintextOutcome(accepted=False, evidence="closed the connection after plaintext")
    if _is_tls(answer):
        return PlaintextOutcome(accepted=False, evidence=f"answered with a TLS record: {_snippet(answer)}")
    return PlaintextOutcome(accepted=True, evidence=f"answered in plaintext: {_snippet(answer)}")
