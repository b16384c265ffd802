"""What a live test needs from the machine, said in one place: missing under CI is a failure
(.ci/run installs every Debian package these tests use and runs as root), elsewhere a skip that
names what is missing."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


def binary(name: str) -> str:
    """The program's path; nginx and friends live in /usr/sbin, which a non-root PATH may omit."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        unavailable(f"{name} is not installed (.ci/run installs it from Debian's packages)")
    return path
