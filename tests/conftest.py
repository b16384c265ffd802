"""Test-wide guards: no test reaches beyond loopback (docs/design.md "Offline tests")."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


def _assert_loopback(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0]).split("%")[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError as exc:
            raise AssertionError(f"tests connect to IP literals only, not {host!r}") from exc
        if not ip.is_loopback:
            raise AssertionError(f"tests may only connect to loopback, not {host}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _assert_loopback(address)
    _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _assert_loopback(address)
    return _original_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield
