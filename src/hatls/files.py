"""The file rules every command follows, in one place (scan, render, diff, export, sign, verify,
init, demo).

Writing: no output may be an input or another output of the same command (a usage error, exit 2,
before anything runs); ``-`` is standard output, and at most one output may go there; every
write failure is an `OutputError` (one line, exit 3); a signature file beside a replaced file
that no longer matches it is removed, and the terminal says so. The atomic write itself, the
symlink and read-only rules are in ``hatls.output``.

Reading a saved report: a regular file only, at most ``MAX_REPORT_BYTES``, read through a memory
map and validated as it is parsed, piece by piece (``hatls.report``, _reader.py); any violation is a
`ReportFileError` (one line naming the file and the JSON path, exit 2).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from hatls.evidence import EvidenceError, signature_from_text
from hatls.inventory import ClientIdentity, Inventory, PemFile
from hatls.output import OutputError, check_writable, write_atomic
from hatls.report import EscapeScan, Report, ReportInvalid, mapped, report_from_buffer

__all__ = ["MAX_REPORT_BYTES", "STDOUT", "OutputError", "ReportFileError", "UsagePlanError",
           "check_output", "inventory_inputs", "plan_files", "read_regular", "read_report", "write_output",
           "write_stdout"]

STDOUT = "-"
# A 10,000-endpoint report is about 250 MB; twice that is room to grow, and /dev/zero or a
# mistaken disk image stops here instead of filling memory.
MAX_REPORT_BYTES = 512 * 1024 * 1024
SIGNATURE_SUFFIX = ".sig"
# A signature file is a few hundred bytes; a large one beside a report is not ours.
_MAX_SIGNATURE_BYTES = 1 << 20


class ReportFileError(Exception):
    """A file that is not a readable hatls report: a usage error (exit 2)."""


class UsagePlanError(Exception):
    """Outputs that collide with an input, each other, or standard output: exit 2."""


def _open_regular(path: Path | str, *, limit: int, what: str) -> int:
    """An open descriptor of a regular file of at most ``limit`` bytes, or ReportFileError.

    O_NONBLOCK: a FIFO named as a report must not hang the command before it is refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ReportFileError(f"{path}: is {kind}; a {what} must be a regular file")
    if info.st_size > limit:
        os.close(fd)
        raise ReportFileError(f"{path}: {info.st_size} bytes, more than the {limit} a {what} "
                              "may have")
    return fd


def read_regular(path: Path | str, *, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or ReportFileError."""
    with os.fdopen(_open_regular(path, limit=limit, what=what), "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise ReportFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:   # it grew while we read it
        raise ReportFileError(f"{path}: more than the {limit} bytes a {what} may have")
    return data


def read_report(path: Path | str) -> tuple[Report, str]:
    """A saved report, validated, and the SHA-256 of the file's bytes.

    Read through a memory map, piece by piece (``codec.mapped``, ``reader.report_from_buffer``):
    a large report is never held whole, as bytes, text or parse, beside its model. Hash and model
    come from the same open file and the same bytes: the size found when it was opened, so a
    file that grows meanwhile is read as it was."""
    fd = _open_regular(path, limit=MAX_REPORT_BYTES, what="report")
    with os.fdopen(fd, "rb"):
        escapes = EscapeScan()
        try:
            with mapped(fd, size=os.fstat(fd).st_size, scan=escapes.feed) as (view, digest, done):
                return report_from_buffer(view, surrogates=escapes.seen, done=done), digest
        except ReportInvalid as exc:
            raise ReportFileError(f"{path}: not a readable hatls report: {exc}"[:500]) from None
        except (OSError, ValueError) as exc:   # ValueError: mmap refused the file
            raise ReportFileError(f"{path}: cannot read: {exc}"[:500]) from None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:   # one of them does not exist (yet): compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def plan_files(*, inputs: Sequence[tuple[str, Path | str | None]],
               outputs: Sequence[tuple[str, str | None]]) -> None:
    """Refuse, before anything runs, outputs that would destroy an input or each other.

    ``inputs`` and ``outputs`` are (what, path) pairs, ``what`` naming the argument in messages
    ("--json", "REPORT.json"); a path of None is not used. Raises UsagePlanError."""
    chosen = [(what, path) for what, path in outputs if path]
    to_stdout = [what for what, path in chosen if path == STDOUT]
    if len(to_stdout) > 1:
        raise UsagePlanError(f"{' and '.join(to_stdout)} both ask for standard output ('-'); "
                             "only one output may go there")
    files = [(what, path) for what, path in chosen if path != STDOUT]
    used = [(what, str(path)) for what, path in inputs if path is not None and str(path) != STDOUT]
    for index, (what, path) in enumerate(files):
        for source, source_path in used:
            if _same_file(path, source_path):
                raise UsagePlanError(f"{what} {path} is the input {source} ({source_path}): "
                                     "writing it would destroy it; choose another path")
        for other, other_path in files[:index]:
            if _same_file(path, other_path):
                raise UsagePlanError(f"{other} and {what} name the same file {path}: "
                                     "one would replace the other; choose two paths")


def inventory_inputs(inventory: Inventory) -> tuple[tuple[str, Path], ...]:
    """Every file the inventory names (CA bundles, CRLs, client certificates and keys), as
    inputs for ``plan_files``: ``scan --json ca.pem`` must not replace the CA it trusts."""
    folder = Path(inventory.path).parent
    named: dict[str, None] = {}

    def visit(value: object) -> None:
        if isinstance(value, PemFile):
            named[value.path] = None
        elif isinstance(value, ClientIdentity):
            named[value.key_path] = None
            visit(value.certificate)
        elif isinstance(value, tuple):
            for item in value:
                visit(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for spec in dataclasses.fields(value):
                visit(getattr(value, spec.name))

    visit(inventory)
    return tuple((f"the inventory's {name}", folder / name) for name in named)


def check_output(path: str | None) -> None:
    """Prove now that ``path`` can be written (OutputError, exit 3); '-' and None always can."""
    if path and path != STDOUT:
        check_writable(path)


def write_stdout(text: str | bytes | Iterable[str]) -> str:
    """Write to standard output; returns the SHA-256 of the bytes. A failure is an OutputError."""
    digest = hashlib.sha256()
    try:
        if isinstance(text, bytes):   # a PDF goes out as it is, past the text layer
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
            return hashlib.sha256(text).hexdigest()
        for piece in (text,) if isinstance(text, str) else text:
            sys.stdout.write(piece)
            digest.update(piece.encode("utf-8"))
        sys.stdout.flush()
    except OSError as exc:
        raise OutputError(f"standard output: cannot write: {exc.strerror or exc}") from None
    return digest.hexdigest()


def write_output(path: str, text: str | bytes | Iterable[str]) -> str:
    """Write one output (``-`` = standard output) atomically; returns the SHA-256 of its bytes.

    A signature beside it (``path.sig``) that signed other bytes is removed: left there it would
    make the next ``hatls verify`` fail, or worse, be attached to the wrong report."""
    if path == STDOUT:
        return write_stdout(text)
    digest = write_atomic(path, text)
    _drop_stale_signature(path, digest)
    return digest


def _drop_stale_signature(path: str, digest: str) -> None:
    sig = Path(f"{path}{SIGNATURE_SUFFIX}")
    try:
        if not sig.is_file():
            return
        signature = signature_from_text(
            read_regular(sig, limit=_MAX_SIGNATURE_BYTES, what="signature").decode("utf-8", "replace"))
    except (ReportFileError, EvidenceError, OSError):
        return   # not a hatls signature: not ours to remove
    if signature.report_sha256 == digest:
        return
    try:
        sig.unlink()
    except OSError as exc:
        raise OutputError(f"{sig}: signs the old {path}, and cannot be removed: "
                          f"{exc.strerror or exc}") from None
    sys.stderr.write(f"hatls: removed {sig}: it signed the earlier {path}, not this one "
                     "(sign the new one with `hatls sign`)\n")
