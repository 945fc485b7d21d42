"""`tlskb probe`: send recorded ClientHellos to a live server, one connection each, and read
what it answers (ServerHello, HelloRetryRequest or Alert) — the server's real decision for
each recorded client, without completing any handshake.

Before TLS 1.3 the server's Certificate follows its ServerHello in the clear, so the probe reads
on until it has the certificate and names its key type. What the bytes say is answer.py's job
(sans-I/O, bounded memory); this module connects, talks up to STARTTLS and keeps the time.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from dataclasses import dataclass, replace

from generator.errors import TlskbError
from generator.net.answer import AnswerReader, ProbeKind, ProbeResult, ProbeSample
from generator.net.dialogue import MAX_LINE, ClientDialogue, DialogueError
from generator.net.greeting import not_tls_advice, silence_advice, speaks
from generator.tls import extensions as ext
from generator.tls.records import CONTENT_HANDSHAKE, decode_client_hello, encode_records


class ProbeError(TlskbError):
    """The server cannot be probed at all (unreachable, refuses STARTTLS): one line says why."""


def with_server_name(raw: bytes, name: str) -> bytes:
    """The ClientHello with its SNI host name replaced by `name` (RFC 6066 §3), re-encoded in
    one record (more if over 2^14 bytes). Hellos without SNI, or in SSL 2.0 format, are
    returned unchanged: the real client would not have sent one either. `name` is an ASCII DNS
    name: the command line's are made so by hostname.dns_name."""
    wire = decode_client_hello(raw)
    hello = wire.hello
    if wire.sslv2 is not None or hello.typed(ext.ServerName) is None:
        return raw
    entries = (ext.ServerNameEntry(0, name.encode("ascii")),)
    extensions = tuple(ext.ServerName(entries) if isinstance(e, ext.ServerName) else e
                       for e in hello.extensions)
    message = replace(hello, extensions=extensions).encode()
    if not wire.records:
        return message
    return encode_records(CONTENT_HANDSHAKE, wire.records[0].version, message)


def default_server_name(host: str) -> str | None:
    """The SNI to send for `host`: the name itself, or None for an IP literal (RFC 6066 §3:
    literal addresses are not permitted in HostName)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.rstrip(".")
    return None


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    starttls: str | None = None
    server_name: str | None = None   # replaces the recorded SNI; None keeps it
    timeout: float = 10.0


async def _connect(target: Target) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(target.host, target.port, limit=MAX_LINE * 2),
            target.timeout)
    except asyncio.TimeoutError:
        raise ProbeError(f"cannot connect to {target.host}:{target.port}: no answer within "
                         f"{target.timeout:g} s") from None
    except socket.gaierror as error:
        raise ProbeError(f"cannot resolve {target.host}: {error.strerror}") from None
    except OSError as error:
        why = os.strerror(error.errno) if error.errno else (error.strerror or str(error))
        raise ProbeError(f"cannot connect to {target.host}:{target.port}: {why}") from None
    if target.starttls:
        dialogue = ClientDialogue(target.starttls)
        try:
            await asyncio.wait_for(_starttls(reader, writer, dialogue), target.timeout)
        except asyncio.TimeoutError:
            writer.transport.abort()
            if not dialogue.lines:   # not even a greeting: likely a server speaking TLS at once
                raise NotTlsError(f"{target.host}:{target.port}: "
                                  + silence_advice(target.starttls, target.timeout)) from None
            raise ProbeError(f"{target.host}:{target.port}: the {target.starttls.upper()} "
                             f"dialogue did not reach STARTTLS within {target.timeout:g} s") from None
        except DialogueError as error:
            writer.transport.abort()
            what = speaks(error.line) if error.line else None
            hint = ("" if what is None or what.starttls == target.starttls else
                    "; " + not_tls_advice(what, error.line, target.starttls, target.port))
            raise ProbeError(f"{target.host}:{target.port}: {error}{hint}") from None
        except ConnectionError as error:
            writer.transport.abort()
            raise ProbeError(f"{target.host}:{target.port}: {error}") from None
    return reader, writer


async def _starttls(reader, writer, dialogue: ClientDialogue) -> None:
    """The dialogue up to STARTTLS. Every line is bounded (MAX_LINE) and so is their number
    (ClientDialogue), so a server that talks forever costs neither memory nor more than the
    timeout."""
    protocol = dialogue.protocol
    while not dialogue.done:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as error:
            raise DialogueError(f"the {protocol.upper()} server closed the connection before "
                                f"STARTTLS ({len(error.partial)} bytes of a last line)",
                                bytes(error.partial[:256])) from None
        except asyncio.LimitOverrunError:
            raise DialogueError(f"the {protocol.upper()} server sent a line longer than "
                                f"{MAX_LINE} bytes") from None
        answer = dialogue.receive(line)
        if answer:
            writer.write(answer)
            await writer.drain()


async def probe_sample(target: Target, sample: ProbeSample) -> ProbeResult:
    """One connection: (STARTTLS,) the recorded hello, the server's answer. Connection-level
    failures raise ProbeError; everything after connecting is a result."""
    raw = sample.raw
    if target.server_name:
        raw = with_server_name(raw, target.server_name)
    reader, writer = await _connect(target)
    try:
        writer.write(raw)
        await writer.drain()
        return await _read_answer(target, sample, reader)
    except (ConnectionError, OSError) as error:
        return ProbeResult(sample, ProbeKind.CLOSED, detail=f"connection lost: {error}")
    finally:
        writer.transport.abort()


async def _read_answer(target: Target, sample: ProbeSample, reader) -> ProbeResult:
    """The server's answer (answer.py decides when it is complete), within the timeout."""
    answer = AnswerReader(sample)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + target.timeout
    while True:
        remaining = deadline - loop.time()
        try:
            chunk = await asyncio.wait_for(reader.read(1 << 16), max(remaining, 0.001))
        except asyncio.TimeoutError:
            return answer.end(f"no answer within {target.timeout:g} s", timed_out=True)
        if not chunk:
            return answer.end("the server closed the connection without an answer")
        result = answer.feed(chunk)
        if result is not None:
            return result


def _waiting(pending: dict[int, str]) -> str:
    """The clients still awaited, for the progress line: a slow one (a server that never
    answers it waits out --timeout) is named instead of the count seeming stuck."""
    names = list(pending.values())
    if not names or len(names) > 2:
        return ""
    return "waiting for " + " and ".join(names)


class NotTlsError(ProbeError):
    """The server answered the first ClientHello in another protocol, or not at all: no client
    verdict can be drawn from it."""


def _not_tls(target: Target, result: ProbeResult) -> NotTlsError | None:
    """The error for a first answer that shows the server is not speaking TLS, if it does."""
    where = f"{target.host}:{target.port}"
    if result.not_tls:
        what = speaks(result.first_bytes)
        return NotTlsError(f"{where} does not speak TLS here: "
                           + not_tls_advice(what, result.first_bytes, target.starttls,
                                            target.port))
    if result.silent:
        return NotTlsError(f"{where} does not speak TLS here: "
                           + silence_advice(None, target.timeout))
    return None


async def probe_all(target: Target, samples: list[ProbeSample], concurrency: int = 8,
                    progress=None, pilot: int = 0) -> list[ProbeResult]:
    """Every sample, at most `concurrency` connections at a time, results in sample order.
    The `pilot` sample goes alone first: if the server cannot be reached, one ProbeError says
    so, and if it answers in another protocol or not at all, one NotTlsError (with the likely
    fix) — no client verdict is drawn from a server that does not speak TLS."""
    if not samples:
        return []
    first = await probe_sample(target, samples[pilot])
    refusal = _not_tls(target, first)
    if refusal is not None:
        raise refusal
    results: list[ProbeResult | None] = [None] * len(samples)
    results[pilot] = first
    pending = {i: samples[i].client for i in range(len(samples)) if i != pilot}
    if progress:
        progress(1, len(samples), _waiting(pending))
    gate = asyncio.Semaphore(concurrency)
    done = 1

    async def one(index: int) -> None:
        nonlocal done
        async with gate:
            try:
                results[index] = await probe_sample(target, samples[index])
            except ProbeError as error:  # reachable a moment ago: report it for this sample
                results[index] = ProbeResult(samples[index], ProbeKind.UNREACHABLE,
                                             detail=str(error))
        done += 1
        del pending[index]
        if progress:
            progress(done, len(samples), _waiting(pending))

    await asyncio.gather(*(one(i) for i in range(len(samples)) if i != pilot))
    finished = [r for r in results if r is not None]
    if not any(r.answered for r in finished):
        kinds = sorted({r.kind for r in finished})
        raise NotTlsError(f"{target.host}:{target.port} gave no TLS answer to any of the "
                          f"{len(finished)} ClientHellos ({', '.join(kinds)}; the first: "
                          f"{first.detail}): no client verdict can be drawn; check the port"
                          + ("" if target.starttls else " or whether it needs --starttls"))
    return finished
