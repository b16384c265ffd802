"""Politeness toward production servers: how many connections, how often, and when to try again.

These are often the HA sync link itself, so the limits are structural, not advisory. A Dialer holds
its address's slot for the whole life of a connection, so ``max_connections_per_host`` can never be
exceeded, whatever the plan asks; the address slot is taken *before* the global one, so a job
waiting for a busy address never sits on one of the scan's global slots (that head-of-line blocking
once idled most of a large scan). With ``delay``, connection starts to one address are spaced at
least that far apart. Only a timeout or a reset is worth a retry: a refusal is an answer.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

from hatls.inventory import Inventory
from hatls.observations import ErrorKind
from hatls.probe.connection import Connect, open_connection
from hatls.scanning import Endpoint, JobResult


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanLimits:
    """How hard a scan may push: the inventory's [scan] table, then the command line's flags."""

    connect_timeout: float = 5.0
    handshake_timeout: float = 10.0
    max_connections_per_host: int = 4
    max_connections: int = 256
    delay: float = 0.0     # least time between two connection starts to one address
    retries: int = 1       # further tries of an endpoint's first connection after a timeout/reset
    backoff: float = 0.5   # pause before the first retry; doubled before each one after it

    @classmethod
    def from_inventory(cls, inventory: Inventory) -> ScanLimits:
        s = inventory.scan
        return cls(connect_timeout=s.connect_timeout, handshake_timeout=s.handshake_timeout,
                   max_connections_per_host=s.max_connections_per_host,
                   max_connections=s.max_connections)


class AddressGate:
    """One address's share of politeness: its connection slots and the start of its next turn."""

    def __init__(self, slots: int) -> None:
        self.slots = trio.CapacityLimiter(slots)
        self.next_start = -math.inf

    async def wait_turn(self, delay: float) -> None:
        """Space connection starts by ``delay``: each caller books the next free moment first,
        so callers waiting side by side still start one ``delay`` apart."""
        if delay <= 0:
            return
        start = max(trio.current_time(), self.next_start)
        self.next_start = start + delay
        await trio.sleep_until(start)


class Limits:
    """The scan's global slots and one gate per address (keyed by spelling and canonical form)."""

    def __init__(self, limits: ScanLimits, connect: Connect = open_connection) -> None:
        self.limits = limits
        self.connect = connect
        self.total = trio.CapacityLimiter(limits.max_connections)
        self.per_address: dict[str, AddressGate] = {}

    def for_address(self, address: str) -> AddressGate:
        gate = self.per_address.get(address)
        if gate is None:
            # "::1" and "0::1" are one host: the cap is about the machine, not the spelling.
            canonical = str(ipaddress.ip_address(address))
            if canonical not in self.per_address:
                self.per_address[canonical] = AddressGate(self.limits.max_connections_per_host)
            gate = self.per_address[address] = self.per_address[canonical]
        return gate


class Dialer:
    """Opens connections to one endpoint, each under the global and the per-address limit."""

    def __init__(self, endpoint: Endpoint, limits: Limits) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self.count = 0

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[trio.abc.Stream]:
        lim = self.limits.limits
        gate = self.limits.for_address(self.endpoint.address)
        # Address first, then global: always in this order, so no two jobs can deadlock.
        async with gate.slots:
            await gate.wait_turn(lim.delay)
            async with self.limits.total:
                self.count += 1
                stream = await self.limits.connect(self.endpoint.address,
                                                   self.endpoint.target.port.port,
                                                   timeout=lim.connect_timeout)
                async with stream:
                    yield stream


# A timeout or reset may be the network's or a busy server's passing state; a refusal is an answer.
TRANSIENT = frozenset({ErrorKind.TIMEOUT, ErrorKind.RESET})


def worth_retrying(result: JobResult) -> bool:
    if not result.connected:
        return result.error is not None and result.error.kind in TRANSIENT
    hs = result.handshake
    # A reset that reaches the handshake counts too: whether it beat connect() is a race.
    return hs is not None and not hs.completed and hs.error_kind is ErrorKind.RESET
