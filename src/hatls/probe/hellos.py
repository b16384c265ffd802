"""One raw hello per connection, for the enumeration: send it, read the server's flight.

An alert, a close or a reset in answer to a hello means "nothing offered is acceptable" (docs/report.md:
an observation, not an error); only timeouts and unparsable answers are recorded as errors. What
to offer, and what an answer means, is decided in scanning/_enumeration.py.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import trio

from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.probe.connection import MAX_BYTES_PER_CONNECTION, RECEIVE_CHUNK
from hatls.probe.errors import classify as classify_exception
from hatls.scanning import HelloReply
from hatls.tls.codec import ParseErrorKind, TLSParseError
from hatls.tls.flight import ServerFlight, ServerFlightReader
from hatls.tls.hello_build import build_client_hello
from hatls.tls.hello_spec import HelloSpec

Dial = Callable[[], AbstractAsyncContextManager[trio.abc.Stream]]


async def send_hello(dial: Dial, spec: HelloSpec, *, timeout: float) -> HelloReply:
    """One connection, one hello, the server's flight; no flight when nothing can be concluded."""
    try:
        async with dial() as stream:
            return HelloReply(flight=await _exchange(stream, spec, timeout))
    except TLSParseError as exc:
        if exc.kind is ParseErrorKind.NOT_TLS:
            return HelloReply(flight=None)
        kind = ErrorKind.TOO_LARGE if exc.kind is ParseErrorKind.TOO_LARGE else \
            ErrorKind.PROTOCOL_VIOLATION
        return HelloReply(flight=None, error=_error(kind, f"{spec.version} hello: {exc}"))
    except (OSError, trio.TooSlowError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
        kind, message = classify_exception(exc, timeout=timeout)
        if kind in (ErrorKind.RESET, ErrorKind.CLOSED):
            # A refusal: status CLOSED, no bytes.
            return HelloReply(flight=ServerFlightReader(spec).feed(b""))
        return HelloReply(flight=None, error=_error(kind, f"{spec.version} hello: {message}"))


def _error(kind: ErrorKind, message: str) -> ProbeError:
    return ProbeError(stage=Stage.PROTOCOLS, kind=kind, message=message[:300])


async def _exchange(stream: trio.abc.Stream, spec: HelloSpec, timeout: float) -> ServerFlight:
    await stream.send_all(build_client_hello(spec))
    reader = ServerFlightReader(spec, max_bytes=MAX_BYTES_PER_CONNECTION)
    with trio.fail_after(timeout):
        while True:
            flight = reader.feed(bytes(await stream.receive_some(RECEIVE_CHUNK)))
            if flight.complete:
                return flight
