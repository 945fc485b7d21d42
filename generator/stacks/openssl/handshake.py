"""A full handshake as the reference server, over memory BIOs, for `tlskb capture
--handshake`: the caller moves the bytes, this module only decides what OpenSSL says."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from OpenSSL import SSL

from generator.compat.keytypes import KeyType
from generator.stacks.openssl.pinned import drain, error_text, reference_context


class HandshakeState(enum.Enum):
    CONTINUE = "continue"     # feed what the client sends next
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class HandshakeStep:
    """Where a server-side handshake stands after the bytes fed so far."""
    output: bytes                 # to send to the client now
    state: HandshakeState
    version: str | None = None    # "TLSv1.3", once completed
    cipher: str | None = None     # "TLS_AES_256_GCM_SHA384", once completed
    reason: str | None = None     # OpenSSL's words, once failed: "tlsv1 alert unknown ca"


class HandshakeSession:
    """Feed it what the client sends, send the client what `step` returns, until the
    handshake completes or fails."""

    def __init__(self, key_type: KeyType) -> None:
        self._connection = SSL.Connection(reference_context(key_type), None)
        self._connection.set_accept_state()

    def feed(self, data: bytes) -> None:
        self._connection.bio_write(data)

    def step(self) -> HandshakeStep:
        connection = self._connection
        try:
            connection.do_handshake()
        except SSL.WantReadError:
            return HandshakeStep(drain(connection), HandshakeState.CONTINUE)
        except SSL.Error as error:
            return HandshakeStep(drain(connection), HandshakeState.FAILED,
                                 reason=error_text(error))
        return HandshakeStep(drain(connection), HandshakeState.COMPLETED,
                             connection.get_protocol_version_name(),
                             connection.get_cipher_name())

    def close(self) -> bytes:
        """A close_notify alert to send; the client's own is not awaited."""
        try:
            self._connection.shutdown()
        except SSL.Error:
            pass  # after a completed handshake the alert is written whether or not this raises
        return drain(self._connection)
