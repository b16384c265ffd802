"""Where a TLS option comes from: the layers Genesys reads, in the order it reads them.

Platform SDK (`GConfigTlsPropertyReader`, `ServerConfigurationHelper`) reads a listening port's
TLS options from the port's transport params, then the application's options `[security]`,
then the application's Annex `[security]`, then the host's Annex `[security]`, key by key —
except `provider`, `certificate`, `certificate-key`, `trusted-ca` and `fips140-enabled`, which
are taken *together* from the first layer that holds any of them (certificate settings from two
levels are never mixed). Transport params are `key=value;key=value` with no spaces (CORM,
Transport Parameter Options).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatls.importer._model import Application, Host, Property, printable
from hatls.inventory import CertificateLevel

SECURITY_SECTION = "security"
CERTIFICATE_GROUP = ("provider", "certificate", "certificate-key", "trusted-ca", "fips140-enabled")
# Transport keys hatls knows; any other is named in the Listening Mode review (the keyword for
# Auto Detect (Upgrade) was not found in any Genesys document, so it may be one of them).
KNOWN_TRANSPORT_KEYS = frozenset({
    "tls", "tls-mutual", "sec-protocol", "cipher-list", "tls-crl", "tls-target-name-check",
    "tls-version", "protocol-list", *CERTIFICATE_GROUP,
})
TRUE_WORDS = ("1", "true", "yes", "on")  # `tls` in Java apps also takes these (KC "TLS with Genesys Servers")
FALSE_WORDS = ("0", "false", "no", "off", "")


class Layer(StrEnum):
    PORT = "the port's transport params"
    APP_OPTIONS = "the application's options [security]"
    APP_ANNEX = "the application's Annex [security]"
    HOST_ANNEX = "the host's Annex [security]"


LEVEL_OF_LAYER = {
    Layer.PORT: CertificateLevel.PORT,
    Layer.APP_OPTIONS: CertificateLevel.APPLICATION,
    Layer.APP_ANNEX: CertificateLevel.APPLICATION,
    Layer.HOST_ANNEX: CertificateLevel.HOST,
}


def truth(value: str) -> bool | None:
    folded = value.strip().casefold()
    return True if folded in TRUE_WORDS else False if folded in FALSE_WORDS else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    value: str
    layer: Layer


@dataclass(frozen=True, slots=True, kw_only=True)
class Transport:
    """A port's transport params, parsed; `odd` says what Genesys may not read as we do."""

    items: tuple[tuple[str, str], ...]
    odd: tuple[str, ...] = ()

    def get(self, key: str) -> str | None:
        found = [value for name, value in self.items if name == key]
        return found[-1] if found else None

    def unknown(self) -> tuple[str, ...]:
        return tuple(f"{name}={value}" for name, value in self.items if name not in KNOWN_TRANSPORT_KEYS)


def parse_transport(text: str) -> Transport:
    items: list[tuple[str, str]] = []
    odd: list[str] = []
    for piece in text.split(";"):
        if not piece.strip():
            continue
        name, equals, value = piece.partition("=")
        if piece != piece.strip() or name != name.strip() or value != value.strip():
            odd.append(f"spaces in {printable(piece)!r} (Genesys writes key=value;key=value with none)")
        if not equals:
            odd.append(f"{printable(piece.strip())!r} has no '='")
        items.append((name.strip().casefold(), value.strip()))
    seen = [name for name, _ in items]
    odd.extend(f"{name!r} is set {seen.count(name)} times"
               for name in sorted(set(seen)) if seen.count(name) > 1)
    return Transport(items=tuple(items), odd=tuple(odd))


@dataclass(frozen=True, slots=True, kw_only=True)
class Layers:
    """The layers above the port (application options, application Annex, host Annex)."""

    entries: tuple[tuple[Layer, tuple[tuple[str, str], ...]], ...]

    def first(self, key: str) -> Setting | None:
        for layer, items in self.entries:
            for name, value in items:
                if name == key:
                    return Setting(value=value, layer=layer)
        return None

    def certificate_group(self) -> tuple[Layer, dict[str, str]] | None:
        """The first layer holding any certificate-group key, and that layer's group keys."""
        for layer, items in self.entries:
            group = {name: value for name, value in items if name in CERTIFICATE_GROUP}
            if group:
                return layer, group
        return None


def _security(properties: tuple[Property, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((p.key.strip().casefold(), p.value.strip()) for p in properties
                 if p.section.strip() == SECURITY_SECTION)


def server_layers(application: Application, host: Host) -> Layers:
    return Layers(entries=(
        (Layer.APP_OPTIONS, _security(application.options)),
        (Layer.APP_ANNEX, _security(application.annex)),
        (Layer.HOST_ANNEX, _security(host.annex)),
    ))


def port_group(transport: Transport) -> dict[str, str]:
    return {name: value for name, value in transport.items if name in CERTIFICATE_GROUP}
