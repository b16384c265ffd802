"""Certificate chains as sent, per pair: each distinct chain once, with every port that sent it.

A host-level certificate is sent by every secured port of a server; listing it once with its
ports shows at a glance which ports share a certificate (GHA-004 looks for the HA port that
does not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hatls.observations import EndpointObservation
from hatls.report.html._text import day, expiry, fingerprint, shown, shown_list
from hatls.x509 import CertificateFacts


@dataclass(frozen=True, slots=True, kw_only=True)
class CertView:
    position: str
    subject: str
    issuer: str
    serial: str
    valid_from: str
    expires: str
    expired: bool
    key: str
    signature: str
    sha256: str
    sha1: str
    eku: tuple[str, ...]
    is_ca: bool
    self_signed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainView:
    anchor: str
    roles: tuple[str, ...]           # which servers sent it: "primary", "backup" or both
    presented_by: tuple[str, ...]    # "primary · secure · 10.1.2.3 port 3001"
    certs: tuple[CertView, ...]
    problems: tuple[str, ...]


def _position(index: int, count: int, cert: CertificateFacts) -> str:
    if index == 0:
        return "leaf"
    if index == count - 1 and cert.self_signed:
        return "root"
    return "intermediate" if cert.is_ca else "extra certificate"


def _key_text(cert: CertificateFacts) -> str:
    parts = [shown(cert.key_type), shown(cert.key_curve) if cert.key_curve else "",
             f"{cert.key_bits} bits" if cert.key_bits is not None else ""]
    return " ".join(p for p in parts if p)


def cert_view(index: int, count: int, cert: CertificateFacts, now: datetime) -> CertView:
    return CertView(
        position=_position(index, count, cert), subject=shown(cert.subject),
        issuer=shown(cert.issuer), serial=shown(cert.serial), valid_from=day(cert.not_before),
        expires=expiry(cert.not_after, now), expired=cert.not_after <= now, key=_key_text(cert),
        signature=shown(cert.signature_algorithm),
        sha256=fingerprint(cert.sha256), sha1=fingerprint(cert.sha1),
        eku=("no EKU extension",) if cert.eku is None else shown_list(cert.eku),
        is_ca=cert.is_ca, self_signed=cert.self_signed,
    )


def _sent(obs: EndpointObservation) -> tuple[CertificateFacts, ...]:
    if obs.chain:
        return obs.chain
    return () if obs.certificate is None else (obs.certificate,)


def _label(obs: EndpointObservation) -> str:
    where = f"{shown(obs.address, 80)} port {obs.port}"
    return f"{shown(obs.role, 40)} · {shown(obs.port_id, 80)} · {where}"


def chain_views(observations: Iterable[EndpointObservation], now: datetime, *,
                anchor_prefix: str) -> tuple[ChainView, ...]:
    """Distinct chains (by their fingerprints) in the order first seen."""
    order: list[tuple[str, ...]] = []
    first: dict[tuple[str, ...], EndpointObservation] = {}
    senders: dict[tuple[str, ...], list[EndpointObservation]] = {}
    for obs in observations:
        chain = _sent(obs)
        if not chain:
            continue
        key = tuple(c.sha256 for c in chain)
        if key not in first:
            order.append(key)
            first[key] = obs
        senders.setdefault(key, []).append(obs)
    views = []
    for number, key in enumerate(order, start=1):
        obs = first[key]
        chain = _sent(obs)
        problems = sorted({p for o in senders[key] for p in o.chain_problems})
        views.append(ChainView(
            anchor=f"{anchor_prefix}-chain-{number}",
            roles=tuple(dict.fromkeys(shown(o.role, 40) for o in senders[key])),
            presented_by=tuple(_label(o) for o in senders[key]),
            certs=tuple(cert_view(i, len(chain), c, now) for i, c in enumerate(chain)),
            problems=shown_list(problems),
        ))
    return tuple(views)
