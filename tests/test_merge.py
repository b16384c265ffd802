"""Planning and merging are pure: tested from recorded job results, no sockets."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hatls.inventory import parse_inventory
from hatls.observations import ErrorKind, PlaintextCase, ProbeError, Stage
from hatls.scanning import (
    Endpoint,
    EnumerationFacts,
    HandshakeOutcome,
    JobKind,
    JobResult,
    PlaintextOutcome,
    follow_up_jobs,
    merge,
    port_targets,
    version_inferences,
)
from hatls.tls.hello_parse import ServerHello

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
    cert = x509.load_pem_x509_certificate((FIXTURES / "tsrv-a.pem").read_bytes())
    return cert.public_bytes(Encoding.DER)


def tls13() -> HandshakeOutcome:
    return HandshakeOutcome(completed=True, version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384",
                            chain_der=(leaf_der(),))


def test_a_tls_server_gets_the_plaintext_probe_and_the_enumeration() -> None:
    jobs = follow_up_jobs(endpoint(), tls13())
    assert [j.kind for j in jobs] == [JobKind.PLAINTEXT, JobKind.ENUMERATE]
    assert version_inferences(tls13()) == {"TLSv1.3": True}


def test_a_plaintext_server_gets_no_version_probes() -> None:
    not_tls = HandshakeOutcome(completed=False, error_kind=ErrorKind.NOT_TLS, error_message="x")
    assert [j.kind for j in follow_up_jobs(endpoint(), not_tls)] == [JobKind.PLAINTEXT]
    assert set(version_inferences(not_tls).values()) == {False}


def enumeration() -> EnumerationFacts:
    hello = ServerHello(legacy_version=0x0303, random=b"\0" * 32, session_id=b"", cipher_suite=0xC009,
                        compression_method=0, extensions=(), selected_version=0x0303,
                        is_hello_retry_request=False, selected_group=None, renegotiation_info=b"",
                        extended_master_secret=True, encrypt_then_mac=False)
    return EnumerationFacts(
        protocols={"SSLv2": False, "SSLv3": False, "TLSv1.0": False, "TLSv1.1": None,
                   "TLSv1.2": True, "TLSv1.3": True},
        ciphers={"TLSv1.2": ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",),
                 "TLSv1.3": ("TLS_AES_256_GCM_SHA384",)},
        groups=("x25519", "secp384r1", "ffdhe2048"), dh_bits=(2048,), hellos=(hello,),
        cbc_hellos=(hello,), fallback_scsv=True, compression=False, client_renegotiation=False,
        errors=(ProbeError(stage=Stage.PROTOCOLS, kind=ErrorKind.TIMEOUT, message="t"),))


def test_merge_builds_the_observation_from_job_results() -> None:
    results = [
        JobResult(kind=JobKind.HANDSHAKE, connected=True, handshake=tls13()),
        JobResult(kind=JobKind.PLAINTEXT, connected=True,
                  plaintext=PlaintextOutcome(accepted=False, case=PlaintextCase.CLOSED,
                                             evidence="closed")),
        JobResult(kind=JobKind.ENUMERATE, connected=True, enumeration=enumeration(), attempts=12),
    ]
    obs = merge(endpoint(), results)
    assert dict(obs.protocols) == {"SSLv2": False, "SSLv3": False, "TLSv1.0": False,
                                   "TLSv1.1": None, "TLSv1.2": True, "TLSv1.3": True}
    assert dict(obs.ciphers or ()) == {"TLSv1.2": ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",),
                                       "TLSv1.3": ("TLS_AES_256_GCM_SHA384",)}
    assert obs.connections == 14
    assert obs.reachable and obs.speaks_tls and obs.accepts_plaintext is False
    assert obs.certificate is not None and obs.certificate.subject.startswith("CN=tsrv-a.example.test")
    assert obs.key_exchange.dh_min_bits == 2048 and obs.key_exchange.ecdh_min_bits == 256
    f = obs.features
    assert (f.secure_renegotiation, f.compression, f.fallback_scsv, f.extended_master_secret,
            f.encrypt_then_mac) == (True, False, True, True, False)
    assert [e.kind for e in obs.errors] == [ErrorKind.TIMEOUT]
    assert obs.expected.thumbprint == "abcd" + "00" * 30


def test_unreachable_endpoint_keeps_its_error_and_nothing_else() -> None:
    error = ProbeError(stage=Stage.CONNECT, kind=ErrorKind.REFUSED, message="refused")
    obs = merge(endpoint(), [JobResult(kind=JobKind.HANDSHAKE, connected=False, error=error)])
    assert obs.reachable is False and obs.speaks_tls is None and obs.certificate is None
    assert obs.errors == (error,)
    assert merge(endpoint(), []).reachable is None


SILENT = PlaintextOutcome(accepted=None, case=PlaintextCase.SILENT, waited=2.0,
                          evidence="held the connection open 2.0 s after plaintext without a byte")


def test_silence_beside_a_completed_handshake_is_plaintext_accepted() -> None:
    obs = merge(endpoint(), [
        JobResult(kind=JobKind.HANDSHAKE, connected=True, handshake=tls13()),
        JobResult(kind=JobKind.PLAINTEXT, connected=True, plaintext=SILENT)])
    assert obs.accepts_plaintext is True and obs.plaintext_case is PlaintextCase.SILENT
    assert "immediate TLS handshake completes" in (obs.plaintext_evidence or "")
    assert obs.first_error(Stage.PLAINTEXT) is None


def test_silence_on_a_port_that_answers_no_tls_either_is_a_timeout_not_a_claim() -> None:
    timed_out = HandshakeOutcome(completed=False, error_kind=ErrorKind.TIMEOUT,
                                 error_message="no answer within 2.0 s")
    obs = merge(endpoint(), [
        JobResult(kind=JobKind.HANDSHAKE, connected=True, handshake=timed_out),
        JobResult(kind=JobKind.PLAINTEXT, connected=True, plaintext=SILENT)])
    assert obs.accepts_plaintext is None and obs.plaintext_case is PlaintextCase.SILENT
    silent = obs.first_error(Stage.PLAINTEXT)
    assert silent is not None and silent.kind is ErrorKind.TIMEOUT
    assert "nothing is claimed" in (obs.plaintext_evidence or "")
