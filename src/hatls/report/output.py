"""Writing outputs: atomically (temp file + rename), and checked for writability before a scan."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """An output path that cannot be written: exit status 3, before any connection."""


def check_writable(path: str) -> None:
    """Prove now, not after a ten-minute scan, that ``path`` can be written."""
    if path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{path}: is a directory")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=".hatls-", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder}: {exc.strerror}") from exc
    os.close(fd)
    os.unlink(probe)


def write_atomic(path: str, text: str) -> None:
    """Readers see the old file or the whole new one, never half a report."""
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
