"""Opening one TCP connection to one address, with a deadline and a byte budget."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Protocol

import trio

from hatls.observations import ErrorKind
from hatls.probe.errors import ProbeFailure

# A whole server flight is capped (docs/design.md, parser contract): more than this from one connection is
# a hostile or broken server, and hatls stops reading rather than buffering without bound.
MAX_BYTES_PER_CONNECTION = 256 * 1024
RECEIVE_CHUNK = 16 * 1024
# What a connect reports when the server completed the TCP handshake and then reset or dropped
# the connection before trio looked (a refusal would be ECONNREFUSED).
_ESTABLISHED_THEN_LOST = frozenset({errno.ECONNRESET, errno.ECONNABORTED})


class Connect(Protocol):
    """How the scanner opens a connection: ``open_connection`` on the network; tests pass an
    in-memory one (a scripted peer on trio's virtual clock). The address is already resolved."""

    async def __call__(self, address: str, port: int, *, timeout: float) -> trio.abc.Stream: ...


async def open_connection(address: str, port: int, *, timeout: float) -> trio.SocketStream:
    """Connect to exactly this address (no resolution, no happy eyeballs: the plan chose it)."""
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = trio.socket.socket(family, socket.SOCK_STREAM)
    try:
        with trio.fail_after(timeout):
            await sock.connect((address, port))
    except OSError as exc:
        if exc.errno not in _ESTABLISHED_THEN_LOST:
            sock.close()
            raise
        # The port answered (TLS-001 is about exactly that): whether the reset reached us before
        # or after connect() returned is a race on the wire, so it must not decide "reachable".
        # The exchange that follows finds the socket broken and reports the reset as its own.
    except BaseException:
        sock.close()
        raise
    stream = trio.SocketStream(sock)
    stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
    return stream


class BoundedReceiver:
    """Counts what one connection received and refuses to go past the budget."""

    def __init__(self, stream: trio.abc.Stream, budget: int = MAX_BYTES_PER_CONNECTION) -> None:
        self.stream = stream
        self.budget = budget
        self.received = 0

    async def receive(self) -> bytes:
        data = await self.stream.receive_some(RECEIVE_CHUNK)
        self.received += len(data)
        if self.received > self.budget:
            raise ProbeFailure(
                ErrorKind.TOO_LARGE, f"server sent more than {self.budget} bytes in one exchange"
            )
        return bytes(data)


async def resolve(host: str, port: int, *, timeout: float) -> tuple[str, ...]:
    """All A/AAAA addresses of a name, in resolver order, duplicates removed."""
    try:
        ipaddress.ip_address(host)
        return (host,)
    except ValueError:
        pass
    with trio.fail_after(timeout):
        infos = await trio.socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return tuple(seen)
