"""An in-memory network for the scanner: ``connect`` hands the scanner one end of a memory stream
pair and serves the other end as the peer at that (address, port) is scripted to.

Nothing here touches a socket, so a whole scan runs on trio's virtual clock (pytest-trio's
``autojump_clock``): every timeout and backoff is exact, and the counts (connection starts, the
peak held open per address) are taken here, apart from the scanner's own limiters.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import trio
import trio.testing

from hatls.lab.connection import handle_connection
from hatls.lab.endpoint import EndpointConfig, LabTimeouts
from hatls.lab.tls_context import build_server_context


class Behaviour(StrEnum):
    REFUSE = "refuse"        # connect fails at once: ECONNREFUSED
    BLACKHOLE = "blackhole"  # connect never completes: only the scanner's connect timeout ends it
    SILENT = "silent"        # accepts, then never sends a byte (and closes when the client does)
    LAB = "lab"              # the lab's own server (hatls.lab) for ``config``


@dataclass(frozen=True, slots=True, kw_only=True)
class Peer:
    behaviour: Behaviour
    config: EndpointConfig | None = None
    # Behave so for this many connections, then fall silent (None: always).
    connections: int | None = None


class _Counted(trio.abc.Stream):
    """The client's end: counts itself closed once, however often it is closed."""

    def __init__(self, inner: trio.abc.Stream, on_close: Callable[[], None]) -> None:
        self._inner = inner
        self._on_close: Callable[[], None] | None = on_close

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self._inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self._inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return await self._inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None
        await self._inner.aclose()


@dataclass(eq=False)
class MemoryNetwork:
    nursery: trio.Nursery
    peers: dict[tuple[str, int], Peer] = field(default_factory=dict)
    starts: dict[str, list[float]] = field(default_factory=dict)   # connect calls, per address
    open_now: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    accepted: dict[tuple[str, int], int] = field(default_factory=dict)   # per (address, port)
    open_total: int = 0
    peak_total: int = 0
    timeouts: LabTimeouts = field(default_factory=LabTimeouts)

    def listen(self, address: str, port: int, peer: Peer) -> None:
        self.peers[(address, port)] = peer

    async def connect(self, address: str, port: int, *, timeout: float) -> trio.abc.Stream:
        self.starts.setdefault(address, []).append(trio.current_time())
        peer = self.peers.get((address, port))
        if peer is None or peer.behaviour is Behaviour.REFUSE:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        if peer.behaviour is Behaviour.BLACKHOLE:
            with trio.fail_after(timeout):
                await trio.sleep_forever()
        client, server = trio.testing.memory_stream_pair()
        self._opened(address)
        served = self.accepted[(address, port)] = self.accepted.get((address, port), 0) + 1
        if peer.connections is not None and served > peer.connections:
            peer = Peer(behaviour=Behaviour.SILENT)
        self.nursery.start_soon(self._serve, peer, server)
        return _Counted(client, lambda: self._closed(address))

    def _opened(self, address: str) -> None:
        self.open_now[address] = self.open_now.get(address, 0) + 1
        self.peak[address] = max(self.peak.get(address, 0), self.open_now[address])
        self.open_total += 1
        self.peak_total = max(self.peak_total, self.open_total)

    def _closed(self, address: str) -> None:
        self.open_now[address] -= 1
        self.open_total -= 1

    async def _serve(self, peer: Peer, stream: trio.abc.Stream) -> None:
        async with stream:
            try:
                if peer.behaviour is Behaviour.SILENT:
                    while await stream.receive_some():
                        pass
                else:
                    assert peer.config is not None
                    context = build_server_context(peer.config) if peer.config.needs_tls else None
                    await handle_connection(stream, peer.config, context,  # type: ignore[arg-type]
                                            self.timeouts)
            except Exception:
                # One connection's failure (the client left first, a refused hello) ends that
                # connection only, as in the lab (Cancelled is no Exception: it still ends a test).
                return
