"""The GHA rules of docs/rules.md: what "Securing High Availability Connections" asks of a pair.

IDs and default severities are the contract; the texts below say it in the words a Genesys
administrator meets in Configuration Manager / GAX (Server Info, Port Info, Listening Mode, the
HA sync check box, certificates at host, application or port level), so a finding can be acted on.
"""

from __future__ import annotations

from hatls.catalog._info import RuleInfo, Scope
from hatls.findings import Severity

GUIDE = "Securing High Availability Connections"

GHA_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        id="GHA-001", severity=Severity.HIGH, scope=Scope.PAIR,
        title="The HA link is secured",
        statement=(
            "Every port the partner connects to after a failover (the port(s) flagged HA sync, "
            "else `default`; for a Configuration Server pair the `default` port unless "
            "consistent_port_selection) has Listening Mode Secured. A Configuration Server default "
            "port in Auto Detect (Upgrade) satisfies this rule (GHA-008 judges it). More than one "
            "HA sync port is a warning; a server with neither an HA sync port nor a `default` port "
            "fails: the partner has nothing to reach."),
        check=(
            "Inventory: the Listening Mode of each HA link port. Live: the HA link completes a TLS "
            "handshake and, when Secured, refuses plaintext. A live contradiction of the Listening "
            "Mode is TLS-002's finding too: this rule then fails as well and names it (`cause`); "
            "a link that answers nothing at all is an error, never a claim about plaintext."),
        remediation=(
            "In Server Info of both servers, create a port with the same ID and Select Listening "
            "Mode = Secured (transport tls=1), then in its Port Info tick HA sync; keep HA sync on "
            "one port per server. Configuration Server: set both default ports to Auto Detect "
            "(Upgrade)."),
        reference=f"{GUIDE}, steps 1 and 4",
    ),
    RuleInfo(
        id="GHA-002", severity=Severity.HIGH, scope=Scope.PAIR,
        title="Primary and backup have the same port IDs and Listening Modes",
        statement=(
            "Primary and backup have the same port IDs, and each ID has the same Listening Mode on "
            "both. Hot Standby pairs and Configuration Server pairs must match (fail); for other "
            "warm-standby pairs a difference on a port other than the HA link is a warning."),
        check=(
            "Inventory: port IDs and Listening Mode per ID. Live: each port's observed mode (TLS "
            "only / plaintext only / both) equals its twin's; a difference that comes from a side "
            "not behaving as configured counts too and names TLS-002 (`cause`)."),
        remediation=(
            "In Server Info > Listening Ports of the primary and the backup Application objects, "
            "give every port the same ID and the same Select Listening Mode on both servers."),
        reference=f"{GUIDE}, step 1 and Warning; Configuration Server section",
    ),
    RuleInfo(
        id="GHA-003", severity=Severity.HIGH, scope=Scope.PAIR,
        title="The HA sync port has the same ID and is flagged on both servers",
        statement=(
            "The HA sync port has the same ID on both servers and is flagged HA sync on both."),
        check=(
            "Inventory: the IDs of the ports whose HA sync check box is selected, on each server."),
        remediation=(
            "In the Listening Ports table of each server, Edit the port that carries the HA link "
            "and select the HA sync check box in its Port Info dialog; use the same port ID on "
            "both servers and clear HA sync on any other port."),
        reference=f"{GUIDE}, steps 1, 3 and 4",
    ),
    RuleInfo(
        id="GHA-004", severity=Severity.HIGH, scope=Scope.PAIR,
        title="The HA sync connection does not use a port-level certificate",
        statement=(
            "Genesys does not support a port with a port-level assigned certificate for the HA "
            "synchronization connection: the certificate is set at host or application level."),
        check=(
            "Inventory: certificate_level of the HA link port (the port's, else the server's). "
            "When unknown, live: the HA link presents a certificate that no other secured port of "
            "the same server presents while those agree among themselves = warning (looks "
            "port-level); a link without TLS is an error (its certificate was never seen)."),
        remediation=(
            "Remove the certificate from the HA sync port's transport parameters and configure it "
            "in the [security] section of the Application (or of the Host) object instead; "
            "record the level as certificate_level in the hatls inventory."),
        reference=f"{GUIDE}, Important note 2",
    ),
    RuleInfo(
        id="GHA-005", severity=Severity.CRITICAL, scope=Scope.PAIR,
        title="A backup on another host presents its own certificate",
        statement=(
            "A backup on a different host presents its own certificate, not the primary's "
            "propagated to it: certificate parameters set at Connection level propagate to the "
            "backup's Application object and must be corrected by hand."),
        check=(
            "Live, on the HA link ports: the same leaf fingerprint on both = fail, unless that "
            "certificate names both hosts = warning (one key on two hosts); different certificates "
            "= pass (whether the backup's names its host is TLS-032's). A side without TLS on its "
            "link is an error: whose certificate it has was not seen."),
        remediation=(
            "Open the backup's Application object and set its own certificate (UNIX: certificate, "
            "certificate-key, trusted-ca; Windows: the thumbprint of a certificate installed on "
            "the backup host) instead of the values propagated from the primary. On Windows a "
            "propagated thumbprint that is not installed on the backup host gives no TLS at all "
            "there (seen as TLS-001/TLS-002)."),
        reference=f"{GUIDE}, Important note 1",
    ),
    RuleInfo(
        id="GHA-006", severity=Severity.HIGH, scope=Scope.PAIR,
        title="Each server trusts the other",
        statement=(
            "Both leaf chains validate against the pair's trusted CA and, where mutual TLS is on, "
            "both certificates allow client authentication: the former primary is the client after "
            "a failover and Genesys uses one certificate as server and client certificate."),
        check=(
            "Live: each HA link chain validated against [tls].trusted_ca (the scan's CA when none "
            "is given: a failure then fails this rule too, naming TLS-031); the EKU of both leaves "
            "(no EKU or anyExtendedKeyUsage allows clientAuth). A link without a TLS handshake "
            "fails, naming TLS-002; an address that answered nothing is named in `silent`."),
        remediation=(
            "Issue both servers' certificates from the CA named in trusted-ca on both servers (the "
            "guide recommends one CA for all certificates); with tls-mutual=1, issue them with "
            "Extended Key Usage serverAuth and clientAuth."),
        reference=f"{GUIDE}; Genesys Security Deployment Guide, mutual TLS",
    ),
    RuleInfo(
        id="GHA-007", severity=Severity.HIGH, scope=Scope.PAIR,
        title="Both servers have the same TLS settings on the HA link",
        statement=(
            "The TLS settings of both servers are identical on the HA link: protocol versions, "
            "cipher suites, groups, client-certificate requirement."),
        check=(
            "Live, per HA link port: every answering primary address compared with every answering "
            "backup address; suites, and groups where both sides were probed per version, compare "
            "per version. The evidence lists each difference with the addresses it was seen on. A "
            "link without a TLS handshake fails, naming TLS-002."),
        remediation=(
            "Give both Application objects the same sec-protocol, cipher-list and tls-mutual "
            "(port, application or host level). On Windows, SChannel (the registry's protocol "
            "and cipher settings) overrides these options: align the two hosts' SChannel "
            "configuration too."),
        reference=f"{GUIDE}, step 1; Configuration Server section (instances must be identical)",
    ),
    RuleInfo(
        id="GHA-008", severity=Severity.HIGH, scope=Scope.PAIR,
        title="Configuration Server pair: default ports auto-upgrade, identical, warm standby",
        statement=(
            "A Configuration Server pair communicates securely only with both default ports in "
            "auto-upgrade (Auto Detect) mode, configured identically, in warm standby "
            "(Configuration Server supports only warm standby). Other pairs: does not apply."),
        check=(
            "Inventory: default port Listening Mode auto-detect on both, the same TLS options, "
            "redundancy warm-standby (hot-standby = warning). Live: the default port accepts "
            "plaintext on both and the two behave alike; plaintext without an immediate TLS "
            "handshake is a warning (the upgrade may happen inside the Genesys protocol); a "
            "default port that refuses plaintext fails, naming TLS-002."),
        remediation=(
            "On both Configuration Server Application objects set the default port's Listening "
            "Mode to Auto Detect (Upgrade), configure certificates as for a client of "
            "Configuration Server, keep both instances' options identical, and run them as a "
            "warm-standby pair."),
        reference=(
            f"{GUIDE}, Securing Connection Between Configuration Servers Configured as HA Pair"),
    ),
    RuleInfo(
        id="GHA-009", severity=Severity.HIGH, scope=Scope.PAIR,
        title="Failover rehearsal: each server reaches its partner's HA link with its own identity",
        statement=(
            "Presenting the identity the former primary would present (the server's "
            "client_certificate/client_key, else [pair.client], else [client]), a mutually "
            "authenticated handshake to the partner's HA link succeeds, and each side's chain "
            "verifies against the pair's CA."),
        check=(
            "Live, only where a client identity is given; otherwise skipped. A link without a TLS "
            "handshake fails, naming TLS-002; a server chain the pair's CA does not validate fails, "
            "naming GHA-006."),
        remediation=(
            "Make each server's certificate (the one it presents as a client after a failover) "
            "chain to the trusted-ca configured on its partner, with EKU clientAuth, and list the "
            "partner's CA in trusted-ca on both servers."),
        reference=f"{GUIDE}, step 4 (HA sync: the former primary connects to the new primary)",
    ),
)
