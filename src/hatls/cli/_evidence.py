"""``hatls sign``, ``hatls verify`` and ``hatls init``: evidence for a change request, and a start.

The files are read and written here; ``hatls.evidence`` only sees bytes, and the clock is read
here (``verify --ca`` checks the signer's certificate as of now unless ``--at`` names a moment).

Exit status: ``verify`` 0 valid, 1 invalid, 2 usage (a file that cannot be read or is not what
it should be); ``sign`` and ``init`` 0 done, 2 usage, 3 the output cannot be written.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509

from hatls.cli._clock import utc_now
from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_INVALID, EXIT_USAGE, fail
from hatls.cli._init_template import DEFAULT_INVENTORY_NAME, INVENTORY_TEMPLATE
from hatls.evidence import (
    EvidenceError,
    TrustCheck,
    load_certificates,
    load_signing_key,
    sign_report,
    signature_from_text,
    signature_to_text,
    verify_report,
)
from hatls.files import (
    MAX_REPORT_BYTES,
    STDOUT,
    ReportFileError,
    UsagePlanError,
    check_output,
    plan_files,
    read_regular,
    write_output,
)
from hatls.output import OutputError

# Signature and certificate files are small; a huge one is a wrong file, not a reason to fill memory.
_MAX_SMALL_FILE = 1 << 20


def _read(path: Path, *, limit: int = _MAX_SMALL_FILE, what: str = "file") -> bytes:
    try:
        return read_regular(path, limit=limit, what=what)
    except ReportFileError as exc:
        raise fail(str(exc), EXIT_USAGE) from None


def _plan(*, inputs: tuple[tuple[str, Path | str | None], ...], output: tuple[str, str]) -> None:
    try:
        plan_files(inputs=inputs, outputs=(output,))
    except UsagePlanError as exc:
        raise fail(str(exc), EXIT_USAGE) from None


def _password(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise fail(f"environment variable {variable} is not set (--key-password-env)", EXIT_USAGE)
    return value.encode("utf-8")


def _certificates(path: Path) -> tuple[x509.Certificate, ...]:
    try:
        return load_certificates(_read(path, what="certificate file"))
    except EvidenceError as exc:
        raise fail(f"{path}: {exc}", EXIT_USAGE) from None


def _write(path: str, text: str) -> None:
    try:
        check_output(path)
        write_output(path, text)
    except OutputError as exc:
        raise fail(str(exc), EXIT_CANNOT_RUN) from None


def _create(path: str, text: str) -> None:
    """Write a new file; "x" makes "does it exist?" and "create it" one step, so no race."""
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise fail(f"{path}: exists; choose another path or add --force to overwrite it",
                    EXIT_USAGE) from None
    except OSError as exc:
        raise fail(f"{path}: cannot write: {exc.strerror or exc}", EXIT_CANNOT_RUN) from None


def sign(
    report: Annotated[Path, typer.Argument(
        metavar="FILE", help="Any file: the JSON report, its HTML or its PDF.")],
    key: Annotated[Path, typer.Option(
        metavar="KEY", help="PEM private key: Ed25519, RSA (PSS) or EC (ECDSA).")],
    cert: Annotated[Path | None, typer.Option(
        metavar="CERT",
        help="The signer's PEM certificate: its fingerprint goes into the signature file.")] = None,
    key_password_env: Annotated[str | None, typer.Option(
        metavar="VAR", help="Environment variable that holds the key's password.")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", "-o", metavar="SIG",
        help="The signature file ('-' = standard output). Default: FILE.sig.")] = None,
) -> None:
    """Write a detached signature over the exact bytes of FILE (the JSON, HTML or PDF report)."""
    target = out or f"{report}.sig"
    _plan(inputs=(("FILE", report), ("--key", key), ("--cert", cert)), output=("--out", target))
    # Bytes are signed, never parsed: any regular file under the report size cap (a device, a
    # FIFO or an endless file is refused before it is read).
    data = _read(report, limit=MAX_REPORT_BYTES, what="file")
    try:
        signing_key = load_signing_key(_read(key), _password(key_password_env))
    except EvidenceError as exc:
        raise fail(f"{key}: {exc}", EXIT_USAGE) from None
    certificate = None if cert is None else _certificates(cert)[0]
    if certificate is not None and (problem := _validity_problem(certificate)) is not None:
        raise fail(f"{cert}: {problem}; a signature by it would not verify as of its date", EXIT_USAGE)
    try:
        signature = sign_report(data, signing_key, certificate=certificate)
    except EvidenceError as exc:
        raise fail(f"{cert}: {exc}", EXIT_USAGE) from None
    text = signature_to_text(signature)
    _write(target, text)
    if target == STDOUT:  # the signature alone on standard output, like `--json -`
        return
    signer = f" as {signature.signer_subject}" if signature.signer_subject else ""
    typer.echo(f"{report}: signed{signer} ({signature.algorithm.value}), "
               f"SHA-256 {signature.report_sha256}")
    typer.echo(f"signature: {target}")


def _validity_problem(certificate: x509.Certificate) -> str | None:
    """Why the signer's certificate cannot sign now (expired, not yet valid), or None."""
    now = datetime.now(UTC)
    if now > certificate.not_valid_after_utc:
        return f"the signer's certificate expired on {_rfc3339(certificate.not_valid_after_utc)}"
    if now < certificate.not_valid_before_utc:
        return (f"the signer's certificate is not yet valid: not before "
                f"{_rfc3339(certificate.not_valid_before_utc)}")
    return None


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--at {text!r}: not an RFC 3339 time such as 2026-11-24T10:00:00Z",
                    EXIT_USAGE) from None
    if moment.tzinfo is None:
        raise fail(f"--at {text!r}: give a time zone (Z for UTC)", EXIT_USAGE)
    return moment


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def verify(
    report: Annotated[Path, typer.Argument(
        metavar="FILE", help="The signed file: the JSON report, its HTML or its PDF.")],
    cert: Annotated[Path, typer.Option(
        metavar="CERT", help="The signer's PEM certificate (intermediates may follow it in the file).")],
    sig: Annotated[Path | None, typer.Option(
        metavar="SIG", help="The signature file. Default: FILE.sig.")] = None,
    ca: Annotated[Path | None, typer.Option(
        metavar="CA.pem",
        help="Also require the certificate to chain to this CA (PEM bundle) and be valid.")] = None,
    at: Annotated[str | None, typer.Option(
        metavar="TIME",
        help="With --ca: check the certificate's validity at this time (RFC 3339, e.g. "
             "2026-11-25T14:00:00Z) instead of now.")] = None,
) -> None:
    """Check FILE against its signature. Exit: 0 valid, 1 invalid, 2 usage."""
    if at is not None and ca is None:
        raise fail("--at only applies with --ca", EXIT_USAGE)
    # The bytes are what is verified: a tampered report is an invalid signature (exit 1), so it is
    # read as a regular file under the size cap but not parsed.
    data = _read(report, limit=MAX_REPORT_BYTES, what="file")
    sig_path = sig or Path(f"{report}.sig")
    try:
        signature = signature_from_text(
            _read(sig_path, what="signature").decode("utf-8", errors="replace"))
    except EvidenceError as exc:
        raise fail(f"{sig_path}: {exc}", EXIT_USAGE) from None
    chain = _certificates(cert)
    trust = None if ca is None else TrustCheck(
        anchors=_certificates(ca),
        at=utc_now() if at is None else _moment(at))
    verdict = verify_report(data, signature, chain, trust=trust)
    if not verdict.valid:
        typer.echo(f"hatls: {report}: INVALID signature ({sig_path})", err=True)
        for problem in verdict.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(EXIT_INVALID)
    if trust is None:
        # Anyone can make a certificate with any name: without --ca the name is only a claim.
        typer.echo(f"{report}: signature intact ({signature.algorithm.value}): the bytes are the "
                   f"ones signed by the key of {cert}")
        typer.echo(f"signer NOT authenticated: {verdict.signer} is only the name the certificate "
                   "claims; add --ca with your signing CA to check who signed")
    else:
        typer.echo(f"{report}: valid signature ({signature.algorithm.value}) by {verdict.signer}, "
                   f"chains to {ca} (checked at {_rfc3339(trust.at)})")
    typer.echo(f"report SHA-256 {verdict.report_sha256}")


def init(
    path: Annotated[str, typer.Argument(
        metavar="[PATH]",
        help="Where to write the inventory template ('-' = standard output).")] = DEFAULT_INVENTORY_NAME,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented inventory template (one example pair) that `hatls validate` accepts."""
    if path == STDOUT:
        _write(path, INVENTORY_TEMPLATE)
        return
    if force:
        _write(path, INVENTORY_TEMPLATE)
    else:
        _create(path, INVENTORY_TEMPLATE)
    typer.echo(f"wrote {path}: describe your pairs in it, then run `hatls validate {path}`")
