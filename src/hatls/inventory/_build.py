"""From a parsed TOML document to an `Inventory`, checking every key on the way.

Every builder reports what is wrong through the `Checker` and goes on, so one run lists all the
problems of a file. A builder returns None when a required part of its value is unusable; the
caller then refuses the whole inventory (any problem at all refuses it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hatls._toml import Checker, Table, check_unique, index_key, join_key, or_default
from hatls.inventory._files import client_identity, read_ca_list
from hatls.inventory._model import (
    ClientIdentity,
    Inventory,
    Pair,
    Redundancy,
    ReportLabels,
    Role,
    ScanSettings,
)
from hatls.inventory._reading import not_a_regular_file
from hatls.inventory._servers import build_server, zone_name
from hatls.inventory._tls import TLS_KEYS, TlsLayer, tls_layer
from hatls.policy import BUILTIN_POLICIES

SUPPORTED_VERSION = 1
TOP_KEYS = ("version", "scan", "client", "tls", "pair", "report")
REPORT_KEYS = ("title", "change", "prepared_by")
# Printed in every report's heading and the PDF's metadata: short by nature.
MAX_LABEL_CHARS = 200
SCAN_KEYS = (
    "policy",
    "connect_timeout",
    "handshake_timeout",
    "max_connections_per_host",
    "max_connections",
    "trusted_ca",
    "waivers",
    "zone",
)
CLIENT_KEYS = ("certificate", "key", "key_password_env")
PAIR_KEYS = ("name", "app_type", "redundancy", "consistent_port_selection")
PAIR_TABLES = ("primary", "backup", "tls", "client")


def build_inventory(
    checker: Checker, base_dir: str, document: Table, *, path: str, sha256: str
) -> Inventory | None:
    checker.known_keys(document, TOP_KEYS, "")
    version = _version(checker, document)
    scan = _scan_settings(checker, base_dir, checker.table(document, "scan", "") or {})
    client = _client(checker, base_dir, document, "", "client")
    file_tls = _tls_table(checker, base_dir, document, "", "tls")
    pairs = _pairs(checker, base_dir, document, file_tls)
    labels = report_labels(checker, checker.table(document, "report", "") or {})
    if checker.problems or version is None or scan is None or pairs is None:
        return None
    if scan.zone is not None:
        pairs = tuple(_in_default_zone(pair, scan.zone) for pair in pairs)
    return Inventory(version=version, path=path, sha256=sha256, scan=scan, client=client, pairs=pairs,
                     report=labels)


def report_labels(checker: Checker, table: Table) -> ReportLabels:
    """`[report]`: title, change (the change-request id) and prepared_by, for the report's head."""
    checker.known_keys(table, REPORT_KEYS, "report")
    values: dict[str, str | None] = {}
    for key in REPORT_KEYS:
        value = checker.string(table, key, "report")
        if value is not None and (len(value) > MAX_LABEL_CHARS or not value.isprintable()):
            checker.report(f"report.{key}", f"must be one line of at most {MAX_LABEL_CHARS} characters")
            value = None
        values[key] = value.strip() or None if value is not None else None
    return ReportLabels(**values)


def _version(checker: Checker, document: Table) -> int | None:
    value = document.get("version")
    if value is None:
        checker.report("version", f"required key is missing: write version = {SUPPORTED_VERSION}")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value != SUPPORTED_VERSION:
        checker.report(
            "version",
            f"unsupported version {value!r}: this hatls reads version = {SUPPORTED_VERSION}",
        )
        return None
    return value


def _scan_settings(checker: Checker, base_dir: str, table: Table) -> ScanSettings | None:
    checker.known_keys(table, SCAN_KEYS, "scan")
    problems_before = len(checker.problems)
    policy = _policy(checker, base_dir, checker.string(table, "policy", "scan"))
    connect = checker.seconds(table, "connect_timeout", "scan")
    handshake = checker.seconds(table, "handshake_timeout", "scan")
    per_host = checker.integer(table, "max_connections_per_host", "scan", minimum=1)
    overall = checker.integer(table, "max_connections", "scan", minimum=1)
    trusted = read_ca_list(checker, base_dir, table.get("trusted_ca", []), "scan.trusted_ca")
    waivers = checker.string(table, "waivers", "scan")
    if waivers is not None and not waivers.strip():
        checker.report("scan.waivers", "must name a waivers file")
    zone = zone_name(checker, table, "scan")
    if len(checker.problems) > problems_before:
        return None
    defaults = ScanSettings()
    return ScanSettings(
        policy=or_default(policy, defaults.policy),
        connect_timeout=or_default(connect, defaults.connect_timeout),
        handshake_timeout=or_default(handshake, defaults.handshake_timeout),
        max_connections_per_host=or_default(per_host, defaults.max_connections_per_host),
        max_connections=or_default(overall, defaults.max_connections),
        trusted_ca=or_default(trusted, defaults.trusted_ca),
        # Relative to the inventory's folder, as PEM paths and policy files are.
        waivers=None if waivers is None else str(Path(base_dir, waivers)),
        zone=zone,
    )


def _in_default_zone(pair: Pair, zone: str) -> Pair:
    """`[scan] zone` for every server of ``pair`` that names none itself."""
    primary = pair.primary if pair.primary.zone else replace(pair.primary, zone=zone)
    backup = pair.backup if pair.backup is None or pair.backup.zone else replace(pair.backup, zone=zone)
    return replace(pair, primary=primary, backup=backup)


def _policy(checker: Checker, base_dir: str, written: str | None) -> str | None:
    """A built-in name, or a policy file relative to the inventory's folder (as PEM paths are).

    The file is only found here, so a typo is an inventory error naming its line; what the file
    says is the policy loader's to judge. A relative path is returned joined to the folder, so
    the scan finds the file whatever its working directory.
    """
    if written is None or written in BUILTIN_POLICIES:
        return written
    if not written.strip():
        checker.report("scan.policy", "must name a policy or a policy file")
        return None
    resolved = Path(base_dir, written)
    # Only a regular file may reach the policy loader, which reads all of it.
    refusal = not_a_regular_file(resolved)
    if refusal is not None:
        checker.report(
            "scan.policy",
            f"{written!r} is not a built-in policy ({', '.join(BUILTIN_POLICIES)}) "
            f"and not a policy file: {refusal}",
        )
        return None
    return str(resolved)


def _client(
    checker: Checker, base_dir: str, parent: Table, parent_path: str, key: str
) -> ClientIdentity | None:
    """`[client]` or `[pair.client]`: certificate and key, both or neither."""
    table = checker.table(parent, key, parent_path)
    if table is None:
        return None
    path = join_key(parent_path, key)
    checker.known_keys(table, CLIENT_KEYS, path)
    return client_identity(checker, base_dir, table, path)


def _tls_table(checker: Checker, base_dir: str, parent: Table, parent_path: str, key: str) -> TlsLayer:
    table = checker.table(parent, key, parent_path)
    if table is None:
        return {}
    path = join_key(parent_path, key)
    checker.known_keys(table, TLS_KEYS, path)
    return tls_layer(checker, base_dir, table, path)


def _pairs(checker: Checker, base_dir: str, document: Table, file_tls: TlsLayer) -> tuple[Pair, ...] | None:
    entries = checker.array_of_tables(document, "pair", "")
    if entries is None and "pair" in document:
        return None
    if not entries:
        # docs/report.md: an inventory with no pair is a usage error, never a compliant scan of nothing.
        checker.report("pair", "the inventory has no pair: add at least one [[pair]] table")
        return None
    check_unique(checker, entries, "name", "pair", "pair name")
    pairs = [
        _pair(checker, base_dir, entry, index_key("pair", number), file_tls)
        for number, entry in enumerate(entries, start=1)
    ]
    return tuple(pair for pair in pairs if pair is not None) if None not in pairs else None


def _pair(checker: Checker, base_dir: str, entry: object, path: str, file_tls: TlsLayer) -> Pair | None:
    if not isinstance(entry, dict):
        checker.wrong_type(path, "a table ([[pair]])", entry)
        return None
    checker.known_keys(entry, PAIR_KEYS + PAIR_TABLES, path)
    name = checker.string(entry, "name", path, required=True)
    app_type = checker.string(entry, "app_type", path)
    redundancy = checker.choice(entry, "redundancy", path, Redundancy)
    consistent = checker.boolean(entry, "consistent_port_selection", path)
    inherited = (file_tls, _tls_table(checker, base_dir, entry, path, "tls"))
    primary_table = checker.table(entry, "primary", path, required=True)
    backup_table = checker.table(entry, "backup", path)
    primary = backup = None
    if primary_table is not None:
        primary = build_server(checker, base_dir, primary_table, path, Role.PRIMARY, inherited)
    if backup_table is not None:
        backup = build_server(checker, base_dir, backup_table, path, Role.BACKUP, inherited)
    client = _client(checker, base_dir, entry, path, "client")
    if name is None or primary is None or (backup_table is not None and backup is None):
        return None
    return Pair(
        name=name,
        app_type=or_default(app_type, ""),
        redundancy=or_default(redundancy, Redundancy.HOT_STANDBY),
        consistent_port_selection=or_default(consistent, False),
        primary=primary,
        backup=backup,
        client=client,
    )
