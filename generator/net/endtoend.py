"""End-to-end proof: a real client program against each stack's live server (live.py) holding
each key type, trusting the test CA (certs.live_trust_pem), on 127.0.0.1 — the strongest
evidence the knowledge base has, because the client's own verification runs too.

For one client, stack and key type: the stack opens a listener with that key's chain; for a
STARTTLS protocol a relay (relay.py) speaks the plaintext part in front of it; the client runs
(clientrun.py); then the server's record of the handshake decides (`judge`):

* completed       the server received the client's Finished: the client accepted the chain,
                  the key and the signature (RFC 8446 §4.4.4; RFC 5246 §7.4.9)
* server_refused  the server's library ended it with its own alert (it could not serve this
                  hello with this key — what a replay shows too)
* client_refused  the client sent the fatal alert (it refused what the server sent), or hung
                  up mid-handshake and exited with an error
* no_connection   no handshake reached the server (the client refused before connecting)
* failed          it ended otherwise (closed without an alert, timed out)

The client's exit status and last error line are kept beside the server's verdict, as the
client's own words; the verdict itself comes from the server's side, which is the same for
every client program.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from generator.compat.certs import live_certified_key
from generator.compat.clients import ClientRun, EndToEnd, RecordedClient
from generator.compat.keytypes import KeyType, catalogue
from generator.net.clientrun import Kit, run_client
from generator.net.live import HandshakeEnd, LiveHandshake, LiveServer
from generator.net.relay import StartTlsRelay
from generator.stacks import StackId, stacks

_ENDS = {HandshakeEnd.SERVER_ALERT: EndToEnd.SERVER_REFUSED,
         HandshakeEnd.CLIENT_ALERT: EndToEnd.CLIENT_REFUSED}


def judge(handshakes: Iterable[LiveHandshake], exit_status: int | None,
          said: str | None) -> ClientRun:
    """The run's result from the server's handshakes (a client may retry: any completed one
    counts, else the first refusal, else the first handshake)."""
    handshakes = tuple(handshakes)
    completed = next((h for h in handshakes if h.end is HandshakeEnd.COMPLETED), None)
    if completed is not None:
        return ClientRun(EndToEnd.COMPLETED, completed.version, None, None, exit_status, said)
    if not handshakes:
        return ClientRun(EndToEnd.NO_CONNECTION, None, None, None, exit_status, said)
    first = next((h for h in handshakes if h.end in _ENDS), handshakes[0])
    result = _ENDS.get(first.end, EndToEnd.FAILED)
    if first.end is HandshakeEnd.CLOSED and exit_status not in (0, None):
        # it hung up mid-handshake and then failed by its own account: a refusal without an
        # alert (wolfSSL 5.5 with an RSA 8192 key: "mp_exptmod error state")
        result = EndToEnd.CLIENT_REFUSED
    return ClientRun(result, first.version, first.alert, first.detail, exit_status, said)


class LiveServers:
    """One live server per stack for a whole session, shared by the threads that prove
    clients (each call to a server is made under that server's lock)."""

    def __init__(self, stack_ids: Iterable[StackId] | None = None) -> None:
        import importlib
        self._servers: dict[StackId, LiveServer] = {}
        self._locks: dict[StackId, threading.Lock] = {}
        for stack_id in stack_ids or [s.id for s in stacks()]:
            module = importlib.import_module(f"generator.stacks.{stack_id.value}.live")
            self._servers[stack_id] = module.live_server()
            self._locks[stack_id] = threading.Lock()

    @property
    def stack_ids(self) -> tuple[StackId, ...]:
        return tuple(self._servers)

    def run(self, stack_id: StackId, key_type: KeyType, client: RecordedClient,
            kit: Kit) -> ClientRun:
        server, lock = self._servers[stack_id], self._locks[stack_id]
        key = live_certified_key(key_type.algorithm.value, key_type.size, key_type.curve)
        with lock:
            port = server.open_listener(key)
        relay = None
        try:
            dialogue = client.protocol.dialogue
            if dialogue is not None:
                relay = StartTlsRelay(dialogue, port)
            finished = run_client(client.definition, kit, relay.port if relay else port,
                                  done=lambda: self._ended(stack_id, port))
            with lock:
                handshakes = server.handshakes(port)
        finally:
            if relay is not None:
                relay.close()
            with lock:
                server.close_listener(port)
        return judge(handshakes, finished.exit, finished.said)

    def _ended(self, stack_id: StackId, port: int) -> bool:
        """Whether a handshake on `port` has ended (for clients stopped after it)."""
        with self._locks[stack_id]:
            return bool(self._servers[stack_id].handshakes(port, settle=0))

    def close(self) -> None:
        for server in self._servers.values():
            server.close()

    def __enter__(self) -> LiveServers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


_shared: LiveServers | None = None
_shared_lock = threading.Lock()


def shared_servers() -> LiveServers:
    """The session's live servers, started on first use (tools/record_client_hellos.py)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LiveServers()
        return _shared


def close_shared_servers() -> None:
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None


def prove_client(client: RecordedClient, kit: Kit, today: str,
                 servers: LiveServers | None = None) -> dict:
    """Every stack × key type for one client, as the client file's `end_to_end` mapping."""
    servers = servers or shared_servers()
    results: dict[str, dict[str, dict]] = {}
    for stack_id in servers.stack_ids:
        for key_type in catalogue().key_types:
            run = servers.run(stack_id, key_type, client, kit)
            results.setdefault(stack_id.value, {})[key_type.id] = {
                "result": run.result.value, "version": run.version, "alert": run.alert,
                "detail": run.detail, "exit": run.exit, "said": run.said}
    return {"proven": today, "results": results}
