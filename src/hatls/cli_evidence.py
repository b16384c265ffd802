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
from hatls.init_template import DEFAULT_INVENTORY_NAME, INVENTORY_TEMPLATE
from hatls.report.output import OutputError, check_writable, write_atomic

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2  # scan_cli's meanings, repeated so that signing does not depend on the scan code
EXIT_CANNOT_RUN = 3
# Signature and certificate files are small; a huge one is a wrong file, not a reason to fill memory.
_MAX_SMALL_FILE = 1 << 20


def _fail(message: str, status: int) -> typer.Exit:
    typer.echo(f"hatls: {message}", err=True)
    return typer.Exit(status)


def _read(path: Path, *, limit: int | None = None) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(-1 if limit is None else limit + 1)
    except OSError as exc:
        raise _fail(f"{path}: cannot read: {exc.strerror or exc}", EXIT_USAGE) from None
    if limit is not None and len(data) > limit:
        raise _fail(f"{path}: larger than {limit} bytes: not the file expected here", EXIT_USAGE)
    return data


def _password(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise _fail(f"environment variable {variable} is not set (--key-password-env)", EXIT_USAGE)
    return value.encode("utf-8")


def _certificates(path: Path) -> tuple[x509.Certificate, ...]:
    try:
        return load_certificates(_read(path, limit=_MAX_SMALL_FILE))
    except EvidenceError as exc:
        raise _fail(f"{path}: {exc}", EXIT_USAGE) from None


def _write(path: str, text: str) -> None:
    try:
        check_writable(path)
        write_atomic(path, text)
    except OutputError as exc:
        raise _fail(str(exc), EXIT_CANNOT_RUN) from None
    except OSError as exc:
        raise _fail(f"{path}: cannot write: {exc.strerror or exc}", EXIT_CANNOT_RUN) from None


def _create(path: str, text: str) -> None:
    """Write a new file; "x" makes "does it exist?" and "create it" one step, so no race."""
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise _fail(f"{path}: exists; choose another path or add --force to overwrite it",
                    EXIT_USAGE) from None
    except OSError as exc:
        raise _fail(f"{path}: cannot write: {exc.strerror or exc}", EXIT_CANNOT_RUN) from None


def sign(
    report: Annotated[Path, typer.Argument(
        metavar="FILE", help="Any file: the JSON report, its HTML or its PDF.")],
    key: Annotated[Path, typer.Option(help="PEM private key: Ed25519, RSA (PSS) or EC (ECDSA).")],
    cert: Annotated[Path | None, typer.Option(
        help="The signer's PEM certificate: its fingerprint goes into the signature file.")] = None,
    key_password_env: Annotated[str | None, typer.Option(
        help="Environment variable that holds the key's password.")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", "-o", help="The signature file ('-' = standard output). Default: FILE.sig.")] = None,
) -> None:
    """Write a detached signature over the exact bytes of FILE (the JSON, HTML or PDF report)."""
    data = _read(report)
    try:
        signing_key = load_signing_key(_read(key), _password(key_password_env))
    except EvidenceError as exc:
        raise _fail(f"{key}: {exc}", EXIT_USAGE) from None
    certificate = None if cert is None else _certificates(cert)[0]
    try:
        signature = sign_report(data, signing_key, certificate=certificate)
    except EvidenceError as exc:
        raise _fail(f"{cert}: {exc}", EXIT_USAGE) from None
    text = signature_to_text(signature)
    if out == "-":  # the signature alone on standard output, like `--json -`
        typer.echo(text, nl=False)
        return
    target = out or f"{report}.sig"
    _write(target, text)
    signer = f" as {signature.signer_subject}" if signature.signer_subject else ""
    typer.echo(f"{report}: signed{signer} ({signature.algorithm.value}), "
               f"SHA-256 {signature.report_sha256}")
    typer.echo(f"signature: {target}")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"--at {text!r}: not an RFC 3339 time such as 2026-11-24T10:00:00Z",
                    EXIT_USAGE) from None
    if moment.tzinfo is None:
        raise _fail(f"--at {text!r}: give a time zone (Z for UTC)", EXIT_USAGE)
    return moment


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def verify(
    report: Annotated[Path, typer.Argument(
        metavar="FILE", help="The signed file: the JSON report, its HTML or its PDF.")],
    cert: Annotated[Path, typer.Option(
        help="The signer's PEM certificate (intermediates may follow it in the file).")],
    sig: Annotated[Path | None, typer.Option(help="The signature file. Default: FILE.sig.")] = None,
    ca: Annotated[Path | None, typer.Option(
        help="Also require the certificate to chain to this CA (PEM bundle) and be valid.")] = None,
    at: Annotated[str | None, typer.Option(
        help="With --ca: check the certificate's validity at this time instead of now.")] = None,
) -> None:
    """Check FILE against its signature. Exit: 0 valid, 1 invalid, 2 usage."""
    if at is not None and ca is None:
        raise _fail("--at only applies with --ca", EXIT_USAGE)
    data = _read(report)
    sig_path = sig or Path(f"{report}.sig")
    try:
        signature = signature_from_text(
            _read(sig_path, limit=_MAX_SMALL_FILE).decode("utf-8", errors="replace"))
    except EvidenceError as exc:
        raise _fail(f"{sig_path}: {exc}", EXIT_USAGE) from None
    chain = _certificates(cert)
    trust = None if ca is None else TrustCheck(
        anchors=_certificates(ca),
        at=datetime.now(UTC).replace(microsecond=0) if at is None else _moment(at))
    verdict = verify_report(data, signature, chain, trust=trust)
    if not verdict.valid:
        typer.echo(f"hatls: {report}: INVALID signature ({sig_path})", err=True)
        for problem in verdict.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(EXIT_INVALID)
    chained = "" if trust is None else f", chains to {ca} (checked at {_rfc3339(trust.at)})"
    typer.echo(f"{report}: valid signature ({signature.algorithm.value}) by {verdict.signer}{chained}")
    typer.echo(f"report SHA-256 {verdict.report_sha256}")


def init(
    path: Annotated[str, typer.Argument(
        help="Where to write the inventory template ('-' = standard output).")] = DEFAULT_INVENTORY_NAME,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented inventory template (one example pair) that `hatls validate` accepts."""
    if path == "-":
        typer.echo(INVENTORY_TEMPLATE, nl=False)
        return
    if force:
        _write(path, INVENTORY_TEMPLATE)
    else:
        _create(path, INVENTORY_TEMPLATE)
    typer.echo(f"wrote {path}: describe your pairs in it, then run `hatls validate {path}`")


def register(app: typer.Typer) -> None:
    """Add ``sign``, ``verify`` and ``init`` to the hatls command line."""
    app.command(name="sign")(sign)
    app.command(name="verify")(verify)
    app.command(name="init")(init)
