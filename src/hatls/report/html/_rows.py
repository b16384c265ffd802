"""What the side-by-side view shows of one endpoint, row by row, and what each row means.

Each row reads an observation into display items (``None`` = not probed); _compare decides
how the two sides compare. The row kind says whether a difference is drift (MATCH), expected
(IDENTITY) or context (INFO); the hint names the rule that judges it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from hatls.observations import EndpointObservation, PlaintextCase
from hatls.report.html._compare import Item, RowKind, plain, state_item
from hatls.report.html._text import day, expiry, fingerprint, flag, moment, shown, shown_list
from hatls.tls.protocol import ProtocolVersion
from hatls.twins import TwinKey, TwinSetting
from hatls.x509 import CertificateFacts

Items = tuple[Item, ...] | None
Reader = Callable[[EndpointObservation, datetime], Items]


@dataclass(frozen=True, slots=True, kw_only=True)
class RowSpec:
    label: str
    kind: RowKind
    read: Reader
    hint: str = ""
    empty: str = "none"
    optional: bool = False   # left out when neither side has anything to show
    # The items of the twin table (hatls.twins) this row shows: its tone is theirs, the one
    # GHA-007 judges by, not a comparison of display texts of its own.
    twin: tuple[TwinKey, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RowGroup:
    title: str
    specs: tuple[RowSpec, ...]


def _items(values: tuple[str, ...] | None) -> Items:
    return None if values is None else tuple(Item(text=t) for t in shown_list(values))


def _speaks(o: EndpointObservation, _: datetime) -> Items:
    if o.speaks_tls is None and o.accepts_plaintext is None:
        return None
    return (state_item("TLS handshake", o.speaks_tls), state_item("plaintext", o.accepts_plaintext))


_EVIDENCE_CHARS = 240  # a probe's evidence sentence, bytes quoted: bounded like any server text


def _case(case: PlaintextCase | None, evidence: str | None) -> Items:
    if case is None:
        return None
    return plain(case.value, shown(evidence, _EVIDENCE_CHARS) if evidence else None)


def _versions(o: EndpointObservation, _: datetime) -> Items:
    states = dict(o.protocols)
    if all(states.get(v) is None for v in ProtocolVersion):
        return None
    return tuple(state_item(v, states.get(v)) for v in ProtocolVersion)


def _suites(version: str, o: EndpointObservation, _: datetime) -> Items:
    return None if o.ciphers is None else _items(dict(o.ciphers).get(version, ()))


def _groups(version: str, o: EndpointObservation, _: datetime) -> Items:
    if o.groups_by_version is None:
        return None
    by_version = dict(o.groups_by_version)
    if version not in by_version and o.groups is None:
        return None  # that version's groups could not be found
    return _items(by_version.get(version, ()))


def _cipher_order(o: EndpointObservation, _: datetime) -> Items:
    # "server": the suites above are listed in the server's order of preference.
    if not o.cipher_order:
        return None
    return plain(*(f"{shown(v, 40)}: {order or 'not determined'} order" for v, order in o.cipher_order))


def _key_exchange(o: EndpointObservation, _: datetime) -> Items:
    kx = o.key_exchange
    if kx.dh_min_bits is None and kx.ecdh_min_bits is None:
        return None
    return plain(None if kx.dh_min_bits is None else f"DH {kx.dh_min_bits} bits (smallest)",
                 None if kx.ecdh_min_bits is None else f"ECDH {kx.ecdh_min_bits} bits (smallest)")


_FEATURES = (("secure renegotiation", "secure_renegotiation"),
             ("client renegotiation", "client_renegotiation"), ("compression", "compression"),
             ("fallback SCSV", "fallback_scsv"),
             ("extended master secret", "extended_master_secret"),
             ("encrypt-then-MAC", "encrypt_then_mac"))


def _features(o: EndpointObservation, _: datetime) -> Items:
    values = [(label, getattr(o.features, name)) for label, name in _FEATURES]
    if all(v is None for _, v in values):
        return None
    return tuple(state_item(label, v) for label, v in values)


def _resumption(o: EndpointObservation, _: datetime) -> Items:
    r = o.resumption
    if r.session_ticket_tls12 is None and r.tickets_tls13 is None:
        return None
    tickets = None if r.tickets_tls13 is None else f"TLS 1.3: {r.tickets_tls13} session ticket(s)"
    return (state_item("TLS ≤ 1.2 session ticket", r.session_ticket_tls12), *plain(tickets))


def _ocsp(o: EndpointObservation, _: datetime) -> Items:
    s = o.ocsp_stapling
    if s.stapled is None:
        return None
    if not s.stapled:
        return (state_item("OCSP response stapled", False),)
    status = s.cert_status or f"response {shown(s.response_status or 'unreadable', 40)}"
    revoked = None if s.revocation_time is None else f"revoked {moment(s.revocation_time)}"
    match = None if s.serial_matches_leaf in (None, True) else "for another certificate (serial)"
    return (state_item("OCSP response stapled", True), *plain(
        f"certificate status: {shown(status, 40)}", revoked,
        None if s.this_update is None else f"this update {moment(s.this_update)}",
        None if s.next_update is None else f"next update {moment(s.next_update)}",
        None if s.responder is None else f"responder {shown(s.responder)}", match))


def _client_cert(o: EndpointObservation, _: datetime) -> Items:
    auth = o.client_auth
    if auth is None:
        return None
    return (state_item("requested", auth.requested), state_item("required", auth.required))


def _expected(o: EndpointObservation, _: datetime) -> Items:
    e = o.expected
    return (state_item("mutual TLS", e.tls_mutual), state_item("name check", e.name_check),
            *plain(None if e.sec_protocol is None
                   else f'sec-protocol "{shown(e.sec_protocol, 60)}"',
                   None if e.cipher_list is None else f"cipher-list {shown(e.cipher_list)}",
                   None if e.min_days_valid is None else f"valid ≥ {e.min_days_valid} days"))


def _on_leaf(read: Callable[[CertificateFacts, datetime], Items]) -> Reader:
    def reader(o: EndpointObservation, now: datetime) -> Items:
        return None if o.certificate is None else read(o.certificate, now)
    return reader


def _key(c: CertificateFacts) -> str:
    bits = "" if c.key_bits is None else f" {c.key_bits} bits"
    curve = "" if c.key_curve is None else f" {shown(c.key_curve)}"
    return f"{shown(c.key_type)}{curve}{bits}"


def _rehearsal(o: EndpointObservation, _: datetime) -> Items:
    r = o.rehearsal
    if r is None:
        return None
    who = f"mutual handshake as {shown(r.client_subject)}"
    if r.succeeded:
        version = "" if r.version is None else f" ({shown(r.version, 20)})"
        return plain(f"{who} succeeded{version}")
    why = "" if r.error is None else f": {r.error.kind.value}: {shown(r.error.message)}"
    return plain(f"{who} failed{why}")


def _errors(o: EndpointObservation, _: datetime) -> Items:
    return _items(tuple(f"{e.stage.value} · {e.kind.value}: {e.message}" for e in o.errors))


_LISTENER = RowGroup(title="Listener", specs=(
    RowSpec(label="Host", kind=RowKind.IDENTITY, read=lambda o, _: plain(shown(o.host))),
    RowSpec(label="Address", kind=RowKind.IDENTITY,
            read=lambda o, _: plain(f"{shown(o.address)} port {o.port}")),
    RowSpec(label="Listening mode", kind=RowKind.MATCH, hint="GHA-002",
            read=lambda o, _: plain(shown(o.configured_mode))),
    RowSpec(label="HA sync port", kind=RowKind.MATCH, hint="GHA-003",
            read=lambda o, _: plain(flag(o.ha_sync))),
    RowSpec(label="Reachable", kind=RowKind.MATCH, hint="TLS-001",
            read=lambda o, _: plain(flag(o.reachable))),
    RowSpec(label="Speaks", kind=RowKind.MATCH, hint="TLS-002, GHA-008", read=_speaks),
    # Which plaintext case was seen (docs/design.md): a refusal by HTTP 400 and one by a TLS alert both
    # read "plaintext off" above; this row says which, in the probe's words.
    RowSpec(label="Plaintext probe", kind=RowKind.INFO, hint="TLS-002", optional=True,
            read=lambda o, _: _case(o.plaintext_case, o.plaintext_evidence)),
    RowSpec(label="Expected (inventory)", kind=RowKind.MATCH, read=_expected),
    RowSpec(label="Pinned thumbprint", kind=RowKind.IDENTITY, hint="TLS-034", optional=True,
            read=lambda o, _: plain(None if o.expected.thumbprint is None
                                    else fingerprint(o.expected.thumbprint))),
))

_CLIENT = RowGroup(title="Client certificate", specs=(
    RowSpec(label="Client certificate", kind=RowKind.MATCH, hint="TLS-040, GHA-007",
            read=_client_cert, twin=(TwinKey(setting=TwinSetting.CLIENT_AUTH_REQUESTED),
                                     TwinKey(setting=TwinSetting.CLIENT_AUTH_REQUIRED))),
    RowSpec(label="Advertised CA names", kind=RowKind.MATCH, hint="TLS-040",
            empty="none advertised",
            read=lambda o, _: None if o.client_auth is None else _items(o.client_auth.ca_names)),
))

_LEAF = RowGroup(title="Certificate", specs=(
    RowSpec(label="Subject", kind=RowKind.IDENTITY, hint="TLS-032",
            read=_on_leaf(lambda c, _: plain(shown(c.subject)))),
    RowSpec(label="Subject alt. names", kind=RowKind.IDENTITY, hint="TLS-032",
            read=_on_leaf(lambda c, _: _items(c.san))),
    RowSpec(label="Issuer", kind=RowKind.MATCH, hint="GHA-006",
            read=_on_leaf(lambda c, _: plain(shown(c.issuer)))),
    RowSpec(label="SHA-256", kind=RowKind.IDENTITY, hint="GHA-005, TLS-034",
            read=_on_leaf(lambda c, _: plain(fingerprint(c.sha256)))),
    RowSpec(label="Serial", kind=RowKind.IDENTITY,
            read=_on_leaf(lambda c, _: plain(shown(c.serial)))),
    RowSpec(label="Valid from", kind=RowKind.INFO,
            read=_on_leaf(lambda c, _: plain(day(c.not_before)))),
    RowSpec(label="Expires", kind=RowKind.INFO, hint="TLS-030",
            read=_on_leaf(lambda c, now: plain(expiry(c.not_after, now)))),
    RowSpec(label="Key", kind=RowKind.MATCH, hint="TLS-033",
            read=_on_leaf(lambda c, _: plain(_key(c)))),
    RowSpec(label="Signature", kind=RowKind.MATCH, hint="TLS-033",
            read=_on_leaf(lambda c, _: plain(shown(c.signature_algorithm)))),
    RowSpec(label="Extended key usage", kind=RowKind.MATCH, hint="TLS-035, GHA-006",
            read=_on_leaf(lambda c, _: plain("no EKU extension") if c.eku is None
                          else _items(c.eku))),
    RowSpec(label="Self-signed", kind=RowKind.MATCH, hint="TLS-036",
            read=_on_leaf(lambda c, _: plain(flag(c.self_signed)))),
    RowSpec(label="Chain sent", kind=RowKind.MATCH, hint="TLS-031",
            read=lambda o, _: None if o.certificate is None
            else plain(f"{len(o.chain)} certificate(s)")),
    RowSpec(label="Chain problems", kind=RowKind.INFO, hint="TLS-031", optional=True,
            read=lambda o, _: None if o.certificate is None else _items(o.chain_problems)),
    # A fact, not a rule: no policy judges it (the Mozilla policies list it as not checked).
    RowSpec(label="OCSP stapling", kind=RowKind.INFO, read=_ocsp),
))

_PROBE = RowGroup(title="Probe", specs=(
    RowSpec(label="Failover rehearsal", kind=RowKind.INFO, hint="GHA-009", optional=True,
            read=_rehearsal),
    RowSpec(label="Probe errors", kind=RowKind.INFO, optional=True, read=_errors),
))


def _suite_versions(observations: tuple[EndpointObservation | None, ...]) -> tuple[str, ...]:
    seen = {v for o in observations if o is not None and o.ciphers is not None
            for v, _ in o.ciphers}
    known = tuple(v for v in ProtocolVersion if v in seen)
    return known + tuple(sorted(seen - set(ProtocolVersion)))


def _group_versions(observations: tuple[EndpointObservation | None, ...]) -> tuple[str, ...]:
    seen = {v for o in observations if o is not None and o.groups_by_version is not None
            for v, _ in o.groups_by_version}
    return tuple(v for v in ProtocolVersion if v in seen)


def _group_rows(primary: EndpointObservation | None,
                backup: EndpointObservation | None) -> tuple[RowSpec, ...]:
    """Groups per version side by side where the report has them, else the union."""
    return tuple(RowSpec(label=f"Groups {v}", kind=RowKind.MATCH, hint="TLS-022, GHA-007",
                         read=partial(_groups, v),
                         twin=(TwinKey(setting=TwinSetting.GROUPS, version=v),))
                 for v in _group_versions((primary, backup))) or (
        RowSpec(label="Named groups", kind=RowKind.MATCH, hint="TLS-022, GHA-007",
                read=lambda o, _: _items(o.groups), twin=(TwinKey(setting=TwinSetting.GROUPS),)),)


def _protocol_group(primary: EndpointObservation | None,
                    backup: EndpointObservation | None) -> RowGroup:
    versions = _suite_versions((primary, backup))
    suites = tuple(RowSpec(label=f"Suites {shown(v, 40)}", kind=RowKind.MATCH,
                           hint="TLS-020, GHA-007", read=partial(_suites, v),
                           twin=(TwinKey(setting=TwinSetting.CIPHERS, version=v),))
                   for v in versions) or (
        RowSpec(label="Cipher suites", kind=RowKind.MATCH, hint="TLS-020, GHA-007",
                read=lambda o, _: None if o.ciphers is None else (),
                twin=(TwinKey(setting=TwinSetting.CIPHERS),)),)
    return RowGroup(title="Protocol", specs=(
        RowSpec(label="Versions", kind=RowKind.MATCH, hint="TLS-010, GHA-007", read=_versions,
                twin=(TwinKey(setting=TwinSetting.PROTOCOLS),)),
        *suites,
        RowSpec(label="Suite order", kind=RowKind.INFO, optional=True, read=_cipher_order),
        *_group_rows(primary, backup),
        RowSpec(label="Key exchange", kind=RowKind.MATCH, hint="TLS-022", read=_key_exchange),
        RowSpec(label="Fallback SCSV seen", kind=RowKind.INFO, hint="TLS-043", optional=True,
                read=lambda o, _: plain(shown(o.fallback_scsv_evidence, _EVIDENCE_CHARS)
                                        if o.fallback_scsv_evidence else None) or None),
        RowSpec(label="Negotiated", kind=RowKind.INFO, optional=True,
                read=lambda o, _: plain(o.negotiated_version, o.negotiated_cipher) or None),
        RowSpec(label="Features", kind=RowKind.MATCH, hint="TLS-041 … TLS-045", read=_features),
        RowSpec(label="Session resumption", kind=RowKind.INFO, read=_resumption),
    ))


def row_groups(primary: EndpointObservation | None,
               backup: EndpointObservation | None) -> tuple[RowGroup, ...]:
    """The rows for one port on both servers (suite rows depend on the versions either accepts)."""
    return (_LISTENER, _protocol_group(primary, backup), _CLIENT, _LEAF, _PROBE)
