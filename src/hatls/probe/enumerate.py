"""Runs one endpoint's enumeration (scanning/_enumeration.py): each request it names is one
connection through ``dial`` (the scanner's Dialer, so the per-address cap holds), the requests it
names together go out side by side, and each reply is handed back as soon as it is in."""

from __future__ import annotations

import trio

from hatls.identity import ClientIdentityMaterial
from hatls.probe.hellos import Dial, send_hello
from hatls.probe.renegotiation import client_renegotiation
from hatls.scanning import (
    Enumeration,
    EnumerationFacts,
    EnumerationReply,
    EnumerationRequest,
    HelloRequest,
    RenegotiationReply,
)

__all__ = ["enumerate_tls"]


async def enumerate_tls(dial: Dial, *, server_name: str | None, timeout: float,
                        identity: ClientIdentityMaterial | None = None) -> EnumerationFacts:
    """``identity``: only for the renegotiation attempt, which a port that requires a client
    certificate would refuse without one."""
    enumeration = Enumeration(server_name=server_name)

    async def answer(request: EnumerationRequest) -> EnumerationReply:
        if isinstance(request, HelloRequest):
            return await send_hello(dial, request.spec, timeout=timeout)
        return RenegotiationReply(accepted=await client_renegotiation(
            dial, version=request.version, server_name=server_name, timeout=timeout,
            identity=identity))

    async with trio.open_nursery() as nursery:
        async def run(request: EnumerationRequest) -> None:
            for unlocked in enumeration.step(request.id, await answer(request)):
                nursery.start_soon(run, unlocked)

        for request in enumeration.start():
            nursery.start_soon(run, request)
    return enumeration.facts()
