"""The draft as commented TOML, in the layout of docs/inventory.md (ports as inline tables).

Every string from the sources is untrusted: values are TOML basic strings with every control
character escaped, and comments go through `printable`, so no name can end a comment and
smuggle a setting into the file.
"""

from __future__ import annotations

import textwrap

from hatls.importer._draft import Draft, DraftPair, DraftPort, DraftServer, PortTls
from hatls.importer._model import SourceFormat, printable

_FORMAT_NAMES = {
    SourceFormat.GAX_JSON: "GAX JSON (CfgApplication, CfgHost)",
    SourceFormat.MUTAGEN_JSON: "a mutagen JSON export",
    SourceFormat.CSV: "CSV",
}
_WIDTH = 100


def toml_string(text: str) -> str:
    escaped = []
    for char in text:
        code = ord(char)
        if char == '"':
            escaped.append('\\"')
        elif char == "\\":
            escaped.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            escaped.append(f"\\u{code:04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _comment(text: str, indent: str = "", prefix: str = "") -> list[str]:
    lines = textwrap.wrap(printable(text, limit=2000), width=_WIDTH - len(indent) - 2 - len(prefix),
                          break_long_words=False, break_on_hyphens=False) or [""]
    first, rest = lines[0], lines[1:]
    return [f"{indent}# {prefix}{first}", *(f"{indent}#   {line}" for line in rest)]


def _review(text: str, indent: str = "") -> list[str]:
    return _comment(text, indent, prefix="review: ")


def render_draft(draft: Draft) -> str:
    sources = ", ".join(printable(source) for source in draft.sources)
    lines = _comment(f"Draft inventory written by `hatls import` from {_FORMAT_NAMES[draft.format]}: "
                     f"{sources}.")
    lines += [
        "# Every \"# review:\" comment names something the data cannot say: check it (in GAX, say),",
        "# correct the value it sits above, delete the comment. Then:",
        "#   hatls validate <this file>",
        "#   hatls scan <this file> --json report.json --html report.html",
    ]
    if draft.format is not SourceFormat.CSV:
        lines += [
            "# Not in any documented field of the export, so never guessed: HA sync and Auto Detect.",
            "# \"Port Info\" below is, in GAX: the application → Server Info → Listening Ports → the port.",
            "# Paths on the Genesys hosts (trusted-ca, tls-crl) are review comments, not settings.",
        ]
    if draft.ha_sync_field:
        lines.append(f"# ha_sync is read from the ports' {draft.ha_sync_field} (--ha-sync-field).")
    lines += ["", "version = 1"]
    for pair in draft.pairs:
        lines += ["", "", *_pair(pair)]
    return "\n".join(lines) + "\n"


def _pair(pair: DraftPair) -> list[str]:
    lines: list[str] = []
    for server in (pair.primary, pair.backup):
        if server is not None and server.source:
            lines += _comment(f"{server.role.value}: {server.source}")
    lines += ["[[pair]]", f"name = {toml_string(pair.name)}"]
    if pair.app_type is not None:
        lines.append(f"app_type = {toml_string(pair.app_type)}")
    if pair.redundancy is not None:
        lines.append(f"redundancy = {toml_string(pair.redundancy.value)}")
    for text in pair.reviews:
        lines += _review(text)
    if pair.consistent_port_selection is not None:
        lines.append(f"consistent_port_selection = {_bool(pair.consistent_port_selection)}")
    tls = _tls_items(pair.tls)
    if pair.name_check is not None:
        tls.append(("tls_target_name_check", toml_string(pair.name_check)))
    if tls:
        lines += ["", "[pair.tls]", *(f"{key} = {value}" for key, value in tls)]
    for server in (pair.primary, pair.backup):
        if server is not None:
            lines += ["", *_server(server)]
    return lines


def _server(server: DraftServer) -> list[str]:
    lines = [f"[pair.{server.role.value}]", f"host = {toml_string(server.host)}"]
    if server.address is not None:
        lines.append(f"address = {toml_string(server.address)}")
    if server.certificate_level is not None:
        if server.certificate_source:
            lines += _comment(f"the certificate is set in {server.certificate_source}")
        lines.append(f"certificate_level = {toml_string(server.certificate_level.value)}")
    if server.thumbprint is not None:
        lines.append(f"thumbprint = {toml_string(server.thumbprint)}")
    for text in server.reviews:
        lines += _review(text)
    lines.append("ports = [")
    for port in server.ports:
        lines += _port(port)
    lines.append("]")
    return lines


def _port(port: DraftPort) -> list[str]:
    lines: list[str] = []
    for text in port.notes:
        lines += _comment(text, indent="  ")
    for text in port.reviews:
        lines += _review(text, indent="  ")
    items = [("id", toml_string(port.id)), ("port", str(port.port)), ("mode", toml_string(port.mode.value)),
             ("ha_sync", _bool(port.ha_sync))]
    if port.certificate_level is not None:
        items.append(("certificate_level", toml_string(port.certificate_level.value)))
    items += _tls_items(port.tls)
    lines.append("  { " + ", ".join(f"{key} = {value}" for key, value in items) + " },")
    return lines


def _tls_items(tls: PortTls) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    if tls.tls_mutual is not None:
        items.append(("tls_mutual", _bool(tls.tls_mutual)))
    if tls.sec_protocol is not None:
        items.append(("sec_protocol", toml_string(tls.sec_protocol.value)))
    if tls.cipher_list is not None:
        items.append(("cipher_list", toml_string(tls.cipher_list)))
    return items


def _bool(value: bool) -> str:
    return "true" if value else "false"
