"""The one boundary where exceptions from the network become a closed ErrorKind (docs/design.md).

Anything not recognised here is ``internal``: a bug in hatls, never blamed on the server.
"""

from __future__ import annotations

import errno
import os
import socket

import trio
from OpenSSL import SSL

from hatls.observations import ErrorKind, ProbeError, Stage


class ProbeFailure(Exception):
    """Raised inside probe/ to carry an already-classified error up to the job runner."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})
_REFUSED_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}
)

# OpenSSL reason strings that mean "the peer did not speak TLS at all".
_NOT_TLS_MARKERS = ("wrong version number", "http request", "record layer failure",
                    "unknown protocol", "record length mismatch")
# A TLS-shaped record or message longer than the protocol (or the client's cap) allows, e.g. a
# handshake header claiming 16 MiB: OpenSSL stops at the header, as hatls's byte budget would.
# Checked before the markers above: OpenSSL 3+ adds "record layer failure" to the oversized ones.
_TOO_LARGE_MARKERS = ("excessive message size", "data length too long", "packet length too long",
                      "encrypted length too long")
# Alerts the peer misused (a flood of warnings), not an alert it sent about our offer.
_ALERT_ABUSE_MARKERS = ("too many warn alerts",)


def openssl_reason(exc: SSL.Error) -> str:
    """Flatten pyOpenSSL's [(lib, func, reason), ...] into one readable line."""
    parts: list[str] = []
    for item in exc.args[0] if exc.args and isinstance(exc.args[0], list) else []:
        if isinstance(item, tuple) and item:
            parts.append(str(item[-1]))
    return "; ".join(parts) or str(exc) or type(exc).__name__


def classify_ssl_error(exc: SSL.Error) -> tuple[ErrorKind, str]:
    if isinstance(exc, SSL.SysCallError):
        code = exc.args[0] if exc.args else None
        if code in (-1, 0):
            return ErrorKind.CLOSED, "connection closed during the TLS exchange"
        if isinstance(code, int) and code in _RESET_ERRNOS:
            return ErrorKind.RESET, "connection reset during the TLS exchange"
        return ErrorKind.RESET, f"socket error during the TLS exchange: {exc}"
    if isinstance(exc, SSL.ZeroReturnError):
        return ErrorKind.CLOSED, "peer closed the TLS session"
    reason = openssl_reason(exc)
    lowered = reason.lower()
    if "certificate required" in lowered:
        return ErrorKind.CLIENT_CERT_NEEDED, reason
    if any(marker in lowered for marker in _ALERT_ABUSE_MARKERS):
        return ErrorKind.PROTOCOL_VIOLATION, reason
    if any(marker in lowered for marker in _TOO_LARGE_MARKERS):
        return ErrorKind.TOO_LARGE, reason
    if "alert" in lowered:
        return ErrorKind.TLS_ALERT, reason
    if any(marker in lowered for marker in _NOT_TLS_MARKERS):
        return ErrorKind.NOT_TLS, reason
    return ErrorKind.PROTOCOL_VIOLATION, reason


def _reason(exc: OSError) -> str:
    """The OS's words for an error: trio's connect errors put a Python repr of the address in
    strerror ("Error connecting to ('10.0.0.1', 3001): ..."), which the report already names."""
    if exc.errno:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def classify(exc: BaseException, *, timeout: float | None = None) -> tuple[ErrorKind, str]:
    """Map an exception raised while probing to (kind, message)."""
    if isinstance(exc, ProbeFailure):
        return exc.kind, exc.message
    if isinstance(exc, trio.TooSlowError):
        return ErrorKind.TIMEOUT, f"timed out after {timeout} s" if timeout else "timed out"
    if isinstance(exc, socket.gaierror):
        return ErrorKind.DNS, f"name resolution failed: {exc.strerror or exc}"
    if isinstance(exc, SSL.Error):
        return classify_ssl_error(exc)
    if isinstance(exc, trio.BrokenResourceError):
        cause = exc.__cause__
        if isinstance(cause, OSError) and cause.errno in _REFUSED_ERRNOS:
            return ErrorKind.REFUSED, f"connection refused: {_reason(cause)}"
        return ErrorKind.RESET, "connection reset by peer"
    if isinstance(exc, trio.ClosedResourceError):
        return ErrorKind.CLOSED, "connection closed"
    if isinstance(exc, OSError):
        if exc.errno in _REFUSED_ERRNOS:
            return ErrorKind.REFUSED, f"connection refused: {_reason(exc)}"
        if exc.errno in _RESET_ERRNOS:
            return ErrorKind.RESET, f"connection reset: {_reason(exc)}"
        if exc.errno == errno.ETIMEDOUT:
            return ErrorKind.TIMEOUT, f"timed out: {_reason(exc)}"
        return ErrorKind.REFUSED, f"network error: {_reason(exc)}"
    return ErrorKind.INTERNAL, f"internal error in hatls: {type(exc).__name__}: {exc}"


def probe_error(stage: Stage, exc: BaseException, *, timeout: float | None = None) -> ProbeError:
    kind, message = classify(exc, timeout=timeout)
    return ProbeError(stage=stage, kind=kind, message=message[:500])
