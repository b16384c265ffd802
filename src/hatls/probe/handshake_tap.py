"""The handshake messages a pyOpenSSL client received that pyOpenSSL itself does not expose.

OpenSSL's message callback (``SSL_CTX_set_msg_callback``, reached through the binding pyOpenSSL
is built on) sees every handshake message in the clear, TLS 1.3's encrypted ones too. The tap
counts NewSessionTickets and keeps the first Certificate and CertificateStatus messages, bounded,
so the stapled OCSP response is read from the bytes the server sent (tls/cert_status.py).
"""

from __future__ import annotations

from typing import Any

from OpenSSL import SSL
from OpenSSL._util import ffi, lib

from hatls.tls.cert_status import ocsp_in_tls13_certificate, staple_or_raw
from hatls.tls.protocol import TLS13, HandshakeType

_HANDSHAKE_RECORD = 22     # SSL3_RT_HANDSHAKE; OpenSSL also reports pseudo types 0x100, 0x101
# A Certificate message may hold a long chain; beyond this it is not kept (the chain itself is
# read through pyOpenSSL, and a staple in such a message is then "not seen", never invented).
MAX_KEPT_MESSAGE = 1 << 17
_SIGNATURE = "void(int, int, int, const void *, size_t, SSL *, void *)"


class HandshakeTap:
    def __init__(self) -> None:
        self.tickets = 0
        self._certificate: tuple[int, bytes] | None = None   # (record version, body)
        self._certificate_status: bytes | None = None
        # Held here: cffi frees the C trampoline with this object, so it lives as long as the tap.
        self._callback = ffi.callback(_SIGNATURE, self._seen)

    def install(self, context: SSL.Context) -> None:
        lib.SSL_CTX_set_msg_callback(context._context, self._callback)

    def _seen(self, write_p: int, version: int, content_type: int, buf: Any, length: int,
              _ssl: Any, _arg: Any) -> None:
        # Called from inside OpenSSL: no exception may escape, so only bounded, simple work here.
        if write_p or content_type != _HANDSHAKE_RECORD or length < 4:
            return
        kind = ffi.buffer(buf, 1)[0][0]
        if kind == HandshakeType.NEW_SESSION_TICKET:
            self.tickets += 1
        elif length <= MAX_KEPT_MESSAGE:
            if kind == HandshakeType.CERTIFICATE and self._certificate is None:
                self._certificate = (version, ffi.buffer(buf, length)[4:])
            elif kind == HandshakeType.CERTIFICATE_STATUS and self._certificate_status is None:
                self._certificate_status = ffi.buffer(buf, length)[4:]

    def staple(self) -> bytes:
        """The stapled OCSP response as sent, or b"" when the server stapled none."""
        if self._certificate_status is not None:
            return staple_or_raw(self._certificate_status)
        if self._certificate is not None and self._certificate[0] == TLS13:
            return ocsp_in_tls13_certificate(self._certificate[1]) or b""
        return b""
