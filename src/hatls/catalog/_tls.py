"""The TLS rules of docs/rules.md: each endpoint against the policy and the inventory's expectations.

IDs and default severities are the contract. Remediation names the Genesys option to change
(`sec-protocol`, `cipher-list`, `tls-mutual`, `certificate`, `trusted-ca`, `tls-crl`, Listening
Mode) where one exists; references cite the standard section or the Genesys guide page.
"""

from __future__ import annotations

from hatls.catalog._info import RuleInfo, Scope
from hatls.findings import Severity

SDG = "Genesys Security Deployment Guide"
_CRIT, _HIGH, _MED, _LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
_POLICY = "the active policy (`hatls policies`)"


def _rule(rule_id: str, severity: Severity, title: str, statement: str, check: str,
          remediation: str, reference: str) -> RuleInfo:
    return RuleInfo(id=rule_id, severity=severity, scope=Scope.ENDPOINT, title=title,
                    statement=statement, check=check, remediation=remediation,
                    reference=reference)


TLS_RULES: tuple[RuleInfo, ...] = (
    _rule("TLS-001", _HIGH, "The port is reachable",
          "The port accepts a TCP connection. A warm-standby backup that refuses connections (or "
          "accepts and closes before any byte) is a warning: it accepts clients only once "
          "promoted, so verify it during a switchover. Any other unreachable port is an error.",
          "TCP connect within the connect timeout; never pass otherwise.",
          "Check that the server is running and listening on the port given in Server Info > "
          "Listening Ports, and that no firewall blocks it. For a warm-standby backup, repeat the "
          "scan after a switchover.",
          "docs/rules.md \"When rules apply\"; Framework Deployment Guide, Redundant Configuration "
          "Servers (a warm-standby backup accepts no clients until promoted)"),
    _rule("TLS-002", _HIGH, "The port speaks what its Listening Mode says",
          "secured = TLS only; unsecured = no TLS; auto-detect = plaintext accepted (whether an "
          "immediate TLS handshake works is GHA-008's). A secured port that also accepts "
          "plaintext fails: a banner or non-TLS answer, or silence while the port also answers "
          "TLS promptly. An HTTP 4xx answer (an HTTPS server telling the client to use TLS), a "
          "TLS alert or a close is a refusal; a port that answers nothing at all is an error "
          "(timeout), never a claim.",
          "An immediate TLS handshake and a plaintext probe on separate connections, read "
          "together; the evidence names the plaintext case seen (plaintext_case).",
          "In Port Info set Select Listening Mode to match the intent (Secured sets tls=1 in the "
          "port's transport parameters); check that the port's `certificate` is installed (on "
          "Windows the thumbprint must exist in the host's certificate store, else no TLS at all).",
          f"{SDG}, Securing Connections Using TLS; Securing High Availability Connections, step 1"),
    _rule("TLS-010", _HIGH, "No protocol version outside the policy is accepted",
          "No protocol version outside the policy's allowed versions is accepted; a version the "
          "policy marks discouraged is a warning, any other a failure.",
          "Each version from SSLv2 to TLS 1.3 offered alone.",
          "Set `sec-protocol` to a value that excludes the version (\"\" = TLS 1.2 and up, "
          "TLSv12, TLSv13); on Windows disable the version in SChannel (registry), which "
          "overrides `sec-protocol`.",
          "RFC 8996 (TLS 1.0/1.1 deprecated); RFC 7568 (SSLv3); RFC 6176 (SSLv2); "
          f"{_POLICY}"),
    _rule("TLS-011", _MED, "Accepted versions match `sec_protocol`",
          "The accepted versions match the inventory's `sec_protocol` expectation: at least one "
          "of its versions is accepted and none outside it. Skipped when no `sec_protocol` is "
          "given.",
          "Version enumeration against the docs/inventory.md `sec_protocol` table.",
          "Make the server's `sec-protocol` option (port, application or host level) the value "
          "the inventory expects. On Windows, SChannel registry settings override `sec-protocol`: "
          "check them when the option is right but the wire differs.",
          f"{SDG}, Advanced TLS (sec-protocol); docs/inventory.md sec_protocol table"),
    _rule("TLS-012", _MED, "Every version the policy requires is accepted",
          "Every version the policy requires is accepted (e.g. NIST: TLS 1.3). Skipped when the "
          "policy requires none.",
          "Version enumeration.",
          "Enable the version: `sec-protocol` = \"\" (TLS 1.2 and up) or TLSv13 with a Security "
          "Pack that supports TLS 1.3 (OpenSSL 1.1.1 or later); on Windows enable it in SChannel.",
          f"NIST SP 800-52 Rev. 2 §3.1; {_POLICY}"),
    _rule("TLS-020", _HIGH, "Every accepted cipher suite is allowed",
          "Every accepted cipher suite is in the policy's allow-list for its version (one list for "
          "TLS ≤ 1.2, one for TLS 1.3), and in the inventory's `cipher_list` where that is set.",
          "Suite enumeration per version; evidence names each offending suite and version.",
          "Restrict the server's `cipher-list` option to the allowed suites (an OpenSSL cipher "
          "string on UNIX, e.g. ECDHE+AESGCM:ECDHE+CHACHA20); on Windows set the SChannel cipher "
          "suite order policy.",
          f"RFC 9325 §4.2; {SDG}, Advanced TLS (cipher lists); {_POLICY}"),
    _rule("TLS-021", _MED, "TLS ≤ 1.2 suites have forward secrecy",
          "Every accepted TLS ≤ 1.2 suite uses an ephemeral key exchange (ECDHE or DHE). The "
          "policy may make this a warning or turn it off. Skipped when only TLS 1.3 is accepted.",
          "Suite enumeration; the key exchange of each accepted suite.",
          "Remove static RSA, DH and ECDH suites from `cipher-list` (e.g. add !kRSA to the "
          "OpenSSL cipher string).",
          f"RFC 9325 §4.1 and §4.2; {_POLICY}"),
    _rule("TLS-022", _MED, "Key exchange is as strong as the policy says",
          "DH groups are at least the policy's dh_min_bits, ECDH at least its ecdh_min_bits, every "
          "accepted named group is in its allow-list (where it has one; a discouraged group is a "
          "warning), and at least one of its required groups is accepted.",
          "Group enumeration per version (TLS 1.3, and the newest TLS ≤ 1.2 version with ECDHE or "
          "DHE suites, RFC 7919 ffdhe groups included), judged on their union; the smallest DH "
          "prime of any DHE ServerKeyExchange, including one answering a hello with no ffdhe group "
          "(what a client older than RFC 7919 gets). Groups compare by their nominal size "
          "(X25519 = 256, a hybrid as its classical part).",
          "Configure the server's groups/curves (OpenSSL Groups or ECDH curves; SChannel ECC curve "
          "order on Windows) and DH parameters of at least 2048 bits (RFC 7919 ffdhe2048).",
          f"RFC 7919; RFC 9325 §4.1; NIST SP 800-52 Rev. 2 §3.4.2.2; {_POLICY}"),
    _rule("TLS-030", _CRIT, "The certificate is within its validity period",
          "The leaf certificate is valid at scan time; one that expires within `min_days_valid` "
          "days (the inventory's value, else the policy's) is a warning.",
          "Leaf notBefore/notAfter against the scan's start time.",
          "Renew the certificate and update the `certificate` option (the PEM file on UNIX, the "
          "thumbprint on Windows) on every server that uses it, then restart or reload the port.",
          "RFC 5280 §4.1.2.5"),
    _rule("TLS-031", _HIGH, "The chain validates to a trusted CA",
          "The chain the server sends validates to a CA of `[scan].trusted_ca` (else the system "
          "store): signatures, validity and CA constraints. An intermediate missing from the "
          "chain but found among the trusted CAs is a warning (incomplete chain), and so is an "
          "out-of-order chain. Names and EKU are TLS-032's and TLS-035's.",
          "cryptography's X.509 verifier at the scan's start time, with relaxed extension "
          "policies so one defect is one finding.",
          "Configure the full chain in the `certificate` option (UNIX: comma-delimited PEM list, "
          "leaf first, then each issuer), issued by the CA the servers' `trusted-ca` names.",
          f"RFC 5280 §6; RFC 8446 §4.4.2; {SDG}, What You Need"),
    _rule("TLS-032", _HIGH, "The certificate names its host",
          "When `tls_target_name_check` is on, the certificate names the host it is served from "
          "(RFC 6125: SANs decide when present, one left-most wildcard label; an IP host matches "
          "IP SANs only). A certificate with no SAN whose CN matches is a warning (older Security "
          "Packs check the CN only).",
          "Name check of the leaf against the inventory's `host`.",
          "Issue the certificate with a subjectAltName DNS entry for the host name Genesys uses "
          "(the Host object's name) and install it on that server; a backup needs its own.",
          f"RFC 6125 §6; {SDG}, TLS SNI Extension Support (tls-target-name-check)"),
    _rule("TLS-033", _HIGH, "Keys and signatures are as strong as the policy says",
          "The leaf key's type, size and EC curve, and the leaf's signature algorithm, are in the "
          "policy's certificate table; no certificate below the trust anchor is signed with MD5 "
          "or SHA-1.",
          "Leaf and chain facts against the policy's `certificate` table.",
          "Reissue the certificate with an allowed key (RSA ≥ 2048 or ECDSA P-256/P-384) signed "
          "with SHA-256 or stronger, from a CA whose own certificates are signed likewise.",
          f"RFC 9155; NIST SP 800-131A Rev. 2; {_POLICY}"),
    _rule("TLS-034", _HIGH, "The certificate is the expected one",
          "Where the inventory gives a `thumbprint` (SHA-1 or SHA-256), the served leaf has it. "
          "Skipped otherwise.",
          "Fingerprint comparison.",
          "Point the server's `certificate` option at the intended certificate (on Windows, its "
          "thumbprint in the host's store), or correct the inventory's thumbprint after a renewal.",
          f"{SDG}, TLS Implementations in Genesys (Windows certificate thumbprints)"),
    _rule("TLS-035", _MED, "The certificate allows server authentication",
          "The leaf's Extended Key Usage includes serverAuth. No EKU extension passes, or is a "
          "warning where the policy requires EKU; anyExtendedKeyUsage fails where the policy "
          "forbids it.",
          "Leaf extensions.",
          "Reissue the certificate with EKU serverAuth (and clientAuth, since Genesys uses the "
          "same certificate as client certificate after a failover).",
          "RFC 5280 §4.2.1.12; NIST SP 800-52 Rev. 2 §3.2.1"),
    _rule("TLS-036", _HIGH, "The certificate is not self-signed",
          "The leaf is not self-signed; a self-signed leaf whose `thumbprint` is pinned in the "
          "inventory (and matches) passes.",
          "Leaf: subject equals issuer and the signature verifies with its own key.",
          "Issue the server certificate from the CA the pair trusts (Genesys recommends one CA for "
          "all certificates), or pin the self-signed certificate with `thumbprint`.",
          f"{SDG}, What You Need (certificates from one CA)"),
    _rule("TLS-037", _MED, "The certificate's lifespan is within the policy",
          "The leaf's lifespan (notAfter − notBefore) is at most the policy's "
          "max_lifespan_days. Skipped when the policy sets none.",
          "Leaf dates.",
          "Reissue the certificate with a shorter validity period and automate its renewal.",
          f"Mozilla Server Side TLS maximum_certificate_lifespan; NIST SP 800-52 Rev. 2 §3.2.1; "
          f"{_POLICY}"),
    _rule("TLS-038", _HIGH, "No certificate of the chain is revoked",
          "No certificate of the served chain is revoked by the configured `tls_crl`. Only "
          "certificates whose issuer signed the CRL are checked; a CRL that covers none of the "
          "chain is a warning; an expired or badly signed CRL is an error. Skipped without a CRL.",
          "CRL lookup with cryptography at the scan's start time.",
          "Replace the revoked certificate; keep the `tls-crl` file current (publish a new CRL "
          "before nextUpdate) and signed by the CA that issued the certificates.",
          f"RFC 5280 §5 and §6.3; {SDG}, Configuring Certificate Revocation Lists (CRLs)"),
    _rule("TLS-040", _HIGH, "Client certificates are required exactly when tls_mutual says",
          "A client certificate is requested and required exactly when `tls_mutual` is expected "
          "for the port; the CA names the server advertises include the pair's CA (an empty "
          "list is a warning).",
          "Requested: a CertificateRequest arrives. Required: a handshake without a certificate "
          "fails (in TLS 1.3 the alert comes on the first read after Finished). The client "
          "identity is never sent in this probe.",
          "Set tls-mutual=1 (or 0) with tls=1 in the port's transport parameters, and put the "
          "pair's CA in the server's `trusted-ca` so clients know which certificate to send.",
          f"RFC 8446 §4.3.2 and §4.2.4; RFC 5246 §7.4.4; {SDG}, Securing Connections Using TLS "
          "(tls-mutual)"),
    _rule("TLS-041", _MED, "Renegotiation is secure; client-initiated renegotiation is refused",
          "Secure renegotiation (RFC 5746) is supported and client-initiated renegotiation is "
          "refused. Skipped when only TLS 1.3 is accepted.",
          "Handshake: the renegotiation_info extension, and a renegotiation attempt.",
          "Update the Security Pack / OpenSSL (secure renegotiation is standard since 2010) or "
          "the Windows host; disable client-initiated renegotiation.",
          "RFC 5746; RFC 9325 §3.5"),
    _rule("TLS-042", _MED, "TLS compression is off",
          "The server does not negotiate TLS-level compression (CRIME).",
          "The compression method in the ServerHello.",
          "Update the Security Pack / OpenSSL; compression is off in every supported release.",
          "RFC 7457 §2.6; RFC 9325 §3.3"),
    _rule("TLS-043", _LOW, "TLS_FALLBACK_SCSV is honoured",
          "The server refuses a hello carrying TLS_FALLBACK_SCSV below its highest version (an "
          "alert, inappropriate_fallback by RFC 7507, or a close) while it accepts the same hello "
          "without the SCSV; only a ServerHello for the downgraded version is a failure. Applies "
          "when it accepts several versions (the policy may narrow this; NIST: only when it "
          "accepts a version below TLS 1.2 and not TLS 1.3). Skipped otherwise.",
          "Two raw hellos for the accepted version just below the highest, the same but for the "
          "SCSV; an answer that decides nothing (the unmarked hello refused too) is an error. The "
          "evidence (`seen`) says what each got.",
          "Update the Security Pack / OpenSSL (1.0.1j or later), or accept one version only "
          "(`sec-protocol` = TLSv12 or TLSv13).",
          "RFC 7507; NIST SP 800-52 Rev. 2 §3.4"),
    _rule("TLS-044", _MED, "Extended Master Secret is negotiated on TLS ≤ 1.2",
          "The server negotiates the Extended Master Secret extension (RFC 7627) on TLS ≤ 1.2. "
          "Skipped when only TLS 1.3 is accepted.",
          "ServerHello extensions of a TLS ≤ 1.2 handshake.",
          "Update the Security Pack / OpenSSL (1.1.0 or later) or the Windows host; or accept "
          "TLS 1.3 only.",
          "RFC 7627; NIST SP 800-52 Rev. 2 §3.4"),
    _rule("TLS-045", _LOW, "Encrypt-then-MAC is negotiated with CBC suites",
          "Encrypt-then-MAC (RFC 7366) is negotiated when a CBC suite is accepted. Skipped when "
          "none is.",
          "ServerHello extensions of a handshake with a CBC suite.",
          "Remove CBC suites from `cipher-list` (AEAD suites only), or update the Security Pack / "
          "OpenSSL to a release that supports Encrypt-then-MAC.",
          "RFC 7366; NIST SP 800-52 Rev. 2 §3.4"),
)
