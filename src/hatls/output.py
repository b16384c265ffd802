"""Writing outputs: atomically (temp file + rename), and checked for writability before a scan.

A careful shell redirection's limits hold here too, even for root: a symbolic link that another
user planted in a world-writable sticky folder (``/tmp``) is not followed (the kernel's
``protected_symlinks`` rule; hatls resolves links itself, so the kernel cannot apply it), and a
file without write permission (a 0444 report) is not replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections import deque
from collections.abc import Iterable
from pathlib import Path

# A new report is readable by all, as a file written by `>` would be under the usual umask.
_NEW_FILE_MODE = 0o644
# Links followed while resolving one path, as the kernel's own limit (ELOOP).
_MAX_LINKS = 40
_TEMP_SUFFIX = ".tmp"
_TEMP_RANDOM = 8   # the characters tempfile adds


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
    _refuse_read_only(path, target)
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
    _refuse_read_only(path, target)
    mode = _mode_to_keep(target)
    try:
        fd, temp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=_TEMP_SUFFIX,
                                    dir=target.parent)
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
    """The file ``path`` names, its links resolved one by one under ``protected_symlinks``.

    A symlinked report path stays a symlink: the file it points to is replaced instead. A missing
    part ends the resolution (the folder check reports it)."""
    parts = deque(Path(os.path.join(os.getcwd(), path)).parts)
    current = Path(parts.popleft())   # the root
    links = 0
    while parts:
        name = parts.popleft()
        if name in ("", "."):
            continue
        if name == "..":
            current = current.parent
            continue
        candidate = current / name
        try:
            info = os.lstat(candidate)
        except OSError:
            return Path(candidate, *parts)
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        links += 1
        if links > _MAX_LINKS:
            raise OutputError(f"{path}: too many levels of symbolic links")
        _refuse_planted_link(path, candidate, info)
        target = Path(os.readlink(candidate))
        parts.extendleft(reversed(target.parts[1:] if target.is_absolute() else target.parts))
        if target.is_absolute():
            current = Path(target.anchor)
    return current


def _refuse_planted_link(path: str, link: Path, info: os.stat_result) -> None:
    """The kernel's protected_symlinks rule: in a sticky world-writable folder, follow a link only
    if it is ours or the folder owner's; anyone could have planted any other one there."""
    folder = os.stat(link.parent)
    sticky_public = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if sticky_public and info.st_uid not in (os.geteuid(), folder.st_uid):
        raise OutputError(
            f"{path}: will not follow symbolic link {link}: owned by uid {info.st_uid} in the "
            f"world-writable sticky folder {link.parent} (as the kernel's protected_symlinks)")


def _refuse_read_only(path: str, target: Path) -> None:
    """A file the user may not write is not replaced, root included: renaming over it would
    need only the folder's permission, and a 0444 report says "keep me"."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        return
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise OutputError(f"{path}: is read-only (mode {stat.S_IMODE(mode):04o}); "
                          "make it writable or choose another path")


def _temp_prefix(target: Path) -> str:
    """``.<name>.`` cut so that the temp file's name fits the folder's name limit."""
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    room = limit - len(_TEMP_SUFFIX) - _TEMP_RANDOM - 2   # the two dots around the name
    # Cut as bytes: a cut inside a UTF-8 character still names the same bytes on the way back.
    return "." + os.fsdecode(os.fsencode(target.name)[:max(room, 1)]) + "."


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
