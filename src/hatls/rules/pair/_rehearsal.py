"""GHA-009: the failover rehearsal. After a failover "the former primary server [connects] to the
new primary server" on its HA link: hatls plays the former primary, presenting the identity that
server would present, against each server's HA link port. The probe that makes the handshake fills
`observation.rehearsal`; this rule only reads it."""

from __future__ import annotations

from cryptography import x509

from hatls.findings import Finding, Status
from hatls.inventory import ClientIdentity, Server
from hatls.observations import EndpointObservation, ErrorKind, Rehearsal
from hatls.rules._common import served_chain
from hatls.rules._context import PairContext
from hatls.rules._rule import rule
from hatls.rules.pair._common import (
    SideVerdict,
    answered,
    bad,
    caused,
    fold,
    ha_link_ids,
    ha_tls_gate,
    naming_silent,
    not_probed,
    ok,
    partner,
    sides,
    silent,
    skip,
    standalone,
)
from hatls.x509 import load_pem_certificates, validate_chain

NO_IDENTITY = "no client identity given"
# The rehearsal never reached the TLS layer: it could not be made, which says nothing of trust.
_COULD_NOT_ASK = frozenset({ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT, ErrorKind.RESET,
                            ErrorKind.INTERNAL})


def client_identity(ctx: PairContext, client: Server) -> ClientIdentity | None:
    return ctx.inventory.client_identity_of(ctx.pair, client)


@rule("GHA-009")
def gha_009(ctx: PairContext) -> tuple[Finding, ...]:
    if (skipped := standalone(ctx)) is not None:
        return skipped
    out: list[Finding] = []
    for port_id in ha_link_ids(ctx):
        dialed = [(role, s) for role, s in sides(ctx) if port_id in ctx.pair.ha_link_port_ids(s)]
        out.append(fold(ctx, {role: _rehearse(ctx, server, port_id)
                                         for role, server in dialed}, port_id=port_id))
    return tuple(out)


def _rehearse(ctx: PairContext, server: Server, port_id: str) -> SideVerdict:
    """The partner (the former primary after a failover) dials `server`'s HA link port."""
    client = partner(ctx, server)
    assert client is not None  # not standalone
    identity = client_identity(ctx, client)
    if identity is None:
        return skip(NO_IDENTITY, client=client.role.value)
    port = server.port(port_id)
    assert port is not None
    gate = ha_tls_gate(ctx, server, port)
    if gate is not None:
        return gate
    anchors = ctx.trust.pair or ctx.trust.scan
    verdicts = [_judge(ctx, obs, client, identity, anchors)
                for obs in answered(ctx, server, port, tls=True)]
    failing = [v for v in verdicts if v.status is not Status.PASS]
    return naming_silent(failing[0] if failing else verdicts[0],
                         silent(ctx, server, port, tls=True))


def _judge(ctx: PairContext, obs: EndpointObservation, client: Server, identity: ClientIdentity,
           anchors: tuple[x509.Certificate, ...]) -> SideVerdict:
    rehearsal = obs.rehearsal
    if rehearsal is None:
        return not_probed(f"the failover rehearsal from the {client.role.value}")
    seen = _rehearsal_evidence(rehearsal, client, obs)
    if not rehearsal.succeeded:
        error = rehearsal.error
        if error is not None and error.kind in _COULD_NOT_ASK:
            return bad(Status.ERROR, f"the rehearsal could not be made: {error.message}", **seen)
        return bad(Status.FAIL, f"a handshake presenting the {client.role.value}'s identity "
                   f"({rehearsal.client_subject}) was refused: "
                   f"{error.message if error else 'no reason recorded'}", **seen)
    server_chain = validate_chain(served_chain(obs), anchors, at=ctx.now)
    if not server_chain.builds:
        # The partner would refuse this server's chain: the rehearsal's "each side's chain
        # verifies against the pair's CA" fails, with GHA-006 as the cause.
        return caused(Status.FAIL, "the server's chain does not verify against the pair's CA "
                      f"({server_chain.message}): the former primary would refuse it", "GHA-006",
                      **seen, server_chain=server_chain.message)
    client_chain = validate_chain(load_pem_certificates(identity.certificate.text), anchors,
                                  at=ctx.now)
    if not client_chain.builds:
        return bad(Status.FAIL, f"the server accepted the {client.role.value}'s identity, but "
                   f"it does not verify against the pair's CA ({client_chain.message}): the two "
                   "servers do not trust each other through that CA", **seen,
                   client_chain=client_chain.message)
    accepted = f"rehearsal from the {client.role.value}'s identity succeeded"
    if obs.client_auth is not None and not obs.client_auth.requested:
        # Simple TLS on this link: the rehearsal shows the partner gets through, with no identity.
        return ok(f"{accepted} (the server requested no client certificate)", **seen)
    return ok(f"{accepted}; both chains verify against the pair's CA", **seen)


def _rehearsal_evidence(rehearsal: Rehearsal, client: Server,
                        obs: EndpointObservation) -> dict[str, object]:
    error = rehearsal.error
    return {"client": client.role.value, "client_subject": rehearsal.client_subject,
            "address": obs.address, "succeeded": rehearsal.succeeded,
            "version": rehearsal.version,
            "client_certificate_requested": None if obs.client_auth is None
            else obs.client_auth.requested,
            "error": None if error is None else {"stage": error.stage.value,
                                                 "kind": error.kind.value,
                                                 "message": error.message}}
