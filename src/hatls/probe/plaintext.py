"""The plaintext probe: does a port keep talking to a client that does not speak TLS?

docs/design.md: connect; wait briefly for a server-first banner; send a short line that is not a TLS
record; read until a short deadline. Claim only what was seen:
- a banner, or non-TLS bytes back: plaintext accepted -- except an HTTP 4xx answer, which is how
  HTTPS servers (nginx "The plain HTTP request was sent to HTTPS port") tell a plain client to use
  TLS: plaintext refused, the status line kept as evidence;
- a TLS record back (an alert), or a close/reset without data: plaintext refused;
- silence with the connection held open: ``accepted`` is None here, because silence alone proves
  nothing; scanning/_merge.py decides it with the TLS handshake on the same port.
The outcome names its case (observations.PlaintextCase) and its evidence string says what was seen.
"""

from __future__ import annotations

import re

import trio

from hatls.observations import PlaintextCase
from hatls.probe.connection import BoundedReceiver
from hatls.scanning import PlaintextOutcome

# At least 5 bytes so a TLS server has a whole "record header" to reject, and no valid content type.
PLAINTEXT_LINE = b"\r\n\r\nPING\r\n"
BANNER_WAIT = 0.5
ANSWER_WAIT = 2.0
_TLS_CONTENT_TYPES = frozenset({20, 21, 22, 23})
_HEADER_BYTES_TO_DECIDE = 3  # content type and legacy version: enough to tell TLS from text
# RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]. Only a client error
# (4xx) is a refusal: nginx answers 400 (497 internally) to plaintext on an ssl port, Apache 400.
_HTTP_ERROR = re.compile(rb"HTTP/\d(?:\.\d)? (4\d\d)(?:[ \r\n]|$)")
_HTTP_PREFIX = b"HTTP/"
_STATUS_LINE_BYTES = 96  # enough for any real status line; more is never kept


def _outcome(case: PlaintextCase, evidence: str) -> PlaintextOutcome:
    accepted = case in (PlaintextCase.BANNER, PlaintextCase.PLAINTEXT_ANSWER)
    return PlaintextOutcome(accepted=accepted, case=case, evidence=evidence)


def looks_like_tls_record(data: bytes) -> bool:
    """A TLS record header: known content type and a 3.x legacy version."""
    return len(data) >= 3 and data[0] in _TLS_CONTENT_TYPES and data[1] == 3 and data[2] <= 4


def _undecided(data: bytes) -> bool:
    """Too short to tell: the first byte or two of what may be a TLS record header.

    A server that sends its answer a byte at a time must not be judged on its first byte: b"\x16"
    alone is no plaintext answer, it is the start of a handshake record. Likewise an HTTP answer is
    judged on its whole status line, so a slow one is read on until its first line ends."""
    if _starts_like_http(data):
        return b"\n" not in data and len(data) < _STATUS_LINE_BYTES
    if not data or len(data) >= _HEADER_BYTES_TO_DECIDE:
        return False
    return data[0] in _TLS_CONTENT_TYPES and (len(data) < 2 or data[1] == 3)


def _starts_like_http(data: bytes) -> bool:
    return bool(data) and (data.startswith(_HTTP_PREFIX) or _HTTP_PREFIX.startswith(data))


def http_error_status_line(data: bytes) -> bytes | None:
    """The status line of an HTTP 4xx response at the start of ``data``, else None."""
    if _HTTP_ERROR.match(data) is None:
        return None
    return data[:_STATUS_LINE_BYTES].split(b"\n", 1)[0].rstrip(b"\r")


def _snippet(data: bytes, limit: int = 32) -> str:
    """The first bytes as a reader can quote them: printable ASCII as is, the rest as \\xNN."""
    shown = "".join(chr(b) if 32 <= b < 127 and b != 0x22 else f"\\x{b:02x}" for b in data[:limit])
    return f'"{shown}"' + ("…" if len(data) > limit else "")


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
    return looks_like_tls_record(data) or (_undecided(data) and not _starts_like_http(data))


async def plaintext_probe(
    stream: trio.abc.Stream, *, banner_wait: float = BANNER_WAIT, answer_wait: float = ANSWER_WAIT
) -> PlaintextOutcome:
    """Classify one connection. A reset is a refusal; other network errors propagate."""
    receiver = BoundedReceiver(stream)
    try:
        banner = await _read_some(receiver, banner_wait)
    except trio.BrokenResourceError:
        return _outcome(PlaintextCase.RESET, "reset before any byte was exchanged")
    if banner == b"":
        return _outcome(PlaintextCase.CLOSED, "closed before any byte was exchanged")
    if banner:
        # Unsolicited bytes are no answer to a request, so an HTTP status line here is a banner.
        if _is_tls(banner):
            return _outcome(PlaintextCase.TLS_RECORD, f"sent a TLS record first: {_snippet(banner)}")
        return _outcome(PlaintextCase.BANNER, f"sent a plaintext banner: {_snippet(banner)}")
    try:
        await stream.send_all(PLAINTEXT_LINE)
    except trio.BrokenResourceError:
        return _outcome(PlaintextCase.RESET, "reset when plaintext was sent")
    try:
        answer = await _read_some(receiver, answer_wait)
    except trio.BrokenResourceError:
        return _outcome(PlaintextCase.RESET, "reset after plaintext was sent")
    if answer is None:
        return PlaintextOutcome(
            accepted=None, case=PlaintextCase.SILENT, waited=answer_wait,
            evidence=f"held the connection open {answer_wait} s after plaintext without a byte")
    if answer == b"":
        return _outcome(PlaintextCase.CLOSED, "closed the connection after plaintext")
    if _is_tls(answer):
        return _outcome(PlaintextCase.TLS_RECORD, f"answered with a TLS record: {_snippet(answer)}")
    status = http_error_status_line(answer)
    if status is not None:
        return _outcome(PlaintextCase.HTTP_ERROR, "answered plaintext with an HTTP error, telling "
                        f"the client to use TLS: {_snippet(status, _STATUS_LINE_BYTES)}")
    return _outcome(PlaintextCase.PLAINTEXT_ANSWER, f"answered in plaintext: {_snippet(answer)}")
