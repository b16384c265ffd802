"""The draft inventory as values: what the builders decide and the TOML writer renders.

Every value the data does not settle carries a *review* note where it is written; the terminal
lists the same notes (`review_items`). Nothing here is a guess dressed as a fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatls.importer._model import ImportProblem, SourceFormat
from hatls.inventory import CertificateLevel, Mode, Redundancy, Role, SecProtocol


@dataclass(frozen=True, slots=True, kw_only=True)
class PortTls:
    """The port-level TLS keys docs/inventory.md allows (also used for `[pair.tls]`)."""

    tls_mutual: bool | None = None
    sec_protocol: SecProtocol | None = None
    cipher_list: str | None = None  # one OpenSSL cipher string, as Genesys holds it


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftPort:
    id: str
    port: int
    mode: Mode
    ha_sync: bool = False
    certificate_level: CertificateLevel | None = None
    tls: PortTls = PortTls()
    notes: tuple[str, ...] = ()  # plain comments (where a value came from)
    reviews: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftServer:
    role: Role
    host: str
    address: str | None = None
    certificate_level: CertificateLevel | None = None
    certificate_source: str = ""  # the layer the certificate came from, for a comment
    thumbprint: str | None = None
    ports: tuple[DraftPort, ...]
    source: str = ""  # which object(s) this server was read from
    reviews: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftPair:
    name: str
    app_type: str | None = None
    redundancy: Redundancy | None = None
    consistent_port_selection: bool | None = None
    name_check: str | None = None  # "host" or None (not written)
    tls: PortTls = PortTls()
    primary: DraftServer
    backup: DraftServer | None = None
    reviews: tuple[str, ...] = ()  # about the pair as a whole


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    format: SourceFormat
    sources: tuple[str, ...]
    pairs: tuple[DraftPair, ...]
    ha_sync_field: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """A draft, or the reasons there is none: `errors` (exit 2, nothing written) and `warnings`
    (a pair left out; the rest is written)."""

    draft: Draft
    errors: tuple[ImportProblem, ...] = ()
    warnings: tuple[ImportProblem, ...] = ()
    left_out_clients: int = 0  # applications that are not servers, left out silently


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewItem:
    pair: str
    where: str  # "pair", "primary", "backup port default (3000)"
    text: str


def review_items(draft: Draft) -> tuple[ReviewItem, ...]:
    """Every review note, by pair and port, in the order the draft is written."""
    items: list[ReviewItem] = []
    for pair in draft.pairs:
        items.extend(ReviewItem(pair=pair.name, where="pair", text=text) for text in pair.reviews)
        for server in (pair.primary, pair.backup):
            if server is None:
                continue
            role = server.role.value
            items.extend(ReviewItem(pair=pair.name, where=role, text=text) for text in server.reviews)
            for port in server.ports:
                where = f"{role} port {port.id} ({port.port})"
                items.extend(ReviewItem(pair=pair.name, where=where, text=text) for text in port.reviews)
    return tuple(items)
