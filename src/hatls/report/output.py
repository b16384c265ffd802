"""Writing outputs: atomically (temp file + rename), and checked for writability before a scan."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

# A new report is readable by all, as a file written by `>` would be under the usual umask.
_NEW_FILE_MODE = 0o644


class OutputError(Exception):
    """An output path that cannot be written: exit status 3 (before any connection, if checked)."""


def check_writable(path: str) -> None:
    """Prove now, not after a ten-minute scan, that ``path`` can be written."""
    if path == "-":
        return
    target = _real_target(path)
    if target.exists() and not target.is_file():
        # Renaming over a device or a folder would not write a report but destroy something.
        kind = "a directory" if target.is_dir() else "not a regular file"
        raise OutputError(f"{path}: is {kind}")
    folder = target.parent
    if not folder.exists():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{path}: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".hatls-", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def write_atomic(path: str, text: str | bytes | Iterable[str]) -> str:
    """Readers see the old file or the whole new one, never half a report. Returns the SHA-256 of
    the bytes written. ``text`` may come in pieces, so a large report is never held whole; bytes
    (a PDF) are written as they are, text as UTF-8 exactly (no newline translation).

    The text goes to a hidden temp file in the same folder, reaches the disk, and is then renamed
    over ``path`` (one atomic step). Any failure, an interrupt included, removes the temp file and
    leaves the old file as it was; an OS failure is raised as `OutputError`.
    """
    target = _real_target(path)
    mode = _mode_to_keep(target)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {target.parent}: {exc.strerror or exc}") from None
    try:
        # Binary: the bytes on disk are exactly the text's UTF-8, so its SHA-256 matches everywhere.
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as handle:
            pieces = (text,) if isinstance(text, str | bytes) else text
            for piece in pieces:
                data = piece if isinstance(piece, bytes) else piece.encode("utf-8")
                handle.write(data)
                digest.update(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        raise
    _sync_folder(target.parent)
    return digest.hexdigest()


def _real_target(path: str) -> Path:
    # A symlinked report path stays a symlink: the file it points to is replaced instead.
    return Path(os.path.realpath(path))


def _mode_to_keep(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return _NEW_FILE_MODE


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform or file system can, hence best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
