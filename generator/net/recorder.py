"""Recording a real client's ClientHello: `tlskb capture`'s server (capture.py) on a fresh port
of 127.0.0.1, speaking the client's protocol up to STARTTLS, and the client run against it
(clientrun.py). The capture answers with a handshake_failure alert, so the client ends at once.

`changed_fields` compares a new recording with the one in the catalogue on the fields that
describe the client's configuration (identify.py's), so a re-recording shows what changed
beyond randomness, key shares, session ids, SNI and padding.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from generator.compat.clients import RecordedClient
from generator.net.capture import CaptureServer, CaptureSettings, CapturedHello
from generator.net.clientrun import Finished, Kit, run_client

#: seconds the capture waits for the client's hello after the client has exited
SETTLE = 2.0


@dataclass(frozen=True, slots=True)
class Recording:
    client_id: str
    hello: bytes | None        # the whole first flight as the client sent it
    finished: Finished
    problem: str | None        # why there is no hello (the capture's words)


class _Capture:
    """A CaptureServer for one hello, in its own thread and event loop."""

    def __init__(self, dialogue: str | None) -> None:
        self.hellos: list[CapturedHello] = []
        self.problems: list[str] = []
        self._ready = threading.Event()
        self._done = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._server = CaptureServer(
            CaptureSettings(starttls=dialogue, count=1, read_timeout=15.0, max_duration=40.0),
            self._hello, lambda problem: self.problems.append(problem.what))
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _hello(self, hello: CapturedHello) -> None:
        self.hellos.append(hello)
        self._done.set()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            _, self.port = await self._server.start()
            self._ready.set()
            await self._server.run()
        try:
            self._loop.run_until_complete(main())
        finally:
            self._ready.set()
            self._done.set()
            self._loop.close()

    def __enter__(self) -> _Capture:
        self._thread.start()
        self._ready.wait(10)
        return self

    def wait(self, seconds: float) -> None:
        self._done.wait(seconds)

    def __exit__(self, *exc_info) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._server.stop)
        self._thread.join(10)


def record_hello(client: RecordedClient, kit: Kit) -> Recording:
    """Run `client` (a binary definition) against a capture and keep its first flight."""
    assert client.definition is not None, "only binary clients are recorded"
    with _Capture(client.protocol.dialogue) as capture:
        finished = run_client(client.definition, kit, capture.port,
                              done=lambda: bool(capture.hellos))
        capture.wait(SETTLE)
    if capture.hellos:
        return Recording(client.id, capture.hellos[0].wire.raw, finished, None)
    problem = "; ".join(capture.problems) or "the client never connected"
    return Recording(client.id, None, finished, problem)


def changed_fields(old: bytes, new: bytes) -> tuple[str, ...]:
    """The configuration fields (identify.py's) in which two recordings differ."""
    from generator.compat.identify import stable_fields
    from generator.tls.records import decode_client_hello
    before = stable_fields(decode_client_hello(old))
    after = stable_fields(decode_client_hello(new))
    return tuple(sorted(name for name in set(before) | set(after)
                        if before.get(name) != after.get(name)))
