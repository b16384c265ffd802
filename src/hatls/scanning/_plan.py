"""Inventory -> what to probe: endpoints, and jobs of exactly one connection each.

Pure code: addresses come in from the resolver (probe/), decisions about which job follows which come
from the results already in. The scanner only runs what this module says.
"""

from __future__ import annotations

from collections.abc import Sequence

from hatls.inventory import Inventory
from hatls.observations import ErrorKind
from hatls.scanning._jobs import Endpoint, HandshakeOutcome, Job, JobKind, PortTarget
from hatls.tls.protocol import OPENSSL_VERSIONS


def port_targets(inventory: Inventory) -> tuple[PortTarget, ...]:
    return tuple(
        PortTarget(pair=pair, server=server, port=port)
        for pair in inventory.pairs
        for server in pair.servers()
        for port in server.ports
    )


def first_job(endpoint: Endpoint) -> Job:
    return Job(endpoint=endpoint, kind=JobKind.HANDSHAKE)


# A first handshake that failed this way still reached a TLS stack: enumerate anyway.
# (Not too-large: a server that floods the first handshake would flood every hello too.)
_TLS_SPOKEN = frozenset({ErrorKind.TLS_ALERT, ErrorKind.PROTOCOL_VIOLATION,
                         ErrorKind.CLIENT_CERT_NEEDED, ErrorKind.CLOSED, ErrorKind.RESET})


def follow_up_jobs(endpoint: Endpoint, first: HandshakeOutcome) -> tuple[Job, ...]:
    """Jobs after the first handshake reached the port (TCP connected): the plaintext probe
    always, the raw-hello enumeration wherever a TLS stack answered (or may have)."""
    jobs = [Job(endpoint=endpoint, kind=JobKind.PLAINTEXT)]
    if first.completed or first.error_kind in _TLS_SPOKEN:
        jobs.append(Job(endpoint=endpoint, kind=JobKind.ENUMERATE))
    return tuple(jobs)


def version_inferences(first: HandshakeOutcome) -> dict[str, bool]:
    """What the first handshake alone says about versions: it offered every version OpenSSL
    speaks, so a server that negotiated V supports V and none above (it would have picked it)."""
    if first.completed and first.version in OPENSSL_VERSIONS:
        index = OPENSSL_VERSIONS.index(first.version)
        return {v: i == index for i, v in enumerate(OPENSSL_VERSIONS) if i >= index}
    if first.error_kind is ErrorKind.NOT_TLS:
        return dict.fromkeys(OPENSSL_VERSIONS, False)
    return {}


def endpoints_for(target: PortTarget, addresses: Sequence[str]) -> tuple[Endpoint, ...]:
    return tuple(Endpoint(target=target, address=a) for a in addresses)
