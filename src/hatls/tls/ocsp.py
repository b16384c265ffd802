"""The stapled OCSP response of a handshake (RFC 6066 §8, RFC 6960) as plain facts, no judgement.

The bytes come from the server, so they are bounded before parsing and anything that does not
parse is the fact ``cert_status = "malformed"``, never an exception. Only what a reader needs to
see is kept: whether a response was stapled, what it says about the certificate, when it was made
and until when it holds, and who signed it. The signature is not verified here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509 import ocsp

from hatls.x509 import MAX_NAME_CHARS, bounded_text

# A real response is a few hundred bytes to a few KiB (one SingleResponse, maybe the responder's
# certificate); 64 KiB is generous and keeps a hostile staple from costing a parser much.
MAX_OCSP_BYTES = 65536
MALFORMED = "malformed"

_CERT_STATUS = {
    ocsp.OCSPCertStatus.GOOD: "good",
    ocsp.OCSPCertStatus.REVOKED: "revoked",
    ocsp.OCSPCertStatus.UNKNOWN: "unknown",
}
_RESPONSE_STATUS = {
    ocsp.OCSPResponseStatus.SUCCESSFUL: "successful",
    ocsp.OCSPResponseStatus.MALFORMED_REQUEST: "malformed_request",
    ocsp.OCSPResponseStatus.INTERNAL_ERROR: "internal_error",
    ocsp.OCSPResponseStatus.TRY_LATER: "try_later",
    ocsp.OCSPResponseStatus.SIG_REQUIRED: "sig_required",
    ocsp.OCSPResponseStatus.UNAUTHORIZED: "unauthorized",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OcspStapling:
    """docs/report.md's ``ocsp_stapling``. ``stapled``: None = not asked (no completed handshake that
    requested it), False = asked and nothing stapled, True = a response came with the handshake.
    The other fields are None unless a response was stapled (and, past ``response_status``,
    unless it was a successful one)."""

    stapled: bool | None = None
    # RFC 6960 §4.2.1 OCSPResponseStatus ("successful", "try_later", …); None if malformed.
    response_status: str | None = None
    # "good" | "revoked" | "unknown" for the leaf, or "malformed" when the bytes do not parse.
    cert_status: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None   # None also when the responder set none
    revocation_time: datetime | None = None
    # "CN=…" (ResponderID byName, RFC 4514, bounded) or "key-sha1:<hex>" (byKey).
    responder: str | None = None
    # Whether the SingleResponse's serial is the leaf's; None when no leaf was seen.
    serial_matches_leaf: bool | None = None


def stapling_facts(staple: bytes | None, *, leaf_serial: int | None) -> OcspStapling:
    """``staple``: None = stapling not asked, b"" = asked and none sent, else the DER response."""
    if staple is None:
        return OcspStapling()
    if not staple:
        return OcspStapling(stapled=False)
    if len(staple) > MAX_OCSP_BYTES:
        return OcspStapling(stapled=True, cert_status=MALFORMED)
    try:
        return _parsed(ocsp.load_der_ocsp_response(staple), leaf_serial)
    except ValueError:   # cryptography raises ValueError for every undecodable response
        return OcspStapling(stapled=True, cert_status=MALFORMED)


def _parsed(response: ocsp.OCSPResponse, leaf_serial: int | None) -> OcspStapling:
    status = _RESPONSE_STATUS.get(response.response_status, MALFORMED)
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return OcspStapling(stapled=True, response_status=status)
    singles = list(response.responses)
    # A responder may answer for several certificates: the leaf's answer is the one that counts.
    single = next((s for s in singles if s.serial_number == leaf_serial), singles[0] if singles
                  else None)
    if single is None:
        return OcspStapling(stapled=True, response_status=status, cert_status=MALFORMED,
                            responder=_responder(response))
    return OcspStapling(
        stapled=True,
        response_status=status,
        cert_status=_CERT_STATUS.get(single.certificate_status, MALFORMED),
        this_update=_second(single.this_update_utc),
        next_update=_second(single.next_update_utc),
        revocation_time=_second(single.revocation_time_utc),
        responder=_responder(response),
        serial_matches_leaf=None if leaf_serial is None else single.serial_number == leaf_serial,
    )


def _second(moment: datetime | None) -> datetime | None:
    # OCSP's GeneralizedTime may carry fractions (RFC 6960 uses RFC 5280's, which may not); the
    # report's times are whole seconds, and a report must read back as it was written.
    return None if moment is None else moment.replace(microsecond=0)


def _responder(response: ocsp.OCSPResponse) -> str | None:
    name: x509.Name | None = response.responder_name
    if name is not None:
        try:
            return bounded_text(name.rfc4514_string(), MAX_NAME_CHARS)
        except ValueError:
            return MALFORMED
    key_hash = response.responder_key_hash
    return None if key_hash is None else "key-sha1:" + key_hash.hex()[:128]
