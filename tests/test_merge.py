"""Planning and merging are pure: tested from recorded job results, no sockets."""

from __future__ import annotations

from pathlib import Path

from hatls.inventory import parse_inventory
from hatls.merge import JobResult, merge
from hatls.observations import ErrorKind, ProbeError, Stage
from hatls.plan import Endpoint, JobKind, follow_up_jobs, port_targets, version_inferences
from hatls.probe.handshake import HandshakeOutcome
from hatls.probe.plaintext import PlaintextOutcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "certs"
INVENTORY = """version = 1
[[pair]]
name = "p"
[pair.primary]
host = "tsrv-a.example.test"
address = "127.0.1.1"
thumbprint = "AB:CD:ZEROS"
ports = [ { id = "secure", port = 3001, mode = "secured", ha_sync = true } ]
""".replace("ZEROS", ":".join(["00"] * 30))


def endpoint() -> Endpoint:
    inv = parse_inventory(INVENTORY, path="inv.toml", base_dir=".")
    return Endpoint(target=port_targets(inv)[0], address="127.0.1.1")


def leaf_der() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate((FIXTURES / "tsrv-a.pem").read_bytes())
    return cert.public_bytes(Encoding.DER)


def tls13() -> HandshakeOutcome:
    return HandshakeOutcome(completed=True, version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384",
                            chain_der=(leaf_der(),))


def test_a_tls13_server_needs_only_the_versions_below() -> None:
    jobs = follow_up_jobs(endpoint(), tls13())
    assert [(j.kind, j.version) for j in jobs] == [
        (JobKind.PLAINTEXT, None), (JobKind.VERSION, "TLSv1.0"), (JobKind.VERSION, "TLSv1.1"),
        (JobKind.VERSION, "TLSv1.2")]
    assert version_inferences(tls13()) == {"TLSv1.3": True}


def test_a_plaintext_server_gets_no_version_probes() -> None:
    not_tls = HandshakeOutcome(completed=False, error_kind=ErrorKind.NOT_TLS, error_message="x")
    assert [j.kind for j in follow_up_jobs(endpoint(), not_tls)] == [JobKind.PLAINTEXT]
    assert set(version_inferences(not_tls).values()) == {False}


def test_merge_builds_the_observation_from_job_results() -> None:
    results = [
        JobResult(kind=JobKind.HANDSHAKE, connected=True, handshake=tls13()),
        JobResult(kind=JobKind.PLAINTEXT, connected=True,
                  plaintext=PlaintextOutcome(accepted=False, evidence="closed")),
        JobResult(kind=JobKind.VERSION, version="TLSv1.0", connected=True,
                  handshake=HandshakeOutcome(completed=False, error_kind=ErrorKind.TLS_ALERT)),
        JobResult(kind=JobKind.VERSION, version="TLSv1.1", connected=True,
                  error=ProbeError(stage=Stage.PROTOCOLS, kind=ErrorKind.TIMEOUT, message="t")),
        JobResult(kind=JobKind.VERSION, version="TLSv1.2", connected=True,
                  handshake=HandshakeOutcome(completed=True, version="TLSv1.2",
                                             extended_master_secret=True)),
    ]
    obs = merge(endpoint(), results)
    assert dict(obs.protocols) == {"SSLv2": None, "SSLv3": None, "TLSv1.0": False,
                                   "TLSv1.1": None, "TLSv1.2": True, "TLSv1.3": True}
    assert obs.connections == 5
    assert obs.reachable and obs.speaks_tls and obs.accepts_plaintext is False
    assert obs.certificate is not None and obs.certificate.subject.startswith("CN=tsrv-a.example.test")
    assert obs.features.extended_master_secret is True
    assert [e.kind for e in obs.errors] == [ErrorKind.TIMEOUT]
    assert obs.expected.thumbprint == "abcd" + "00" * 30


def test_unreachable_endpoint_keeps_its_error_and_nothing_else() -> None:
    error = ProbeError(stage=Stage.CONNECT, kind=ErrorKind.REFUSED, message="refused")
    obs = merge(endpoint(), [JobResult(kind=JobKind.HANDSHAKE, connected=False, error=error)])
    assert obs.reachable is False and obs.speaks_tls is None and obs.certificate is None
    assert obs.errors == (error,)
    assert merge(endpoint(), []).reachable is None
