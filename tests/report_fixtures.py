"""A report built from the model classes: for rendering tests, and as the sample report file.

Two pairs with the differences the side-by-side view exists for: a T-Server pair whose backup
drifted on its HA port (an extra version, other suites and groups, no client-certificate
requirement, the primary's certificate copied over), and a Configuration Server pair whose
backup is a warm standby not serving, with a port only on the primary and a hostile certificate
(``<script>`` and a 600-character OU in the subject, control characters and a bidi override in a
SAN, a 5000-character SAN). Findings cover every status and every severity. Fixed dates: no clock
is read. The certificates are real (tests/sample_certs.py), so their facts are what hatls reads
from them: names as RFC 4514 text (``\\<script\\>``), hidden characters escaped, names cut at
1024 and SAN entries at 256 characters.

``python -m tests.report_fixtures`` rewrites fixtures/reports/sample-report.json.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hatls.findings import Finding, Severity, Status
from hatls.inventory import (
    Inventory,
    Mode,
    Pair,
    PemFile,
    PortSpec,
    Redundancy,
    Role,
    ScanSettings,
    Server,
    TlsExpectations,
)
from hatls.observations import (
    ClientAuth,
    EndpointObservation,
    ErrorKind,
    Expected,
    Features,
    KeyExchange,
    ProbeError,
    Rehearsal,
    Stage,
)
from hatls.policy import load_policy
from hatls.report import PolicyRef, Report, ReportInputs, ScanMeta, dumps, summarize
from hatls.x509 import CertificateFacts
from tests.sample_certs import certificate, corp_name, facts, fixture_key

STARTED = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
HOSTILE_SUBJECT = "<script>alert(1)</script>"
# An escape sequence, a right-to-left override and a NUL: what a hostile server may put in a SAN.
HOSTILE_SAN = "DNS:evil\x1b[2J\u202egnp.exe\x00.example.com"
SAMPLE_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "reports" / "sample-report.json"
T_SERVER, CONF_SERVER = "tserver-sip-01", "confserv-01"


def _hex(seed: str, digits: int) -> str:
    return (seed * digits)[:digits]


def _serial(seed: str) -> int:
    return int(_hex(seed, 16), 16)


_BEFORE = STARTED - timedelta(days=30)
_ROOT_KEY, _ISSUING_KEY = fixture_key("ha-ca"), fixture_key("ha-intermediate")
_ROOT_CERT = certificate(subject=corp_name("Corp HA CA"), key=_ROOT_KEY, issuer=None,
                         issuer_key=_ROOT_KEY, serial=_serial("0f"), not_before=_BEFORE,
                         not_after=STARTED + timedelta(days=9000), ca=True)
_ISSUING_CERT = certificate(subject=corp_name("Corp HA Issuing CA"), key=_ISSUING_KEY,
                            issuer=_ROOT_CERT, issuer_key=_ROOT_KEY, serial=_serial("1e"),
                            not_before=_BEFORE, not_after=STARTED + timedelta(days=3000), ca=True)


def _leaf(name: str, key: str, seed: str, *, days: int = 400) -> CertificateFacts:
    return facts(certificate(subject=corp_name(name), key=fixture_key(key), issuer=_ISSUING_CERT,
                             issuer_key=_ISSUING_KEY, serial=_serial(seed), not_before=_BEFORE,
                             not_after=STARTED + timedelta(days=days), san=(name,)))


ROOT, ISSUING = facts(_ROOT_CERT), facts(_ISSUING_CERT)
TSRV_A = _leaf("tsrv-a.example.com", "tsrv-a", "a1b2")
TSRV_B = _leaf("tsrv-b.example.com", "tsrv-b", "b3c4", days=20)
_HOSTILE_KEY = fixture_key("self-signed")
HOSTILE = facts(certificate(
    subject=corp_name(HOSTILE_SUBJECT, 'Evil "Corp" & Sons', "u" * 600), key=_HOSTILE_KEY, issuer=None,
    issuer_key=_HOSTILE_KEY, serial=_serial("c5d6"), not_before=_BEFORE,
    not_after=STARTED + timedelta(days=400),
    raw_san=("cs-a.example.com", HOSTILE_SAN.removeprefix("DNS:"), "x" * 5000 + ".example.com")))
# The scan trusts the corp root (``[scan] trusted_ca``): TLS-031 and GHA-006 judge the T-Server
# chains against it, never against the machine's CA store (a golden file must not depend on it).
CORP_CA = PemFile(path="pki/corp-ha-ca.pem", text=ROOT.pem)
# The hostile SAN as hatls reports it: its controls and override written as visible escapes.
HOSTILE_SAN_SHOWN = HOSTILE.san[1]

MODERN = (("SSLv2", False), ("SSLv3", False), ("TLSv1.0", False), ("TLSv1.1", False),
          ("TLSv1.2", True), ("TLSv1.3", True))
GCM12 = ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
GCM13 = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
CBC = "TLS_RSA_WITH_AES_128_CBC_SHA"
FEATURES = Features(secure_renegotiation=True, client_renegotiation=False, compression=False,
                    fallback_scsv=True, extended_master_secret=True, encrypt_then_mac=None)


def _tls(pair: str, role: str, port_id: str, host: str, address: str, port: int,
         leaf: CertificateFacts, **extra: Any) -> EndpointObservation:
    mutual = port_id == "secure"
    obs = EndpointObservation(
        pair=pair, role=role, port_id=port_id, host=host, address=address, port=port,
        configured_mode="secured", ha_sync=mutual,
        expected=Expected(sec_protocol="", tls_mutual=mutual, min_days_valid=30),
        reachable=True, accepts_plaintext=False, speaks_tls=True, negotiated_version="TLSv1.3",
        negotiated_cipher="TLS_AES_256_GCM_SHA384", protocols=MODERN,
        ciphers=(("TLSv1.2", GCM12), ("TLSv1.3", GCM13)), groups=("x25519", "secp256r1"),
        key_exchange=KeyExchange(ecdh_min_bits=256), features=FEATURES, connections=14,
        client_auth=ClientAuth(requested=mutual, required=mutual,
                               ca_names=("CN=Corp HA CA,O=Corp",) if mutual else ()),
        certificate=leaf, chain=(leaf, ISSUING, ROOT))
    return replace(obs, **extra)


def _endpoints() -> tuple[EndpointObservation, ...]:
    t, a, b = T_SERVER, "tsrv-a.example.com", "tsrv-b.example.com"
    cs, cs_a = CONF_SERVER, "cs-a.example.com"
    refused = ProbeError(stage=Stage.CONNECT, kind=ErrorKind.REFUSED, message="connection refused")
    alert = ProbeError(stage=Stage.REHEARSAL, kind=ErrorKind.TLS_ALERT,
                       message="alert 48 unknown_ca")
    return (
        _tls(t, "primary", "default", a, "10.1.2.3", 3000, TSRV_A),
        _tls(t, "primary", "secure", a, "10.1.2.3", 3001, TSRV_A, rehearsal=Rehearsal(
            client_subject="CN=tsrv-b.example.com,O=Corp", succeeded=True, version="TLSv1.3")),
        _tls(t, "backup", "default", b, "10.1.2.4", 3000, TSRV_B),
        # The HA port drifted: TLS 1.1 and a CBC suite, no x25519, no EMS, client certificate
        # optional, and the primary's certificate propagated to it.
        _tls(t, "backup", "secure", b, "10.1.2.4", 3001, TSRV_A,
             protocols=(*MODERN[:3], ("TLSv1.1", True), *MODERN[4:]),
             ciphers=(("TLSv1.1", (CBC,)), ("TLSv1.2", (GCM12[0], CBC)), ("TLSv1.3", GCM13)),
             groups=("secp256r1",),
             features=replace(FEATURES, extended_master_secret=False, encrypt_then_mac=False),
             client_auth=ClientAuth(requested=True, required=False, ca_names=()),
             rehearsal=Rehearsal(client_subject="CN=tsrv-a.example.com,O=Corp", succeeded=False,
                                 error=alert)),
        _tls(cs, "primary", "default", cs_a, "10.2.0.5", 2020, HOSTILE,
             configured_mode="auto-detect", accepts_plaintext=True, chain=(HOSTILE,),
             plaintext_evidence="GET / HTTP/1.0",
             chain_problems=(f"self-signed leaf {HOSTILE_SUBJECT}",)),
        _tls(cs, "primary", "secure", cs_a, "10.2.0.5", 2021, HOSTILE, chain=(HOSTILE,)),
        EndpointObservation(
            pair=cs, role="backup", port_id="default", host="cs-b.example.com",
            address="10.2.0.6", port=2020, configured_mode="auto-detect", ha_sync=False,
            expected=Expected(sec_protocol="", min_days_valid=30), reachable=False,
            connections=1, errors=(refused,)),
    )


def _at(role: str, port_id: str, address: str) -> dict[str, Any]:
    return {"role": role, "port_id": port_id, "address": address}


def _findings() -> tuple[Finding, ...]:
    t, cs = T_SERVER, CONF_SERVER
    b_secure = _at("backup", "secure", "10.1.2.4")
    cs_backup = _at("backup", "default", "10.2.0.6")
    fail, warn, error, passed, skipped = (Status.FAIL, Status.WARN, Status.ERROR, Status.PASS,
                                          Status.SKIPPED)
    crit, high, med, low, info = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW,
                                  Severity.INFO)
    versions = {"what": "versions", "primary": ["TLSv1.2", "TLSv1.3"],
                "backup": ["TLSv1.1", "TLSv1.2", "TLSv1.3"]}
    required = {"what": "client certificate required", "primary": True, "backup": False}
    return (
        Finding(rule="GHA-005", status=fail, severity=crit, pair=t, **b_secure,
                message="backup presents the primary's certificate although it runs on another "
                        "host",
                evidence={"primary_sha256": TSRV_A.sha256, "backup_sha256": TSRV_A.sha256,
                          "backup_host": "tsrv-b.example.com"},
                remediation="Install the backup's own certificate on tsrv-b and set it on the "
                            "backup application: settings made at Connection level were "
                            "propagated from the primary.",
                reference="Securing High Availability Connections, Important note 1"),
        Finding(rule="GHA-007", status=fail, severity=high, pair=t,
                message="the HA link's TLS settings differ between primary and backup",
                evidence={"differences": [versions, required]},
                remediation="Set the same sec-protocol, cipher-list and tls-mutual on both "
                            "servers' HA sync port. On Windows the operating system (SChannel) "
                            "may cause the difference."),
        Finding(rule="TLS-010", status=fail, severity=high, pair=t, **b_secure,
                message="TLSv1.1 is accepted; the policy allows TLSv1.2 and TLSv1.3",
                evidence={"accepted": ["TLSv1.1", "TLSv1.2", "TLSv1.3"]}),
        Finding(rule="TLS-040", status=fail, severity=high, pair=t, **b_secure,
                message="a client certificate is requested but not required",
                evidence={"requested": True, "required": False, "ca_names": []}),
        Finding(rule="TLS-044", status=fail, severity=med, pair=t, **b_secure,
                message="Extended Master Secret is not negotiated on TLSv1.2"),
        Finding(rule="TLS-043", status=warn, severity=low, pair=t, **b_secure,
                message="TLS_FALLBACK_SCSV is not honoured"),
        Finding(rule="TLS-045", status=warn, severity=info, pair=t, **b_secure,
                message="encrypt-then-MAC is not negotiated with a CBC suite"),
        Finding(rule="TLS-038", status=error, severity=high, pair=t,
                **_at("primary", "default", "10.1.2.3"),
                message="the CRL has expired: revocation could not be checked",
                evidence={"crl_next_update": "2026-10-01T00:00:00Z"}),
        Finding(rule="TLS-030", status=passed, severity=crit, pair=t,
                **_at("primary", "default", "10.1.2.3"),
                message="valid until 2027-12-29 (400 days after the scan)"),
        Finding(rule="TLS-020", status=passed, severity=high, pair=t,
                **_at("primary", "secure", "10.1.2.3"), message="every accepted suite is allowed"),
        Finding(rule="GHA-002", status=fail, severity=high, pair=cs,
                message="port secure exists on the primary only",
                evidence={"primary_only": ["secure"], "backup_only": []}),
        Finding(rule="GHA-008", status=warn, severity=high, pair=cs,
                message="the backup's default port could not be checked: not serving"),
        Finding(rule="TLS-036", status=fail, severity=high, pair=cs,
                **_at("primary", "default", "10.2.0.5"),
                message=f"the leaf is self-signed: CN={HOSTILE_SUBJECT}",
                evidence={"subject": HOSTILE.subject, "san": [HOSTILE_SAN_SHOWN]},
                remediation="Replace it with a certificate issued by the pair's CA."),
        Finding(rule="TLS-001", status=warn, severity=high, pair=cs, **cs_backup,
                message="warm-standby backup refuses connections: verify it during a switchover",
                evidence={"error": "refused"}),
        Finding(rule="TLS-041", status=skipped, severity=med, pair=cs, **cs_backup,
                message="not probed", evidence={"reason": "not-probed"}),
        Finding(rule="TLS-032", status=skipped, severity=high, pair=cs, **cs_backup,
                message="depends on reachability",
                evidence={"reason": "backup not serving", "depends_on": "TLS-001"}),
    )


def _server(role: Role, host: str, ports: tuple[tuple[str, int, Mode], ...]) -> Server:
    return Server(role=role, host=host, ports=tuple(
        PortSpec(id=i, port=n, mode=m, ha_sync=i == "secure",
                 tls=TlsExpectations(tls_mutual=i == "secure")) for i, n, m in ports))


def _inventory() -> Inventory:
    secured = (("default", 3000, Mode.SECURED), ("secure", 3001, Mode.SECURED))
    cs_default = ("default", 2020, Mode.AUTO_DETECT)
    tserver = Pair(name=T_SERVER, app_type="T-Server", redundancy=Redundancy.HOT_STANDBY,
                   primary=_server(Role.PRIMARY, "tsrv-a.example.com", secured),
                   backup=_server(Role.BACKUP, "tsrv-b.example.com", secured))
    confserv = Pair(name=CONF_SERVER, app_type="Configuration Server",
                    redundancy=Redundancy.WARM_STANDBY,
                    primary=_server(Role.PRIMARY, "cs-a.example.com",
                                    (cs_default, ("secure", 2021, Mode.SECURED))),
                    backup=_server(Role.BACKUP, "cs-b.example.com", (cs_default,)))
    return Inventory(version=1, path="inventory.toml", sha256=_hex("5e", 64),
                     scan=ScanSettings(trusted_ca=(CORP_CA,)), client=None,
                     pairs=(tserver, confserv))


def sample_report() -> Report:
    policy = load_policy("genesys-ha")
    endpoints, findings = _endpoints(), _findings()
    scan = ScanMeta(started=STARTED, finished=STARTED + timedelta(seconds=7),
                    inventory="inventory.toml", inventory_sha256=_hex("5e", 64),
                    policy=PolicyRef(name=policy.name, source_version=policy.source_version,
                                     sha256=policy.sha256, not_checked=policy.not_checked),
                    fail_on=Severity.HIGH)
    return Report(
        tool_version="0.1.0", scan=scan,
        inputs=ReportInputs(inventory=_inventory(), policy=policy),
        summary=summarize(pairs=2, endpoints=endpoints, findings=findings, fail_on=Severity.HIGH,
                          internal_errors=0),
        endpoints=endpoints, findings=findings)


if __name__ == "__main__":
    SAMPLE_PATH.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE_PATH.write_text(dumps(sample_report()), encoding="utf-8")
    print(f"wrote {SAMPLE_PATH}")
