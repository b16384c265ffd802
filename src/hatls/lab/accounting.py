"""Connection counters that scanner tests can trust to the exact connection.

The lab notices a peer's close only when it next reads, a moment after the peer moved on:
a scanner that closes one connection and opens the next would otherwise look as if it held
both at once. So concurrency is measured from the kernel's view: at each accept, the other
connections count only while their TCP state is still ESTABLISHED (the peer has sent no FIN
and no RST).
"""

from __future__ import annotations

import socket

import trio

from hatls.lab.endpoint import LabStats

_TCP_ESTABLISHED = 1  # tcpi_state, the first byte of Linux's struct tcp_info


def peer_holds_open(sock: trio.socket.SocketType) -> bool:
    """True while the peer has neither closed nor reset this connection."""
    tcp_info = getattr(socket, "TCP_INFO", None)
    if tcp_info is None:
        return True  # no TCP_INFO (not Linux): count every connection the lab still serves
    try:
        state = sock.getsockopt(socket.IPPROTO_TCP, tcp_info, 1)
    except OSError:
        return False  # the lab has closed it already
    return isinstance(state, bytes) and state[:1] == bytes([_TCP_ESTABLISHED])


class ConnectionTracker:
    """Updates LabStats as connections open and close; one per running lab."""

    def __init__(self) -> None:
        self._open: dict[LabStats, set[trio.socket.SocketType]] = {}

    def opened(self, sock: trio.socket.SocketType, counters: tuple[LabStats, ...]) -> None:
        for stats in counters:
            others = self._open.setdefault(stats, set())
            still_open = sum(1 for other in others if peer_holds_open(other))
            others.add(sock)
            stats.accepted += 1
            stats.active += 1
            stats.peak_concurrent = max(stats.peak_concurrent, still_open + 1)

    def closed(self, sock: trio.socket.SocketType, counters: tuple[LabStats, ...]) -> None:
        for stats in counters:
            self._open.get(stats, set()).discard(sock)
            stats.active -= 1
