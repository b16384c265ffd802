"""Reading a file an inventory names, without trusting it to be small or to be a file at all.

A path in an inventory is user input: `/dev/zero` would be read until memory runs out, and a
FIFO with no writer would hang the load forever. So only regular files are read, up to a limit
far above any real PEM, CRL or inventory, and each refusal is a sentence for a `Problem`.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

MEBIBYTE = 1024 * 1024
# The CRL of a large CA runs to tens of MB; certificates, keys and inventories are far smaller.
MAX_FILE_BYTES = 64 * MEBIBYTE


class UnreadableFile(Exception):
    """Why a named file cannot be used; the message names the path as resolved."""


def read_regular_file(path: Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at `path`, or `UnreadableFile` saying why not."""
    refusal = not_a_regular_file(path)
    if refusal is not None:
        raise UnreadableFile(refusal)
    try:
        with path.open("rb") as handle:
            return read_at_most(handle.read, limit)
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {_reason(error)}") from None
    except UnreadableFile as refused:
        raise UnreadableFile(f"{refused}: {path}") from None


def not_a_regular_file(path: Path) -> str | None:
    """None when `path` is a regular file, else why it cannot be read as one."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"file not found: {path}"
    except ValueError as error:  # a NUL in the name: no file system takes one
        return f"{str(path)!r} is not a file name: {error}"
    except OSError as error:  # a name too long, no permission, ...
        return f"cannot read {path}: {_reason(error)}"
    if stat.S_ISDIR(info.st_mode):
        return f"is a directory, not a file: {path}"
    if not stat.S_ISREG(info.st_mode):
        return f"is not a regular file (a device, FIFO or socket): {path}"
    return None


def read_at_most(read: Callable[[int], bytes], limit: int) -> bytes:
    """Read through `read(size)`, refusing more than `limit` bytes (the message names no path)."""
    data = read(limit + 1)
    if len(data) > limit:
        raise UnreadableFile(f"is larger than {limit // MEBIBYTE} MiB")
    return data


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)
