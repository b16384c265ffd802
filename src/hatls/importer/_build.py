"""From Genesys configuration objects to a draft inventory: one pure function, `build_draft`.

The rules (verified facts only; see docs/import.md for their sources):
- a pair is an application whose backup link names another application; the pair takes the
  primary's name. Hot and warm standby map to the inventory's values; cold standby and
  `NoHAType` with a backup have none, so the pair is left out with a warning;
- an application with no backup is a standalone `[pair.primary]` only when it is a server;
- ports with their ids and numbers; `tls=1` in a port's transport params is `secured`;
- TLS expectations from the port, then the application's options, its Annex, the host's Annex;
  `certificate_level` from the layer the certificate group came from;
- what the data cannot say (HA sync, Auto Detect, paths on the Genesys host) is a review note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from hatls.importer._draft import Draft, DraftPair, DraftPort, DraftServer, Outcome, PortTls
from hatls.importer._model import (
    Application,
    Configuration,
    Host,
    ImportProblem,
    PortInfo,
    SourceFormat,
    printable,
    problem,
)
from hatls.importer._security import (
    LEVEL_OF_LAYER,
    Layer,
    Layers,
    Setting,
    parse_transport,
    port_group,
    server_layers,
    truth,
)
from hatls.inventory import Mode, Redundancy, Role, SecProtocol, host_problem
from hatls.tls.suites import expand_openssl_cipher_string
from hatls.x509 import normalize_thumbprint

HA_SYNC_FIELDS = tuple(f"{kind}field{n}" for kind in ("long", "char") for n in range(1, 5))
REDUNDANCY = {"hthotstanby": Redundancy.HOT_STANDBY, "htwarmstanby": Redundancy.WARM_STANDBY}
NO_INVENTORY_REDUNDANCY = {"htcoldstanby": "cold standby", "htnohatype": "no HA type (NoHAType)"}
# The inventory's names for the types its rules know (docs/inventory.md, docs/rules.md); others keep the
# Genesys literal without "CFG".
APP_TYPE_NAMES = {
    "configurationserver": "Configuration Server",
    "tserver": "T-Server",
    "messageserver": "Message Server",
    "scs": "Solution Control Server",
}
CONFIGURATION_SERVER = "configurationserver"
# CfgAppType values that are not servers (GUIs and clients), as nuecho/mutagen lists them
# (`models/configuration/Application.kt`, notServerAppTypes); used only where the data carries no
# `isserver` flag (a mutagen export).
NOT_SERVER_TYPES = frozenset({
    "advisors", "agentdesktop", "agentview", "automatedworkflowengine", "billingclient", "ccview",
    "cmclient", "contactservermanager", "contentanalyzer", "eaclient", "gcnclient",
    "genesysadministrator", "genericclient", "infomartstatconfigurator", "interactionroutingdesigner",
    "interactionworkspace", "itcutility", "iwdmanager", "knowledgemanager", "lme",
    "reservedguiapplication1", "reservedguiapplication2", "responsemanager", "sce", "sci",
    "strategybuilder", "strategyscheduler", "strategysimulator", "thirdpartyapp", "virtualinteractivet",
    "voipdevice", "vssconsole", "webclient", "wfmclient", "wfmwebservices",
})
WHERE_HA_SYNC = "GAX: the application → Server Info → Listening Ports → the port → HA sync"
WHERE_MODE = "GAX: the application → Server Info → Listening Ports → the port → Listening Mode"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSettings:
    ha_sync_field: str | None = None  # "longfield1" ... "charfield4": where this site keeps HA sync


NO_SETTINGS = ImportSettings()


def build_draft(configuration: Configuration, sources: tuple[str, ...],
                settings: ImportSettings = NO_SETTINGS) -> Outcome:
    """The draft for `configuration`; errors mean there is none to write (exit 2)."""
    errors = list(configuration.problems)
    warnings: list[ImportProblem] = []
    applications = _unique(configuration.applications, errors)
    hosts = _unique_hosts(configuration.hosts, errors)
    _check_hosts(configuration, hosts, errors)
    primaries = _check_links(configuration, applications, errors)
    _check_port_ids(configuration, errors)
    empty = Draft(format=configuration.format, sources=sources, pairs=(),
                  ha_sync_field=settings.ha_sync_field)
    if errors:
        return Outcome(draft=empty, errors=tuple(errors))
    backups = {application.backup_key for application in primaries}
    pairs: list[DraftPair] = []
    clients = 0
    for application in configuration.applications:
        if application.backup_key is not None:
            pair = _pair(application, applications[application.backup_key], hosts, settings, warnings)
        elif application.key in backups:
            continue
        else:
            server = _is_server(application)
            if server is False:
                clients += 1
                continue
            pair = _standalone(application, server, hosts, settings, warnings)
        if pair is not None:
            pairs.append(pair)
    if not pairs:
        # An empty inventory would "validate" and scan nothing: no draft is better than that one.
        found = (f"{len(configuration.applications)} application(s), none a pair or a standalone server "
                 "hatls can scan (see the warnings)") if configuration.applications else \
            "no application objects (is it the right file, or the right --format?)"
        return Outcome(draft=empty, errors=(ImportProblem(file=", ".join(sources), subject="",
                                                          message=f"nothing to import: {found}"),),
                       warnings=tuple(warnings), left_out_clients=clients)
    pairs.sort(key=lambda pair: pair.name.casefold())
    return Outcome(draft=replace(empty, pairs=tuple(pairs)), warnings=tuple(warnings),
                   left_out_clients=clients)


def _unique(applications: tuple[Application, ...], errors: list[ImportProblem]) -> dict[str, Application]:
    by_key: dict[str, Application] = {}
    names = Counter(application.ref.name for application in applications)
    for application in applications:
        if names[application.ref.name] > 1:
            others = [str(a.ref) for a in applications
                      if a.ref.name == application.ref.name and a is not application]
            errors.append(problem(application.ref, f"duplicate name: also {', '.join(others)}"))
        elif application.key in by_key:
            errors.append(problem(application.ref, f"duplicate dbid: also {by_key[application.key].ref}"))
        by_key.setdefault(application.key, application)
    return by_key


def _unique_hosts(hosts: tuple[Host, ...], errors: list[ImportProblem]) -> dict[str, Host]:
    by_key: dict[str, Host] = {}
    names = Counter(host.name for host in hosts)
    for host in hosts:
        if names[host.name] > 1:
            others = [str(h.ref) for h in hosts if h.name == host.name and h is not host]
            errors.append(problem(host.ref, f"duplicate host name: also {', '.join(others)}"))
        elif host.key in by_key:
            errors.append(problem(host.ref, f"duplicate dbid: also {by_key[host.key].ref}"))
        by_key.setdefault(host.key, host)
    return by_key


def _check_hosts(configuration: Configuration, hosts: Mapping[str, Host],
                 errors: list[ImportProblem]) -> None:
    linked = [application for application in configuration.applications if application.host_key is not None]
    if linked and not hosts:
        # One message, not one per application: the host objects were not exported at all.
        kind = "CfgHost objects (GAX: type=CfgHost; a dump's Host.json)" \
            if configuration.format is SourceFormat.GAX_JSON else "hosts"
        errors.append(ImportProblem(file=linked[0].ref.file, subject="",
                                    message=f"applications name hosts, but the sources hold no {kind}: "
                                            "add them to the command line"))
        return
    for application in linked:
        if application.host_key not in hosts:
            host = _key_text(configuration, application.host_key)
            errors.append(problem(application.ref, f"its host {host} is not in the sources"))


def _key_text(configuration: Configuration, key: str | None) -> str:
    shown = printable(key or "")
    return f"dbid {shown}" if configuration.format is SourceFormat.GAX_JSON else repr(shown)


def _check_links(configuration: Configuration, applications: Mapping[str, Application],
                 errors: list[ImportProblem]) -> list[Application]:
    """The applications whose backup link is sound; every unsound link is an error."""
    linked = [application for application in configuration.applications if application.backup_key is not None]
    named_by: dict[str, list[Application]] = {}
    for application in linked:
        backup_key = application.backup_key
        assert backup_key is not None
        if backup_key == application.key:
            errors.append(problem(application.ref, "names itself as its backup"))
        elif backup_key not in applications:
            errors.append(problem(application.ref, f"its backup {_key_text(configuration, backup_key)} "
                                                   "is not in the sources"))
        else:
            named_by.setdefault(backup_key, []).append(application)
    sound: list[Application] = []
    for backup_key, primaries in named_by.items():
        backup = applications[backup_key]
        if len(primaries) > 1:
            errors.append(problem(backup.ref, "is the backup of more than one primary ("
                                  + ", ".join(str(p.ref) for p in primaries)
                                  + "); Genesys allows one primary per backup"))
            continue
        primary = primaries[0]
        if backup.backup_key == primary.key:
            if primary.ref.name < backup.ref.name:  # one message per cycle
                errors.append(problem(primary.ref, f"names {backup.ref} as its backup, which names it back "
                                                   "(a cycle): only the primary may name its backup"))
            continue
        if backup.backup_key is not None:
            errors.append(problem(backup.ref, f"is the backup of {primary.ref} and names a backup of its "
                                              "own: a chain of backups is no HA pair"))
            continue
        sound.append(primary)
    return sound


def _check_port_ids(configuration: Configuration, errors: list[ImportProblem]) -> None:
    """Two ports with one id: the inventory refuses it, so the draft would be wrong."""
    for application in configuration.applications:
        counts = Counter(port.id for port in application.ports)
        doubled = sorted(port_id for port_id, count in counts.items() if count > 1)
        if doubled:
            errors.append(problem(application.ref, "port id used twice: "
                                  + ", ".join(repr(printable(p)) for p in doubled)))


def _is_server(application: Application) -> bool | None:
    if application.is_server is not None:
        return application.is_server
    if application.app_type:
        return application.app_type.casefold() not in NOT_SERVER_TYPES
    return None


def _app_type(application: Application) -> str | None:
    if not application.app_type:
        return None
    return APP_TYPE_NAMES.get(application.app_type.casefold(), application.app_type)


def _pair(primary: Application, backup: Application, hosts: Mapping[str, Host], settings: ImportSettings,
          warnings: list[ImportProblem]) -> DraftPair | None:
    left_out = f"the pair of {primary.ref} and {backup.ref} is left out"
    redundancy = REDUNDANCY.get(primary.redundancy)
    if redundancy is None:
        meaning = NO_INVENTORY_REDUNDANCY.get(primary.redundancy)
        said = f"redundancy type {meaning}" if meaning else (
            f"redundancy type {printable(primary.redundancy)!r} is not known" if primary.redundancy
            else "no redundancy type in the data")
        warnings.append(problem(primary.ref, f"{said}, which no inventory value fits (hot-standby, "
                                             f"warm-standby): {left_out}"))
        return None
    first = _server(primary, Role.PRIMARY, hosts, settings, warnings, left_out)
    second = _server(backup, Role.BACKUP, hosts, settings, warnings, left_out)
    if first is None or second is None:
        return None
    reviews = list(_role_reviews(primary, backup))
    reviews += [r for app in (primary, backup) for r in _state_review(app)]
    cps, cps_reviews = _consistent_port_selection(primary, backup)
    reviews += cps_reviews
    if primary.redundancy != backup.redundancy and backup.redundancy:
        reviews.append(f"the backup's redundancy type is {printable(backup.redundancy)!r}, the primary's "
                       f"{printable(primary.redundancy)!r}; the pair takes the primary's: check both in GAX")
    if primary.app_type.casefold() != backup.app_type.casefold() and backup.app_type:
        reviews.append(f"the two applications have different types ({printable(primary.app_type)}, "
                       f"{printable(backup.app_type)}): check the pair in GAX")
    return _assemble(name=primary.ref.name, app_type=_app_type(primary), redundancy=redundancy,
                     consistent_port_selection=cps, servers=[first, second], reviews=reviews)


def _standalone(application: Application, server: bool | None, hosts: Mapping[str, Host],
                settings: ImportSettings, warnings: list[ImportProblem]) -> DraftPair | None:
    if application.is_primary is False:
        warnings.append(problem(application.ref, "marked as a backup (isprimary false), but no application "
                                                 "names it as its backup: left out"))
        return None
    if server is None:
        warnings.append(problem(application.ref, "its type is not in the data, so it is not known to be a "
                                                 "server: left out"))
        return None
    built = _server(application, Role.PRIMARY, hosts, settings, warnings, "left out")
    if built is None:
        return None
    cps, cps_reviews = _consistent_port_selection(application, None)
    return _assemble(name=application.ref.name, app_type=_app_type(application), redundancy=None,
                     consistent_port_selection=cps, servers=[built],
                     reviews=[*_state_review(application), *cps_reviews])


def _role_reviews(primary: Application, backup: Application) -> Iterable[str]:
    link = f"{printable(primary.ref.name)!r} names {printable(backup.ref.name)!r} as its backup"
    if primary.is_primary is False:
        yield (f"isprimary says {printable(primary.ref.name)!r} is not primary, but {link}; the draft "
               "follows the backup link: check the roles in GAX")
    if backup.is_primary is True:
        yield (f"isprimary says {printable(backup.ref.name)!r} is primary, but {link}; the draft follows the "
               "backup link: check the roles in GAX")


def _state_review(application: Application) -> Iterable[str]:
    if application.state and application.state != "enabled":
        yield (f"{printable(application.ref.name)!r} is {printable(application.state)} in the configuration: "
               "a scan will likely find it down")


def _consistent_port_selection(primary: Application,
                               backup: Application | None) -> tuple[bool | None, list[str]]:
    if primary.app_type.casefold() != CONFIGURATION_SERVER:
        return None, []
    values = [_system_option(app) for app in (primary, backup) if app is not None]
    chosen = values[0]
    parsed = truth(chosen) if chosen is not None else None
    said = "not set (Genesys default false)" if chosen is None else f"{printable(chosen)!r}"
    reviews = [f"consistent_port_selection: the configuration database says {said}, but a master "
               "Configuration Server reads [system] consistent-port-selection from its local .cfg file "
               "(CORM [system] section): check confserv.cfg on both hosts"]
    if chosen is not None and parsed is None:
        reviews.append(f"consistent-port-selection = {printable(chosen)!r} is not true or false: not written")
    if len(values) == 2 and values[0] != values[1]:
        reviews.append(f"the backup's consistent-port-selection ({values[1]!r}) differs from the primary's; "
                       "the draft writes the primary's")
    return parsed, reviews


def _system_option(application: Application) -> str | None:
    found = [p.value for p in application.options
             if p.section.strip() == "system" and p.key.strip() == "consistent-port-selection"]
    return found[-1].strip() if found else None


# --- one server ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _ServerTls:
    """What the layers above the ports say, converted once per server."""

    tls: PortTls
    group: tuple[Layer, dict[str, str]] | None  # the certificate group and its layer
    name_check: str | None

    @property
    def certificate(self) -> Setting | None:
        if self.group is None or "certificate" not in self.group[1]:
            return None
        return Setting(value=self.group[1]["certificate"], layer=self.group[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class _Port:
    draft: DraftPort
    certificate: Setting | None  # the certificate this port serves, as configured
    own_group: bool  # its transport params hold the certificate group


def _server(application: Application, role: Role, hosts: Mapping[str, Host], settings: ImportSettings,
            warnings: list[ImportProblem], consequence: str) -> tuple[DraftServer, _ServerTls] | None:
    if application.host_key is None:
        warnings.append(problem(application.ref, f"has no host: {consequence}"))
        return None
    if not application.ports:
        warnings.append(problem(application.ref, f"has no listening port: {consequence}"))
        return None
    host = hosts[application.host_key]
    host_trouble = host_problem(host.name)
    if host_trouble is not None:
        warnings.append(problem(host.ref, f"the name is no DNS name or IP address ({host_trouble}), so "
                                          f"{application.ref} cannot be scanned: {consequence}"))
        return None
    reviews: list[str] = []
    server_tls = _server_tls(server_layers(application, host), reviews)
    paired = role is Role.BACKUP or application.backup_key is not None
    ports = tuple(_port(application, port_info, server_tls, settings, paired=paired)
                  for port_info in application.ports)
    level = None
    if server_tls.group is not None and any(not port.own_group for port in ports):
        # Only what a port actually takes from above is worth a word.
        layer, group = server_tls.group
        certificate = server_tls.certificate
        if certificate is not None:
            level = LEVEL_OF_LAYER[certificate.layer]
        else:
            reviews.append(f"{layer} holds certificate settings but no certificate; Genesys takes provider, "
                           "certificate, certificate-key, trusted-ca and fips140-enabled from that one "
                           "layer, so no certificate below it is used")
        if "trusted-ca" in group:
            reviews.append(_path_review("trusted-ca", group["trusted-ca"], layer, "trusted_ca"))
    address, address_reviews = _address(host)
    reviews += address_reviews
    thumbprint, certificate_reviews = _thumbprint(ports)
    reviews += certificate_reviews
    source = f"{application.ref} on {host.ref}, from {printable(application.ref.file)}"
    server = DraftServer(role=role, host=host.name, address=address, certificate_level=level,
                         certificate_source=str(server_tls.group[0]) if level is not None and server_tls.group
                         else "",
                         thumbprint=thumbprint, ports=tuple(port.draft for port in ports), source=source,
                         reviews=tuple(reviews))
    return server, server_tls


def _address(host: Host) -> tuple[str | None, list[str]]:
    if not host.address or host.address == host.name:
        return None, []
    trouble = host_problem(host.address)
    if trouble is not None:
        return None, [f"the host's IP address {printable(host.address)!r} is not an address ({trouble}): "
                      "not written; hatls resolves the host name"]
    return host.address, []


def _server_tls(layers: Layers, reviews: list[str]) -> _ServerTls:
    tls = _converted(layers.first, reviews)
    crl = layers.first("tls-crl")
    if crl is not None and crl.value:
        reviews.append(_path_review("tls-crl", crl.value, crl.layer, "tls_crl"))
    name_check = None
    check = layers.first("tls-target-name-check")
    if check is not None:
        if check.value.casefold() == "host":
            name_check = "host"
        else:
            reviews.append(f"tls-target-name-check = {printable(check.value)!r} ({check.layer}): Genesys "
                           "checks names only with 'host'; hatls checks them unless [pair.tls] says "
                           "tls_target_name_check = \"\"")
    return _ServerTls(tls=tls, group=layers.certificate_group(), name_check=name_check)


def _path_review(option: str, value: str, layer: Layer, key: str) -> str:
    return (f"{option} = {printable(value)!r} ({layer}) is a path on the Genesys host: to use it, "
            f"copy the file next to this inventory and name the copy in [pair.tls] {key}")


def _converted(lookup: Callable[[str], Setting | None], reviews: list[str]) -> PortTls:
    """tls-mutual, sec-protocol and cipher-list as the inventory writes them; a value the
    inventory cannot take is a review note and is left out."""
    mutual = sec = ciphers = None
    found = lookup("tls-mutual")
    if found is not None:
        mutual = truth(found.value)
        if mutual is None:
            reviews.append(f"tls-mutual = {printable(found.value)!r} ({found.layer}) is not 1 or 0: "
                           "not written")
    found = lookup("sec-protocol")
    if found is not None:
        try:
            sec = SecProtocol(found.value)
        except ValueError:
            reviews.append(f"sec-protocol = {printable(found.value)!r} ({found.layer}) is not a Genesys "
                           "sec-protocol value: not written")
    found = lookup("cipher-list")
    if found is not None and found.value:
        try:
            expand_openssl_cipher_string(found.value)
            ciphers = found.value
        except ValueError:
            reviews.append(f"cipher-list = {printable(found.value)!r} ({found.layer}) is not an OpenSSL "
                           "cipher string hatls can read: not written")
    return PortTls(tls_mutual=mutual, sec_protocol=sec, cipher_list=ciphers)


def _port(application: Application, port_info: PortInfo, server_tls: _ServerTls,
          settings: ImportSettings, *, paired: bool) -> _Port:
    transport = parse_transport(port_info.transport_params)
    reviews: list[str] = []
    tls_value = transport.get("tls")
    secured = truth(tls_value) if tls_value is not None else False
    cs_default = application.app_type.casefold() == CONFIGURATION_SERVER and port_info.id == "default"
    reviews.append(_mode_review(tls_value, secured, transport.unknown(), transport.odd, cs_default))
    ha_sync, ha_reviews, notes = _ha_sync(port_info, settings.ha_sync_field)
    # A standalone server has no partner, so no HA link: its ha_sync changes no verdict.
    reviews += ha_reviews if paired else []

    def own(key: str) -> Setting | None:
        value = transport.get(key)
        return None if value is None else Setting(value=value, layer=Layer.PORT)

    mine = _converted(own, reviews)
    inherited = server_tls.tls
    tls = PortTls(
        tls_mutual=mine.tls_mutual if own("tls-mutual") else inherited.tls_mutual,
        sec_protocol=mine.sec_protocol if own("sec-protocol") else inherited.sec_protocol,
        cipher_list=mine.cipher_list if own("cipher-list") else inherited.cipher_list,
    )
    group = port_group(transport)
    certificate, level = server_tls.certificate, None
    if group:
        certificate = own("certificate")
        if certificate is not None:
            level = LEVEL_OF_LAYER[Layer.PORT]
        else:
            reviews.append("the transport params hold certificate settings but no certificate; Genesys "
                           "takes that group from the port alone, so this port has no certificate")
        if "trusted-ca" in group:
            reviews.append(_path_review("trusted-ca", group["trusted-ca"], Layer.PORT, "trusted_ca"))
    crl = transport.get("tls-crl")
    if crl:
        reviews.append(_path_review("tls-crl", crl, Layer.PORT, "tls_crl"))
    draft = DraftPort(id=port_info.id, port=port_info.port, mode=Mode.SECURED if secured else Mode.UNSECURED,
                      ha_sync=ha_sync, certificate_level=level, tls=tls, notes=tuple(notes),
                      reviews=tuple(reviews))
    return _Port(draft=draft, certificate=certificate, own_group=bool(group))


def _mode_review(tls_value: str | None, secured: bool | None, unknown: tuple[str, ...],
                 odd: tuple[str, ...], cs_default: bool) -> str:
    if secured:
        text = (f"Listening Mode: tls={printable(tls_value or '')}, so \"secured\". Check Port Info → "
                "Listening Mode says Secured")
    elif secured is None:
        text = (f"Listening Mode: tls={printable(tls_value or '')!r} is neither on nor off; \"unsecured\" is "
                "written only because a mode is required. Check Port Info → Listening Mode")
    else:
        text = ("Listening Mode: no tls=1, so \"unsecured\"; the export cannot tell Unsecured from Auto "
                "Detect (Upgrade). Check Port Info → Listening Mode; if Auto Detect, write "
                "mode = \"auto-detect\"")
    if unknown:
        text += f". The transport params also hold {printable('; '.join(unknown))}, unknown to hatls"
    if odd:
        text += f". Note: {printable('; '.join(odd))}"
    if cs_default:
        text += ". Configuration Server: the HA guide wants both default ports in Auto Detect (GHA-008)"
    return text


def _ha_sync(port: PortInfo, field: str | None) -> tuple[bool, list[str], list[str]]:
    if field is None:
        return False, ["HA sync: not in the export (no documented field holds it); written false. Check "
                       "Port Info → HA sync; if checked, write ha_sync = true"], []
    value = port.field(field)
    if value is None:
        return False, [f"HA sync: --ha-sync-field {field} is not in this port's data; written false. "
                       "Check Port Info → HA sync"], []
    parsed: bool | None
    if field.startswith("long"):
        stripped = value.strip().removeprefix("-")
        parsed = int(value) != 0 if stripped.isascii() and stripped.isdigit() else None
    else:
        parsed = truth(value)
    if parsed is None:
        return False, [f"HA sync: {field} = {printable(value)!r} is neither on nor off; written false. "
                       "Check Port Info → HA sync"], []
    return parsed, [], [f"ha_sync from {field} = {printable(value)!r} (--ha-sync-field)"]


def _thumbprint(ports: tuple[_Port, ...]) -> tuple[str | None, list[str]]:
    """The server's one certificate as a thumbprint, where the data names exactly one."""
    secured = [port for port in ports if port.draft.mode is Mode.SECURED]
    considered = secured or list(ports)
    values = sorted({port.certificate.value for port in considered if port.certificate is not None})
    if not values:
        if secured:
            return None, ["a port is secured, but no certificate is set at port, application or host "
                          "level: check [security] certificate in GAX"]
        return None, []
    if len(values) > 1:
        return None, ["the ports use different certificates (" + ", ".join(repr(printable(v)) for v in values)
                      + "); the inventory's thumbprint is per server: not written"]
    if any(port.certificate is None for port in considered):
        return None, ["some ports have a certificate and some none: thumbprint not written"]
    digits = normalize_thumbprint(values[0])
    if len(digits) in (40, 64) and all(c in "0123456789abcdef" for c in digits):
        return digits, []
    return None, [f"certificate = {printable(values[0])!r} is no Windows thumbprint (a file on a UNIX "
                  "host?): hatls cannot read it there. To pin the served certificate, write its SHA-1 "
                  "or SHA-256 as thumbprint"]


# --- the pair ---------------------------------------------------------------------------------


def _assemble(*, name: str, app_type: str | None, redundancy: Redundancy | None,
              consistent_port_selection: bool | None, servers: list[tuple[DraftServer, _ServerTls]],
              reviews: list[str]) -> DraftPair:
    drafted = [server for server, _ in servers]
    checks = {tls.name_check for _, tls in servers}
    name_check = "host" if checks == {"host"} else None
    all_ports = [port for server in drafted for port in server.ports]
    common = PortTls(
        tls_mutual=_common(port.tls.tls_mutual for port in all_ports),
        sec_protocol=_common(port.tls.sec_protocol for port in all_ports),
        cipher_list=_common(port.tls.cipher_list for port in all_ports),
    )
    trimmed = tuple(replace(server, ports=tuple(replace(port, tls=_without(port.tls, common))
                                                for port in server.ports)) for server in drafted)
    return DraftPair(name=name, app_type=app_type, redundancy=redundancy,
                     consistent_port_selection=consistent_port_selection, name_check=name_check, tls=common,
                     primary=trimmed[0], backup=trimmed[1] if len(trimmed) > 1 else None,
                     reviews=tuple(reviews))


T = TypeVar("T")


def _common(values: Iterable[T | None]) -> T | None:
    distinct = set(values)
    return next(iter(distinct)) if len(distinct) == 1 else None


def _without(tls: PortTls, common: PortTls) -> PortTls:
    return PortTls(
        tls_mutual=None if common.tls_mutual is not None else tls.tls_mutual,
        sec_protocol=None if common.sec_protocol is not None else tls.sec_protocol,
        cipher_list=None if common.cipher_list is not None else tls.cipher_list,
    )
