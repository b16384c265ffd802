"""Job results -> one EndpointObservation. Pure: tested from recorded job results, no sockets."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from hatls.inventory import Mode, PortSpec, Server
from hatls.observations import (
    ClientAuth,
    EndpointObservation,
    ErrorKind,
    Expected,
    Features,
    KeyExchange,
    PlaintextCase,
    ProbeError,
    Rehearsal,
    Resumption,
    Stage,
)
from hatls.scanning._jobs import (
    Endpoint,
    EnumerationFacts,
    HandshakeOutcome,
    JobKind,
    JobResult,
    PlaintextOutcome,
)
from hatls.scanning._plan import version_inferences
from hatls.tls.groups import GroupKind, group_by_name
from hatls.tls.ocsp import OcspStapling, stapling_facts
from hatls.tls.protocol import ProtocolVersion
from hatls.x509 import CertificateFacts, certificate_facts, parse_der_chain


def expected_for(server: Server, port: PortSpec) -> Expected:
    tls = port.tls
    return Expected(
        sec_protocol=None if tls.sec_protocol is None else tls.sec_protocol.value,
        cipher_list=None if tls.cipher_list is None else tls.cipher_list.text,
        tls_mutual=tls.tls_mutual,
        name_check=tls.name_check,
        thumbprint=server.thumbprint,
        min_days_valid=tls.min_days_valid,
    )


def _speaks_tls(outcome: HandshakeOutcome) -> bool:
    return outcome.completed or outcome.error_kind is ErrorKind.CLIENT_CERT_NEEDED


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaintextFinding:
    """The plaintext probe read together with the first handshake (docs/design.md)."""

    accepted: bool | None = None
    case: PlaintextCase | None = None
    evidence: str | None = None
    error: ProbeError | None = None


def plaintext_finding(outcome: PlaintextOutcome | None,
                      first: HandshakeOutcome | None) -> PlaintextFinding:
    """Silence is plaintext accepted only where the same port answers TLS promptly (an auto-detect
    server waiting for a whole protocol message); where it answers nothing at all, TLS included,
    it is a timeout, never a claim about plaintext."""
    if outcome is None:
        return PlaintextFinding()
    if outcome.case is not PlaintextCase.SILENT:
        return PlaintextFinding(accepted=outcome.accepted, case=outcome.case,
                                evidence=outcome.evidence)
    if first is not None and _speaks_tls(first):
        return PlaintextFinding(accepted=True, case=outcome.case, evidence=(
            f"{outcome.evidence}, while an immediate TLS handshake completes: it waits for a "
            "whole plaintext message (auto-detect)"))
    evidence = (f"{outcome.evidence}, and completed no TLS handshake either: nothing is claimed "
                "about plaintext")
    return PlaintextFinding(case=outcome.case, evidence=evidence, error=ProbeError(
        stage=Stage.PLAINTEXT, kind=ErrorKind.TIMEOUT,
        message=f"no answer to plaintext within {outcome.waited} s (and no TLS handshake)"))


def _protocols(first: HandshakeOutcome | None,
               facts: EnumerationFacts | None) -> dict[str, bool | None]:
    """The raw hellos decide; where they could not (None), the first handshake's inference fills in."""
    protocols: dict[str, bool | None] = dict.fromkeys(ProtocolVersion)
    if first is not None:
        protocols.update(version_inferences(first))
    if facts is not None:
        for version, seen in facts.protocols.items():
            if seen is not None:
                protocols[version] = seen
    return protocols


def _features(facts: EnumerationFacts | None, tls12_done: list[HandshakeOutcome]) -> Features:
    ems_from_handshake = tls12_done[0].extended_master_secret if tls12_done else None
    if facts is None:
        return Features(extended_master_secret=ems_from_handshake)
    hellos = facts.hellos
    return Features(
        secure_renegotiation=any(h.renegotiation_info is not None for h in hellos) if hellos else None,
        client_renegotiation=facts.client_renegotiation,
        compression=facts.compression,
        fallback_scsv=facts.fallback_scsv,
        extended_master_secret=(all(h.extended_master_secret for h in hellos) if hellos
                                else ems_from_handshake),
        encrypt_then_mac=all(h.encrypt_then_mac for h in facts.cbc_hellos) if facts.cbc_hellos else None,
    )


def _key_exchange(facts: EnumerationFacts | None) -> KeyExchange:
    if facts is None:
        return KeyExchange()
    ec_bits = [g.bits for g in (group_by_name(n) for n in facts.groups or ())
               if g is not None and g.kind is not GroupKind.FFDH and g.kind is not GroupKind.PQ]
    return KeyExchange(dh_min_bits=min(facts.dh_bits) if facts.dh_bits else None,
                       ecdh_min_bits=min(ec_bits) if ec_bits else None)


def _resumption(first: HandshakeOutcome | None, facts: EnumerationFacts | None) -> Resumption:
    hellos = facts.hellos if facts is not None else []
    return Resumption(
        session_ticket_tls12=any(h.session_ticket for h in hellos) if hellos else None,
        tickets_tls13=first.tickets_tls13 if first is not None else None,
    )


def _ocsp_stapling(first: HandshakeOutcome | None) -> OcspStapling:
    """The staple of the first handshake, matched against the leaf that handshake was shown."""
    if first is None:
        return OcspStapling()
    leaves, _ = _chain_facts(first.chain_der) if first.chain_der else ((), ())
    serial = int(leaves[0].serial, 16) if leaves else None
    return stapling_facts(first.ocsp_staple, leaf_serial=serial)


def _groups_by_version(facts: EnumerationFacts) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The versions whose groups were found to the end (an inconclusive one is left out, and
    makes ``groups`` None)."""
    return tuple((v, found) for v in ProtocolVersion
                 if (found := facts.groups_by_version.get(v)) is not None)


@functools.lru_cache(maxsize=256)
def _chain_facts(chain_der: tuple[bytes, ...]) -> tuple[tuple[CertificateFacts, ...], tuple[str, ...]]:
    """Decoded once per distinct chain: an HA server shows the same one on every port."""
    chain, problems = parse_der_chain(chain_der)
    return tuple(certificate_facts(c) for c in chain), problems


def _best_handshake(first: HandshakeOutcome | None, results: Sequence[JobResult]) -> HandshakeOutcome | None:
    """The completed handshake to take the certificate from: the first one, else any version probe."""
    if first is not None and first.completed:
        return first
    done = [r.handshake for r in results if r.handshake is not None and r.handshake.completed]
    if done:
        return done[-1]
    # A server that insists on a client certificate still sent its own chain first.
    shown = [r.handshake for r in results if r.handshake is not None and r.handshake.chain_der]
    return shown[0] if shown else None


def _errors(results: Sequence[JobResult], *, expects_tls: bool,
            plaintext: PlaintextFinding) -> tuple[ProbeError, ...]:
    errors: list[ProbeError] = [r.error for r in results if r.error is not None]
    for r in results:
        errors += r.enumeration.errors if r.enumeration is not None else ()
    for r in results:
        hs = r.handshake
        if r.kind is JobKind.HANDSHAKE and hs is not None and not hs.completed and hs.error_kind:
            if not expects_tls and hs.error_kind is ErrorKind.NOT_TLS:
                continue  # an unsecured port that does not speak TLS is doing its job, not failing
            errors.append(ProbeError(stage=Stage.HANDSHAKE, kind=hs.error_kind,
                                     message=hs.error_message or hs.error_kind.value))
    if plaintext.error is not None:
        errors.append(plaintext.error)
    return tuple(errors)


def _rehearsal(results: Sequence[JobResult], client_subject: str | None) -> Rehearsal | None:
    result = next((r for r in results if r.kind is JobKind.REHEARSAL), None)
    if result is None or client_subject is None:
        return None
    hs = result.handshake
    error = result.error
    if hs is not None and not hs.completed and hs.error_kind is not None:
        error = ProbeError(stage=Stage.REHEARSAL, kind=hs.error_kind,
                           message=hs.error_message or hs.error_kind.value)
    return Rehearsal(client_subject=client_subject, succeeded=bool(hs and hs.completed),
                     version=hs.version if hs else None, error=error)


def merge(endpoint: Endpoint, results: Sequence[JobResult], *,
          rehearsal_client: str | None = None) -> EndpointObservation:
    target = endpoint.target
    rehearsal = _rehearsal(results, rehearsal_client)
    connections = sum(r.attempts + r.extra_connections for r in results)
    results = [r for r in results if r.kind is not JobKind.REHEARSAL]
    first_result = next((r for r in results if r.kind is JobKind.HANDSHAKE), None)
    first = first_result.handshake if first_result else None
    plaintext = plaintext_finding(
        next((r.plaintext for r in results if r.plaintext is not None), None), first)
    best = _best_handshake(first, results)
    facts, problems = _chain_facts(best.chain_der) if best else ((), ())
    tls12_done = [r.handshake for r in results if r.handshake is not None and r.handshake.completed
                  and r.handshake.version != ProtocolVersion.TLS1_3]
    raw = next((r.enumeration for r in results if r.enumeration is not None), None)
    client_auth = None
    if first is not None and (first.completed or first.client_cert_requested):
        client_auth = ClientAuth(requested=first.client_cert_requested,
                                 required=first.client_cert_required, ca_names=first.ca_names)
    return EndpointObservation(
        pair=target.pair.name,
        role=target.server.role.value,
        port_id=target.port.id,
        host=target.server.host,
        address=endpoint.address,
        port=target.port.port,
        configured_mode=target.port.mode.value,
        ha_sync=target.port.ha_sync,
        expected=expected_for(target.server, target.port),
        reachable=None if first_result is None else first_result.connected,
        accepts_plaintext=plaintext.accepted,
        plaintext_evidence=plaintext.evidence,
        plaintext_case=plaintext.case,
        speaks_tls=None if first is None else _speaks_tls(first),
        negotiated_version=best.version if best else None,
        negotiated_cipher=best.cipher if best else None,
        protocols=tuple(_protocols(first, raw).items()),
        ciphers=None if raw is None else tuple(
            (v, raw.ciphers.get(v, ())) for v, ok in _protocols(first, raw).items() if ok),
        cipher_order=None if raw is None else tuple(
            (v, raw.cipher_order[v]) for v in ProtocolVersion if v in raw.cipher_order),
        groups=None if raw is None else raw.groups,
        groups_by_version=None if raw is None else _groups_by_version(raw),
        key_exchange=_key_exchange(raw),
        features=_features(raw, tls12_done),
        fallback_scsv_evidence=None if raw is None else raw.fallback_scsv_evidence,
        resumption=_resumption(first, raw),
        ocsp_stapling=_ocsp_stapling(first),
        connections=connections,
        retries=max(0, first_result.attempts - 1) if first_result else 0,
        client_auth=client_auth,
        certificate=facts[0] if facts else None,
        chain=facts,
        chain_problems=problems,
        rehearsal=rehearsal,
        errors=_errors(results, expects_tls=target.port.mode is not Mode.UNSECURED,
                       plaintext=plaintext),
    )


def unreached(endpoint: Endpoint, error: ProbeError) -> EndpointObservation:
    """An endpoint that never got a connection (DNS failure, interrupted before its turn)."""
    return merge(endpoint, [JobResult(kind=JobKind.HANDSHAKE, connected=False, error=error,
                                      attempts=0)])
