"""Real TLS servers on loopback, shaped like Genesys HA pairs, for `hatls demo` and tests.

Primaries listen on 127.0.1.x and backups on 127.0.2.x (Linux routes all of 127.0.0.0/8 to
`lo`, so binding needs no setup). `serve_endpoints` runs inside a trio program;
`LabThread` runs it on a thread of its own for synchronous tests and subprocess CLIs.

Every endpoint is bound (and every TLS context built) before `task_status.started`, so a
bad configuration fails the start, never a connection. After that, nothing a peer does
can stop the lab: each connection's errors end that connection only (logged at debug).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import queue
import socket
import threading
from collections.abc import Sequence
from functools import partial
from types import TracebackType

import trio
from OpenSSL import SSL

from hatls.lab.accounting import ConnectionTracker
from hatls.lab.connection import handle_connection
from hatls.lab.endpoint import (
    DEFAULT_TIMEOUTS,
    ClientAuth,
    EndpointConfig,
    Fault,
    LabStats,
    LabTimeouts,
    ListenMode,
    RunningEndpoint,
)
from hatls.lab.tls_context import build_server_context

__all__ = [
    "ClientAuth",
    "EndpointConfig",
    "Fault",
    "LabStats",
    "LabThread",
    "LabTimeouts",
    "ListenMode",
    "RunningEndpoint",
    "serve_endpoints",
]

_log = logging.getLogger("hatls.lab")
_BACKLOG = 128
_ACCEPT_BACKOFF = 0.05  # seconds to wait after a failed accept (e.g. out of descriptors)


async def serve_endpoints(
    configs: Sequence[EndpointConfig],
    *,
    timeouts: LabTimeouts = DEFAULT_TIMEOUTS,
    task_status: trio.TaskStatus[tuple[RunningEndpoint, ...]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Bind all endpoints, report them through `task_status.started`, serve until cancelled."""
    contexts = [build_server_context(c) if c.needs_tls else None for c in configs]
    listeners: list[trio.socket.SocketType | None] = []
    try:
        for config in configs:
            listeners.append(None if config.fault is Fault.CLOSED else await _listen(config))
        # Free ports for CLOSED endpoints are picked while the others are bound, so the OS
        # cannot hand a live endpoint's port to a "nothing listens here" one.
        ports = [
            _free_port(config) if listener is None else listener.getsockname()[1]
            for config, listener in zip(configs, listeners, strict=True)
        ]
        running = _running_endpoints(configs, ports)
        tracker = ConnectionTracker()
        async with trio.open_nursery() as nursery:
            for endpoint, listener, context in zip(running, listeners, contexts, strict=True):
                if listener is not None:
                    serve = partial(_accept_loop, listener, endpoint, context, timeouts, tracker)
                    nursery.start_soon(serve, nursery)
            task_status.started(running)
    finally:
        for listener in listeners:
            if listener is not None:
                listener.close()


def _running_endpoints(
    configs: Sequence[EndpointConfig], ports: Sequence[int]
) -> tuple[RunningEndpoint, ...]:
    per_address: dict[str, LabStats] = {}
    return tuple(
        RunningEndpoint(
            config=config,
            port=port,
            address_stats=per_address.setdefault(_canonical(config.address), LabStats()),
        )
        for config, port in zip(configs, ports, strict=True)
    )


def _canonical(address: str) -> str:
    return str(ipaddress.ip_address(address))


def _family(address: str) -> socket.AddressFamily:
    """The socket family of a loopback address; the lab refuses to listen anywhere else."""
    ip = ipaddress.ip_address(address)
    if not ip.is_loopback:
        raise ValueError(f"the lab listens on loopback only, not on {address}")
    return socket.AF_INET6 if ip.version == 6 else socket.AF_INET


def can_listen_on(address: str) -> bool:
    """Whether this machine lets a server bind ``address`` (a loopback address): Linux answers on
    all of 127.0.0.0/8, macOS only on the addresses configured on lo0 (by default 127.0.0.1)."""
    with socket.socket(_family(address), socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


async def _listen(config: EndpointConfig) -> trio.socket.SocketType:
    listener = trio.socket.socket(_family(config.address), socket.SOCK_STREAM)
    try:
        # A lab restarted on a fixed port must not wait out the last run's TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        await listener.bind((config.address, config.port))
        listener.listen(_BACKLOG)
    except BaseException:
        listener.close()
        raise
    return listener


def _free_port(config: EndpointConfig) -> int:
    """A port on which nothing listens — held by nobody, so a connect is refused."""
    family = _family(config.address)  # loopback only, even where nothing will listen
    if config.port:
        return config.port
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((config.address, 0))
        port: int = probe.getsockname()[1]
    return port


async def _accept_loop(
    listener: trio.socket.SocketType,
    endpoint: RunningEndpoint,
    context: SSL.Context | None,
    timeouts: LabTimeouts,
    tracker: ConnectionTracker,
    nursery: trio.Nursery,
) -> None:
    while True:
        try:
            sock, _ = await listener.accept()
        except OSError:
            _log.debug("accept failed on %s:%d", endpoint.address, endpoint.port, exc_info=True)
            await trio.sleep(_ACCEPT_BACKOFF)
            continue
        tracker.opened(sock, (endpoint.stats, endpoint.address_stats))
        nursery.start_soon(_serve_one, sock, endpoint, context, timeouts, tracker)


async def _serve_one(
    sock: trio.socket.SocketType,
    endpoint: RunningEndpoint,
    context: SSL.Context | None,
    timeouts: LabTimeouts,
    tracker: ConnectionTracker,
) -> None:
    try:
        async with trio.SocketStream(sock) as stream:
            await handle_connection(stream, endpoint.config, context, timeouts)
    except Exception:  # one connection's failure never reaches the lab (Cancelled is not one)
        _log.debug("connection to %s:%d ended", endpoint.address, endpoint.port, exc_info=True)
    finally:
        tracker.closed(sock, (endpoint.stats, endpoint.address_stats))


_Started = tuple[RunningEndpoint, ...] | BaseException


class LabThread:
    """Runs `serve_endpoints` with its own `trio.run` on a background thread.

    `with LabThread(configs) as endpoints:` returns once every endpoint is bound (or raises
    what the start raised); leaving the block cancels the lab and joins the thread.
    """

    def __init__(
        self, configs: Sequence[EndpointConfig], *, timeouts: LabTimeouts = DEFAULT_TIMEOUTS
    ) -> None:
        self._configs = tuple(configs)
        self._timeouts = timeouts
        self._started: queue.Queue[_Started] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="hatls-lab", daemon=True)
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        self._failure: BaseException | None = None

    def __enter__(self) -> tuple[RunningEndpoint, ...]:
        self._thread.start()
        started = self._started.get()
        if isinstance(started, BaseException):
            self._thread.join()
            raise started
        return started

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if self._failure is not None and exc_type is None:
            raise RuntimeError("the lab failed while serving") from self._failure

    def stop(self, join_timeout: float = 10.0) -> None:
        """Cancel the lab and wait for its thread; safe to call twice."""
        if self._scope is not None and self._token is not None:
            with contextlib.suppress(trio.RunFinishedError):  # the lab may have ended already
                trio.from_thread.run_sync(self._scope.cancel, trio_token=self._token)
        self._thread.join(join_timeout)
        if self._thread.is_alive():
            raise RuntimeError("the lab thread did not stop")

    def _run(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as failure:  # handed to the thread that waits for the lab
            self._failure = failure
            if self._started.empty():
                self._started.put(failure)

    async def _serve(self) -> None:
        self._token = trio.lowlevel.current_trio_token()
        with trio.CancelScope() as scope:
            self._scope = scope
            async with trio.open_nursery() as nursery:
                serve = partial(serve_endpoints, self._configs, timeouts=self._timeouts)
                try:
                    running: tuple[RunningEndpoint, ...] = await nursery.start(serve)
                except BaseException as failure:
                    # Hand over the start's own error, not the nursery's ExceptionGroup.
                    self._started.put(failure)
                    raise
                self._started.put(running)
