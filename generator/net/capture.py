"""`tlskb capture`: a listener that records the ClientHello of every client that connects.

Plain TLS, or SMTP/IMAP/POP3 up to STARTTLS first (dialogue.py). Each connection's first flight
is read with a bound on every read's duration and on its size (records over 2^14 bytes or
hellos over 128 KiB are refused at their header), decoded, handed to `on_hello`, and answered
with a fatal handshake_failure alert — or, with `handshake=True`, by completing the handshake
with a throwaway certificate, so the client's own verdict on it (e.g. unknown_ca) is seen too.
A malformed, slow or hostile client ends its own connection and nothing else.

Slots are shared fairly (slots.py has the policy and its reasons): at most `max_per_peer` at
once from one source (an IPv4 address, or an IPv6 /64), and each for at most `max_duration`
seconds from accept to the end (dialogue, hello and handshake together). When all
`max_connections` are taken, a newcomer still gets one: the connection that has waited longest
for its ClientHello in the busiest address range (IPv4 /8, /16, /24, address; IPv6 /32, /48,
/56, /64) is closed to make room. So neither slow clients nor chatty ones (NOOP forever), from
one address or thousands, keep out a real client that sends its hello promptly.
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.compat.keytypes import KeyType
from generator.errors import DecodeError, TlskbError
from generator.net.dialogue import MAX_LINE, ServerDialogue
from generator.net.slots import Outcome, Slot, SlotTable, lineage
from generator.tls.records import (MAX_FIRST_FLIGHT, NeedMoreData, WireClientHello,
                                   alert_record, bytes_needed_for_first_flight,
                                   decode_client_hello_at)

ALERT_HANDSHAKE_FAILURE = 40
#: what a PostgreSQL client sends to ask for TLS (PostgreSQL protocol, SSLRequest)
POSTGRES_SSL_REQUEST = bytes.fromhex("0000000804d2162f")
ALERT_DECODE_ERROR = 50
ALERT_RECORD_OVERFLOW = 22


class CaptureError(TlskbError):
    """The listener could not start (address in use, permission, bad address)."""


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    host: str = "127.0.0.1"
    port: int = 0
    starttls: str | None = None          # "smtp", "imap", "pop3", "postgres" or None
    count: int | None = None             # stop after this many ClientHellos
    handshake_key: KeyType | None = None  # complete the handshake with this key type
    read_timeout: float = 10.0           # for each line before STARTTLS and for the hello
    handshake_timeout: float = 10.0
    max_connections: int = 512           # at once; then a newcomer displaces a waiting one
    max_per_peer: int = 32               # from one source (source_of) at once; more are closed
    max_duration: float = 30.0           # a whole connection, from accept to close


@dataclass(frozen=True, slots=True)
class HandshakeResult:
    """How the full handshake with our throwaway certificate ended."""
    completed: bool
    version: str | None = None
    cipher: str | None = None
    reason: str | None = None    # OpenSSL's words, e.g. "tlsv1 alert unknown ca"

    @property
    def client_alert(self) -> str | None:
        """The alert the client sent, when that ended the handshake: "unknown_ca"."""
        match = _PEER_ALERT.fullmatch(self.reason or "")
        return match["alert"].replace(" ", "_") if match else None

    def describe(self) -> str:
        if self.completed:
            return f"handshake completed: {self.version}, {self.cipher}"
        alert = self.client_alert
        if alert is not None:
            return (f"handshake failed: the client sent alert {alert}"
                    + (" (it does not trust the throwaway certificate, as expected)"
                       if alert in ("unknown_ca", "bad_certificate", "certificate_unknown")
                       else ""))
        return f"handshake failed: {self.reason or 'unknown'}"


#: how OpenSSL words an alert received from the peer: "tlsv1 alert unknown ca",
#: "sslv3 alert bad certificate", "tlsv13 alert certificate required"
_PEER_ALERT = re.compile(r"(?:sslv3|tlsv1|tlsv13) alert (?P<alert>[a-z0-9 ]+)")


@dataclass(frozen=True, slots=True)
class CapturedHello:
    number: int
    peer: tuple[str, int]
    listener: tuple[str, int]
    time: datetime.datetime
    protocol: str | None
    wire: WireClientHello
    handshake: HandshakeResult | None = None


@dataclass(frozen=True, slots=True)
class ConnectionProblem:
    """A connection that ended without a usable ClientHello, and why."""
    peer: tuple[str, int]
    time: datetime.datetime
    what: str


@dataclass(slots=True)
class CaptureStats:
    connections: int = 0
    hellos: int = 0
    problems: int = 0
    turned_away: int = 0    # every slot past its ClientHello, or arriving while stopping
    turned_away_peer: int = 0   # over max_per_peer
    out_of_time: int = 0    # cut at max_duration
    displaced: int = 0      # closed to make room for a newcomer (slots.py)


class _Dropped(Exception):
    """Ends one connection: what to tell the user, and what to send the client first (an alert
    record, a protocol's goodbye line), if anything."""

    def __init__(self, what: str, alert: int | None = None, reply: bytes | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.reply = alert_record(alert) if alert is not None else reply


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def utc_stamp(moment: datetime.datetime) -> str:
    """ISO 8601 to the second, with Z: "2026-11-27T03:15:00Z"."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _address(pair) -> tuple[str, int]:
    return (str(pair[0]), int(pair[1])) if pair else ("?", 0)


class CaptureServer:
    """Runs until `stop()` or until `settings.count` hellos have arrived."""

    def __init__(self, settings: CaptureSettings, on_hello: Callable[[CapturedHello], None],
                 on_problem: Callable[[ConnectionProblem], None]) -> None:
        self.settings = settings
        self.on_hello = on_hello
        self.on_problem = on_problem
        self.stats = CaptureStats()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._slots = SlotTable(settings.max_connections, settings.max_per_peer)
        self._holders: dict[Slot, tuple[asyncio.Task, asyncio.StreamWriter]] = {}
        self._stopped = asyncio.Event()

    async def start(self) -> tuple[str, int]:
        if self.settings.handshake_key is not None:
            from generator.stacks.openssl.pinned import reference_context
            reference_context(self.settings.handshake_key)  # fail now, not per connection
        try:
            self._server = await asyncio.start_server(
                self._accept, self.settings.host, self.settings.port, limit=MAX_LINE * 2,
                backlog=1024)
        except OSError as error:
            raise CaptureError(f"cannot listen on {self.settings.host}:{self.settings.port}: "
                               f"{error.strerror or error}") from None
        return _address(self._server.sockets[0].getsockname())

    def stop(self) -> None:
        self._stopped.set()

    async def run(self) -> CaptureStats:
        """Serve until stopped; then close the listener and end open connections."""
        if self._server is None:
            await self.start()
        await self._stopped.wait()
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        return self.stats

    # -- one connection -----------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.stats.connections += 1
        peer = _address(writer.get_extra_info("peername"))
        if self._stopped.is_set():
            self.stats.turned_away += 1
            writer.transport.abort()
            return
        admission = self._slots.admit(lineage(peer[0]))
        if admission.slot is None:
            if admission.outcome is Outcome.OVER_SOURCE_LIMIT:
                self.stats.turned_away_peer += 1
            else:
                self.stats.turned_away += 1
            writer.transport.abort()
            return
        if admission.displaced is not None:
            self._displace(admission.displaced)
        slot = admission.slot
        self._tasks.add(task)
        self._holders[slot] = (task, writer)
        deadline = asyncio.get_running_loop().time() + self.settings.max_duration
        try:
            await self._serve(reader, writer, peer, deadline, slot)
        except _Dropped as dropped:
            self.stats.problems += 1
            if dropped.reply is not None:
                writer.write(dropped.reply)
            self.on_problem(ConnectionProblem(peer, _now(), dropped.what))
        except (ConnectionError, OSError) as error:
            self.stats.problems += 1
            self.on_problem(ConnectionProblem(peer, _now(), f"connection lost: {error}"))
        except asyncio.CancelledError:
            if slot.displaced:  # else the listener is stopping
                self.stats.problems += 1
                self.on_problem(ConnectionProblem(
                    peer, _now(), f"closed to make room: all {self.settings.max_connections} "
                    "slots (--max-connections) were taken, and this connection had waited "
                    "longest for its ClientHello in the busiest address range"))
        finally:
            self._tasks.discard(task)
            self._holders.pop(slot, None)
            self._slots.release(slot)  # before any wait: the slot is free from now on
            if slot.displaced:
                writer.transport.abort()
            else:
                await self._close(writer)

    def _displace(self, slot: Slot) -> None:
        """Close the connection whose slot a newcomer took (slots.py chose it): at once, with
        nothing left to send, so it holds nothing while its task winds up."""
        self.stats.displaced += 1
        task, writer = self._holders.pop(slot)
        writer.transport.abort()
        task.cancel()

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        try:
            buffered = writer.transport.get_write_buffer_size() and not writer.is_closing()
            writer.close()
            if buffered:  # let the alert or handshake bytes go out, for a bounded time
                await asyncio.wait_for(writer.wait_closed(), 2)
        except (ConnectionError, OSError, asyncio.TimeoutError, asyncio.CancelledError):
            writer.transport.abort()

    async def _serve(self, reader, writer, peer, deadline: float, slot: Slot) -> None:
        settings = self.settings
        if settings.starttls:
            await self._before_starttls(reader, writer, deadline)
        wire, rest = await self._read_first_flight(reader, deadline)
        self._slots.hello_arrived(slot)  # at once, no await between: it keeps its slot now
        if settings.count is not None and self.stats.hellos >= settings.count:
            return  # enough already; this one arrived while stopping
        self.stats.hellos += 1
        handshake = None
        if settings.handshake_key is not None:
            handshake = await self._complete_handshake(reader, writer, wire.raw + rest, deadline)
        else:
            version = min(wire.records[0].version, 0x0303) if wire.records else 0x0301
            writer.write(alert_record(ALERT_HANDSHAKE_FAILURE, max(version, 0x0301)))
        local = _address(writer.get_extra_info("sockname"))
        self.on_hello(CapturedHello(self.stats.hellos, peer, local, _now(), settings.starttls,
                                    wire, handshake))
        if settings.count is not None and self.stats.hellos >= settings.count:
            self.stop()

    def _out_of_time(self, what: str, reply: bytes | None = None) -> _Dropped:
        self.stats.out_of_time += 1
        return _Dropped(f"{what} within {self.settings.max_duration:g} s of connecting "
                        "(--max-duration)", reply=reply)

    async def _before_starttls(self, reader, writer, deadline: float) -> None:
        if self.settings.starttls == "postgres":
            await self._postgres_ssl_request(reader, writer, deadline)
            return
        dialogue = ServerDialogue(self.settings.starttls)
        protocol = self.settings.starttls.upper()
        writer.write(dialogue.greeting())
        loop = asyncio.get_running_loop()
        while True:
            line = await self._read_line(reader, deadline)
            reply = dialogue.receive(line)
            writer.write(reply.data)
            try:  # a client that does not read its answers cannot stall us either
                await asyncio.wait_for(writer.drain(), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                raise self._out_of_time(f"no STARTTLS from the {protocol} client") from None
            if reply.start_tls:
                return
            if reply.close:
                raise _Dropped(f"the client ended the {protocol} session without STARTTLS")

    async def _postgres_ssl_request(self, reader, writer, deadline: float) -> None:
        """A PostgreSQL client's SSLRequest (protocol §53.2.10: Int32 8, Int32 80877103),
        answered with "S" (TLS follows). Anything else ends the connection."""
        loop = asyncio.get_running_loop()
        timeout = min(self.settings.read_timeout, deadline - loop.time())
        try:
            request = await asyncio.wait_for(reader.readexactly(8), max(timeout, 0))
        except asyncio.TimeoutError:
            raise _Dropped("no SSLRequest from the PostgreSQL client in time") from None
        except asyncio.IncompleteReadError:
            raise _Dropped("the client closed the connection before its SSLRequest") from None
        if request != POSTGRES_SSL_REQUEST:
            raise _Dropped(f"not a PostgreSQL SSLRequest: {request.hex()}")
        writer.write(b"S")

    async def _read_line(self, reader, deadline: float) -> bytes:
        """One client line before STARTTLS, within the read timeout and the connection's
        deadline (then the protocol's goodbye is sent: SMTP 421, IMAP BYE, POP3 -ERR)."""
        loop = asyncio.get_running_loop()
        timeout = min(self.settings.read_timeout, deadline - loop.time())
        try:
            if timeout <= 0:
                raise asyncio.TimeoutError
            line = await asyncio.wait_for(reader.readuntil(b"\n"), timeout)
        except asyncio.TimeoutError:
            if loop.time() >= deadline:
                protocol = self.settings.starttls
                goodbye = ServerDialogue(protocol).goodbye(b"connection time limit reached")
                raise self._out_of_time(f"no STARTTLS from the {protocol.upper()} client",
                                        goodbye) from None
            raise _Dropped(f"no command within {self.settings.read_timeout:g} s before "
                           "STARTTLS") from None
        except asyncio.IncompleteReadError as error:
            raise _Dropped(f"the client closed the connection before STARTTLS "
                           f"({len(error.partial)} bytes of a last line)") from None
        except asyncio.LimitOverrunError:
            raise _Dropped(f"a command line longer than {MAX_LINE} bytes before STARTTLS") from None
        if len(line) > MAX_LINE:
            raise _Dropped(f"a command line longer than {MAX_LINE} bytes before STARTTLS")
        return line

    async def _read_first_flight(self, reader, connection_deadline: float
                                 ) -> tuple[WireClientHello, bytes]:
        """The ClientHello and any bytes that came with it; _Dropped for anything else."""
        buffer = bytearray()
        loop = asyncio.get_running_loop()
        deadline = min(loop.time() + self.settings.read_timeout, connection_deadline)
        while True:
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise asyncio.TimeoutError
                chunk = await asyncio.wait_for(reader.read(1 << 16), remaining)
            except asyncio.TimeoutError:
                if deadline >= connection_deadline:
                    raise self._out_of_time(f"no complete ClientHello ({len(buffer)} bytes "
                                            "arrived)") from None
                raise _Dropped(self._stalled(buffer)) from None
            if not chunk:
                raise _Dropped("the client closed the connection after "
                               f"{len(buffer)} bytes, before a complete ClientHello")
            buffer += chunk
            if len(buffer) < bytes_needed_for_first_flight(buffer):
                self._check_bound(buffer)
                continue
            data = bytes(buffer)
            try:
                wire, end = decode_client_hello_at(data)
            except NeedMoreData:
                self._check_bound(buffer)
                continue
            except DecodeError as error:
                alert = (ALERT_RECORD_OVERFLOW if error.field == "record length"
                         else ALERT_DECODE_ERROR)
                raise _Dropped(f"not a ClientHello: {error}", alert) from None
            return wire, data[end:]

    @staticmethod
    def _check_bound(buffer: bytearray) -> None:
        """An incomplete first flight may not grow past MAX_FIRST_FLIGHT."""
        if len(buffer) > MAX_FIRST_FLIGHT:
            raise _Dropped(f"more than {MAX_FIRST_FLIGHT} bytes without a complete ClientHello",
                           ALERT_RECORD_OVERFLOW)

    def _stalled(self, buffer: bytearray) -> str:
        return (f"no complete ClientHello within {self.settings.read_timeout:g} s "
                f"({len(buffer)} bytes arrived)")

    async def _complete_handshake(self, reader, writer, first_flight: bytes,
                                  connection_deadline: float) -> HandshakeResult:
        """Finish the handshake as the reference server (the pinned OpenSSL) holding a
        certificate of the chosen key type, feeding it the bytes already read and then
        whatever the client sends, until the handshake timeout or the connection's deadline
        (the hello is kept either way)."""
        from generator.stacks.openssl.handshake import HandshakeSession, HandshakeState
        session = HandshakeSession(self.settings.handshake_key)
        session.feed(first_flight)
        loop = asyncio.get_running_loop()
        deadline = min(loop.time() + self.settings.handshake_timeout, connection_deadline)
        limit = (f"{self.settings.handshake_timeout:g} s"
                 if deadline < connection_deadline else
                 f"{self.settings.max_duration:g} s of connecting (--max-duration)")
        while True:
            step = session.step()
            writer.write(step.output)
            if step.state is HandshakeState.FAILED:
                return HandshakeResult(False, reason=step.reason)
            if step.state is HandshakeState.COMPLETED:
                writer.write(session.close())
                return HandshakeResult(True, step.version, step.cipher)
            if deadline - loop.time() <= 0:  # a client always sending one more byte ends here
                return HandshakeResult(False, reason=f"the handshake did not complete within "
                                                     f"{limit}")
            try:
                await asyncio.wait_for(writer.drain(), deadline - loop.time())
                chunk = await asyncio.wait_for(reader.read(1 << 16), deadline - loop.time())
            except asyncio.TimeoutError:
                return HandshakeResult(False, reason="the client stopped answering during the "
                                                     f"handshake (limit: {limit})")
            if not chunk:
                return HandshakeResult(False, reason="the client closed the connection during "
                                                     "the handshake")
            session.feed(chunk)
