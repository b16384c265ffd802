"""The inventory ``hatls init`` writes: every key of docs/inventory.md, explained where it is used.

The template must load as it is (tests check it with ``parse_inventory``), so everything that
names a file or depends on the site is written as a commented-out setting. Two kinds of comment,
as in sshd_config: ``#key = value`` (``#`` then a letter or ``[``) is a setting one enables by
deleting the ``#``; ``# text`` explains. The tests enable every setting at once and load the
result too, so no commented example can rot into an error.
"""

from __future__ import annotations

DEFAULT_INVENTORY_NAME = "inventory.toml"

INVENTORY_TEMPLATE = """\
# hatls inventory: which primary/backup pairs to scan, and what to expect of them.
#
# Check it, connecting to nothing:   hatls validate inventory.toml
# Scan it:                           hatls scan inventory.toml --json report.json --html report.html
#
# "#key = value" lines are optional settings: delete the "#" to use one. "# " lines explain.
# Names and values follow the Genesys configuration (Server Info, Port Info, the TLS options),
# written with underscores, so they can be copied from Configuration Manager or GAX.
# File paths are relative to the folder of this file.

# The format of this file. Required; only version 1 exists.
version = 1

# [scan]: how hatls scans. All optional; command-line flags override them.
[scan]
# A built-in policy (`hatls policies` lists them) or the path of a policy file.
policy = "genesys-ha"
# Seconds allowed for a TCP connect, and for one TLS exchange.
connect_timeout = 5.0
handshake_timeout = 10.0
# Politeness towards production servers (the HA sync link may be one of the ports): never more
# connections at once to one address, nor in the whole scan.
max_connections_per_host = 4
max_connections = 256
# CA certificates (PEM) to validate the servers' chains with. Default: the system trust store.
#trusted_ca = ["pki/corp-root.pem"]
# The network zone of every server that names none: `hatls scan --zone Z` probes one zone's
# servers only, `hatls merge` judges the zone reports together (docs/zones.md).
#zone = "dc-east"
# Accepted risks (see `hatls scan --help`): a TOML file of [[waiver]] entries, each with rule,
# pair, reason, ticket and expires; a waived finding is shown but no longer breaks compliance.
#waivers = "waivers.toml"

# [report]: how the report presents itself to a change board (HTML heading, PDF metadata, JSON,
# JUnit and SARIF). All optional; --title, --change and --prepared-by override them.
#[report]
#title = "TLS review of the HA pairs"
#change = "CHG0012345"
#prepared_by = "Platform team"

# [client]: the certificate hatls presents to ports that require one (tls_mutual). Optional.
# Certificate and key go together. An encrypted key's password is read from the environment
# variable named here, never from this file.
#[client]
#certificate = "pki/scanner.pem"
#key = "pki/scanner.key"
#key_password_env = "HATLS_KEY_PASSWORD"

# [tls]: what every secured port should do. [pair.tls] overrides it for one pair, and a port's
# own tls_mutual, sec_protocol and cipher_list override both, key by key.
[tls]
# Genesys sec-protocol, without dots:
#   ""        highest version both sides support, from TLS 1.2 up (TLS 1.2, TLS 1.3)
#   "SSLv23"  highest version both sides support, from TLS 1.1 up
#   "TLSv12"  exactly TLS 1.2          "TLSv13"  exactly TLS 1.3
#   "TLSv11", "TLSv1", "SSLv3": older releases (the policy fails them)
# Leave the key out and versions are judged by the policy alone.
sec_protocol = ""
# Genesys cipher-list: the suites a port may accept. Either a list of IANA or OpenSSL names,
# which limits the TLS versions its names belong to, or one OpenSSL cipher string such as
#   cipher_list = "ECDHE+AESGCM:!aNULL"
# which, as in OpenSSL, limits TLS 1.2 and below only. Empty or left out: the policy decides.
#cipher_list = ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"]
# Genesys tls-mutual: servers request and require a client certificate on secured ports.
tls_mutual = false
# Genesys tls-target-name-check: "host" (or true) = certificates must name their host;
# "" (or false) = not checked.
tls_target_name_check = "host"
# A certificate that expires within this many days is a finding (this wins over the policy).
min_days_valid = 30
# Genesys trusted-ca: the CA certificates the two servers of a pair trust each other with.
#trusted_ca = ["pki/corp-root.pem"]
# Genesys tls-crl: a CRL (PEM or DER) the servers use; served chains are checked against it.
#tls_crl = "pki/corp.crl"

# One [[pair]] per primary/backup pair. A standalone server is a [[pair]] with only
# [pair.primary]: its pair checks then say "skipped".
[[pair]]
# Unique; the reports use it.
name = "tserver-sip-01"
# The application type, free text; "Configuration Server" turns on that server's own rules.
app_type = "T-Server"
# "hot-standby" (the default) or "warm-standby".
redundancy = "hot-standby"

# The primary server: its Server Info and Port Info.
[pair.primary]
# The name its certificate must carry; also sent as SNI unless it is an IP address.
host = "tsrv-a.example.com"
# Connect to this address instead of resolving host.
#address = "192.0.2.10"
# The network zone it is reachable from, if not [scan] zone's.
#zone = "dc-east"
# Where the certificate is configured in Genesys: "host", "application" or "port".
# Left out: unknown, and the certificate-placement check (GHA-004) judges what it sees.
certificate_level = "application"
# The certificate the server must present: its SHA-1 (the `certificate` option on Windows) or
# SHA-256 thumbprint. Paste it as shown: colons, spaces and invisible marks are dropped.
#thumbprint = "3c 5f 0b 1e 98 27 d4 46 71 aa 02 9e 5b c1 7d 40 e8 2f 63 9a"
# The identity this server presents when, after a failover, it connects to its partner
# (GHA-009). Genesys uses the server's own certificate as its client certificate.
#client_certificate = "pki/tsrv-a.pem"
#client_key = "pki/tsrv-a.key"
#client_key_password_env = "TSRV_A_KEY_PASSWORD"
# Port Info: id, port number and Listening Mode: "unsecured", "secured" or "auto-detect"
# (Auto Detect (Upgrade): takes plain clients and lets them upgrade to TLS).
# ha_sync = true marks the port the partner connects to for HA synchronization.
# A port may also set certificate_level, and its own tls_mutual, sec_protocol and cipher_list.
ports = [
  { id = "default", port = 3000, mode = "unsecured" },
  { id = "secure", port = 3001, mode = "secured", ha_sync = true },
  #{ id = "t2", port = 3002, mode = "secured", certificate_level = "port", tls_mutual = true },
  #{ id = "t3", port = 3003, mode = "secured", sec_protocol = "TLSv12" },
  #{ id = "t4", port = 3004, mode = "secured", cipher_list = "ECDHE+AESGCM" },
]

# The backup server: configured like the primary, and hatls compares the two side by side.
[pair.backup]
host = "tsrv-b.example.com"
#address = "192.0.2.11"
certificate_level = "application"
ports = [
  { id = "default", port = 3000, mode = "unsecured" },
  { id = "secure", port = 3001, mode = "secured", ha_sync = true },
]

# [pair.tls]: this pair's TLS expectations, over [tls]; any key of [tls] may appear here.
#[pair.tls]
#tls_mutual = true

# [pair.client]: the identity for this pair's failover rehearsal (GHA-009), when the servers do
# not carry client_certificate and client_key of their own.
#[pair.client]
#certificate = "pki/tsrv.pem"
#key = "pki/tsrv.key"
#key_password_env = "TSRV_KEY_PASSWORD"

# A Configuration Server pair: the guide wants both default ports in auto-detect mode and the
# two instances configured alike; Configuration Server runs warm standby only.
#[[pair]]
#name = "confserv-01"
#app_type = "Configuration Server"
#redundancy = "warm-standby"
# Configuration Server's [system] consistent-port-selection: the backup reaches the primary on
# the HA sync port only when true, otherwise on the default port (the Genesys default: false).
#consistent_port_selection = false
#[pair.primary]
#host = "cs-a.example.com"
#ports = [ { id = "default", port = 2020, mode = "auto-detect" } ]
#[pair.backup]
#host = "cs-b.example.com"
#ports = [ { id = "default", port = 2020, mode = "auto-detect" } ]
"""
