"""Session resumption and OCSP stapling without the network: the OCSP parser, the staple's place in
the handshake messages, merging, the JSON report and its schema, the HTML table, the policies."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from hatls.observations import EndpointObservation, Resumption
from hatls.policy import builtin_policies
from hatls.report import Report, dumps, loads, report_schema
from hatls.report.html import render_html
from hatls.scanning import EnumerationFacts, HandshakeOutcome, JobKind, JobResult, merge
from hatls.tls.cert_status import ocsp_in_certificate_status, ocsp_in_tls13_certificate
from hatls.tls.codec import TLSParseError, Writer
from hatls.tls.hello_parse import ServerHello
from hatls.tls.ocsp import MAX_OCSP_BYTES, OcspStapling, stapling_facts
from tests.labkit import NOW, ca, leaf
from tests.report_fixtures import HOSTILE_SUBJECT, sample_report
from tests.stapling_servers import HOST, ONE_WEEK, Staple, ocsp_response
from tests.test_merge import endpoint, leaf_der, tls13

# --- tls/ocsp.py -----------------------------------------------------------------------------


def _good(**kw: object) -> bytes:
    staple = Staple(this_update=NOW, next_update=NOW + ONE_WEEK)
    return ocsp_response(leaf(HOST), ca(), replace(staple, **kw))  # type: ignore[arg-type]


def _serial() -> int:
    return x509.load_pem_x509_certificate(leaf(HOST).cert_pem).serial_number


def test_not_asked_none_and_a_good_staple_are_three_facts() -> None:
    assert stapling_facts(None, leaf_serial=None) == OcspStapling()
    assert stapling_facts(b"", leaf_serial=None) == OcspStapling(stapled=False)
    facts = stapling_facts(_good(), leaf_serial=_serial())
    assert (facts.stapled, facts.response_status, facts.cert_status) == (True, "successful", "good")
    assert (facts.this_update, facts.next_update) == (NOW, NOW + ONE_WEEK)
    assert facts.serial_matches_leaf is True
    assert stapling_facts(_good(), leaf_serial=None).serial_matches_leaf is None


@pytest.mark.parametrize("staple", [b"\x00", b"\x30\x80", b"\x30\x03\x0a\x01\x00", b"x" * 100])
def test_bytes_that_are_no_response_are_malformed(staple: bytes) -> None:
    facts = stapling_facts(staple, leaf_serial=_serial())
    assert facts.stapled is True and facts.cert_status == "malformed"


def test_a_truncated_or_oversized_response_is_malformed() -> None:
    assert stapling_facts(_good()[:-7], leaf_serial=None).cert_status == "malformed"
    huge = _good() + b"\x00" * (MAX_OCSP_BYTES + 1)
    assert stapling_facts(huge, leaf_serial=None).cert_status == "malformed"


def test_an_unsuccessful_response_names_its_status_and_nothing_else() -> None:
    der = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    facts = stapling_facts(der.public_bytes(serialization.Encoding.DER), leaf_serial=_serial())
    assert facts == OcspStapling(stapled=True, response_status="try_later")


def test_revoked_and_unknown_statuses() -> None:
    at = NOW - timedelta(days=1)
    revoked = stapling_facts(_good(status=ocsp.OCSPCertStatus.REVOKED, revoked_at=at),
                             leaf_serial=_serial())
    assert (revoked.cert_status, revoked.revocation_time) == ("revoked", at)
    unknown = stapling_facts(_good(status=ocsp.OCSPCertStatus.UNKNOWN), leaf_serial=_serial())
    assert unknown.cert_status == "unknown"


def test_a_responder_by_name_has_its_hidden_characters_escaped() -> None:
    key = ca().private_key
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, HOSTILE_SUBJECT + "\u202e")])
    responder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                 .public_key(key.public_key()).serial_number(7)
                 .not_valid_before(NOW).not_valid_after(NOW + ONE_WEEK)
                 .sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    cert = x509.load_pem_x509_certificate(leaf(HOST).cert_pem)
    der = (ocsp.OCSPResponseBuilder()
           .add_response(cert=cert, issuer=ca().certificate, algorithm=hashes.SHA1(),
                         cert_status=ocsp.OCSPCertStatus.GOOD, this_update=NOW, next_update=None,
                         revocation_time=None, revocation_reason=None)
           .responder_id(ocsp.OCSPResponderEncoding.NAME, responder)
           .sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    facts = stapling_facts(der.public_bytes(serialization.Encoding.DER), leaf_serial=None)
    assert facts.responder is not None and "\u202e" not in facts.responder
    assert "\\u202e" in facts.responder and facts.responder.startswith("CN=\\<script\\>")


# --- tls/cert_status.py --------------------------------------------------------------------------


def _status(response: bytes) -> bytes:
    return Writer().uint(1, 1).vector(response, 3).getvalue()


def test_a_tls12_certificate_status_holds_the_response() -> None:
    assert ocsp_in_certificate_status(_status(b"abc")) == b"abc"
    with pytest.raises(TLSParseError):
        ocsp_in_certificate_status(b"\x02" + _status(b"abc")[1:])   # not status_type ocsp
    with pytest.raises(TLSParseError):
        ocsp_in_certificate_status(_status(b"abc") + b"\x00")


def _tls13_certificate(*extensions: tuple[int, bytes]) -> bytes:
    entry = Writer().vector(b"\x30\x00", 3)
    with entry.scope(2) as block:
        for kind, data in extensions:
            block.uint(kind, 2).vector(data, 2)
    return Writer().vector(b"", 1).vector(entry.getvalue(), 3).getvalue()


def test_a_tls13_certificate_entry_holds_the_response() -> None:
    assert ocsp_in_tls13_certificate(_tls13_certificate((18, b""), (5, _status(b"r")))) == b"r"
    assert ocsp_in_tls13_certificate(_tls13_certificate((18, b""))) is None
    # A status_request whose framing is broken is still a staple: its bytes, shown malformed.
    assert ocsp_in_tls13_certificate(_tls13_certificate((5, b"\x07zz"))) == b"\x07zz"
    assert ocsp_in_tls13_certificate(b"\x00\x00") is None


# --- merge ----------------------------------------------------------------------------------------


def _hello(*extensions: tuple[int, bytes]) -> ServerHello:
    return ServerHello(legacy_version=0x0303, random=b"\0" * 32, session_id=b"",
                       cipher_suite=0xC02F, compression_method=0, extensions=extensions,
                       selected_version=0x0303, is_hello_retry_request=False, selected_group=None,
                       renegotiation_info=b"", extended_master_secret=True,
                       encrypt_then_mac=False)


def _merged(first: HandshakeOutcome, hellos: list[ServerHello] | None = None, *,
            extra: int = 0) -> EndpointObservation:
    results = [JobResult(kind=JobKind.HANDSHAKE, connected=True, handshake=first, attempts=1,
                         extra_connections=extra)]
    if hellos is not None:
        results.append(JobResult(kind=JobKind.ENUMERATE, connected=True,
                                 enumeration=EnumerationFacts(hellos=tuple(hellos)), attempts=5))
    return merge(endpoint(), results)


def test_merge_reads_the_tickets_and_the_staple_of_the_first_handshake() -> None:
    staple = ocsp_response_for_der(x509.load_der_x509_certificate(leaf_der()))
    obs = _merged(replace(tls13(), tickets_tls13=2, ocsp_staple=staple), [_hello((35, b""))])
    assert obs.resumption == Resumption(session_ticket_tls12=True, tickets_tls13=2)
    assert obs.ocsp_stapling.serial_matches_leaf is True


def ocsp_response_for_der(cert: x509.Certificate) -> bytes:
    """A response naming ``cert``'s serial, signed by any key: merge reads, it does not verify."""
    key = ca().private_key
    der = (ocsp.OCSPResponseBuilder()
           .add_response(cert=cert, issuer=ca().certificate, algorithm=hashes.SHA1(),
                         cert_status=ocsp.OCSPCertStatus.GOOD, this_update=NOW, next_update=None,
                         revocation_time=None, revocation_reason=None)
           .responder_id(ocsp.OCSPResponderEncoding.HASH, ca().certificate)
           .sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    return der.public_bytes(serialization.Encoding.DER)


def test_merge_without_facts_leaves_them_unprobed_and_absent_ones_false() -> None:
    obs = _merged(tls13(), None)
    assert obs.resumption == Resumption()
    assert obs.ocsp_stapling == OcspStapling()
    obs = _merged(replace(tls13(), ocsp_staple=b""), [_hello()])
    assert obs.resumption.session_ticket_tls12 is False
    assert obs.ocsp_stapling.stapled is False


def test_a_handshake_made_again_is_a_connection_not_a_retry() -> None:
    obs = _merged(replace(tls13(), ocsp_staple=b"junk"), extra=1)
    assert obs.connections == 2 and obs.retries == 0
    assert obs.ocsp_stapling.cert_status == "malformed"


# --- the report: JSON, schema, HTML -----------------------------------------------------------


def _with_facts(report: Report) -> Report:
    staple = OcspStapling(stapled=True, response_status="successful", cert_status="revoked",
                          this_update=datetime(2026, 11, 20, tzinfo=UTC),
                          next_update=datetime(2026, 11, 27, tzinfo=UTC),
                          revocation_time=datetime(2026, 11, 19, 8, 30, tzinfo=UTC),
                          responder=f"CN={HOSTILE_SUBJECT}", serial_matches_leaf=False)
    first, second, *rest = report.endpoints
    first = replace(first, ocsp_stapling=staple,
                    resumption=Resumption(session_ticket_tls12=True, tickets_tls13=2))
    second = replace(second, ocsp_stapling=OcspStapling(stapled=False),
                     resumption=Resumption(session_ticket_tls12=False, tickets_tls13=0))
    return replace(report, endpoints=(first, second, *rest))


def test_the_facts_survive_the_json_and_fit_the_schema() -> None:
    report = _with_facts(sample_report())
    text = dumps(report)
    assert loads(text) == report
    data = json.loads(text)
    jsonschema.validate(data, report_schema())
    endpoint_json = data["endpoints"][0]
    assert endpoint_json["resumption"] == {"session_ticket_tls12": True, "tickets_tls13": 2}
    assert endpoint_json["ocsp_stapling"]["this_update"] == "2026-11-20T00:00:00Z"
    assert endpoint_json["ocsp_stapling"]["cert_status"] == "revoked"
    broken = dict(data, endpoints=[dict(endpoint_json, ocsp_stapling={
        **endpoint_json["ocsp_stapling"], "cert_status": "fine"})])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, report_schema())


def test_a_report_saved_before_these_facts_still_loads() -> None:
    data = json.loads(dumps(sample_report()))
    for item in data["endpoints"]:
        del item["resumption"], item["ocsp_stapling"]
    jsonschema.validate(data, report_schema())
    old = loads(json.dumps(data))
    assert old.endpoints[0].ocsp_stapling == OcspStapling()
    assert old.endpoints[0].resumption == Resumption()


def test_the_side_by_side_table_shows_them_escaped() -> None:
    html = render_html(_with_facts(sample_report()))
    assert "Session resumption" in html and "OCSP stapling" in html
    assert "TLS 1.3: 2 session ticket(s)" in html and "TLS 1.3: 0 session ticket(s)" in html
    assert "certificate status: revoked" in html and "revoked 2026-11-19 08:30:00 UTC" in html
    assert "next update 2026-11-27 00:00:00 UTC" in html
    assert "for another certificate (serial)" in html
    assert f"responder CN={HOSTILE_SUBJECT}" not in html
    assert "responder CN=&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the policies ----------------------------------------------------------------------------


def test_no_policy_says_hatls_ignores_what_it_now_reports() -> None:
    for policy in builtin_policies():
        for line in policy.not_checked:
            lowered = line.lower()
            assert "session resumption" not in lowered, (policy.name, line)
            if "ocsp" in lowered or "order" in lowered or "preference" in lowered:
                assert "shown per endpoint" in lowered, (policy.name, line)

