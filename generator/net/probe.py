"""`tlskb probe`: send recorded ClientHellos to a live server, one connection each, and read
what it answers (ServerHello, HelloRetryRequest or Alert) — the server's real decision for
each recorded client, without completing any handshake.

Before TLS 1.3 the server's Certificate follows its ServerHello in the clear, so the probe reads
on until it has the certificate and names its key type.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from dataclasses import dataclass, replace

from cryptography import x509

from generator.compat.keytypes import catalogue, key_parameters
from generator.errors import DecodeError, TlskbError
from generator.net.dialogue import MAX_LINE, ClientDialogue, DialogueError
from generator.tls import extensions as ext
from generator.tls.messages import (HANDSHAKE_CERTIFICATE, HANDSHAKE_SERVER_HELLO_DONE,
                                    CertificateList)
from generator.tls.reader import Reader
from generator.tls.records import (CONTENT_HANDSHAKE, NeedMoreData, ServerResponse,
                                   decode_client_hello, decode_server_response, encode_records)

#: the most a server's first flight may make us hold (a long certificate chain fits easily)
MAX_RESPONSE = 1 << 18


class ProbeError(TlskbError):
    """The server cannot be probed at all (unreachable, refuses STARTTLS): one line says why."""


@dataclass(frozen=True, slots=True)
class ProbeSample:
    """A ClientHello to send: from a case (`case_id` set) or a recorded client."""
    id: str
    client: str
    raw: bytes
    case_id: str | None = None
    case_title: str | None = None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    sample: ProbeSample
    kind: str                      # server_hello, hello_retry_request, alert, closed, error
    version: int | None = None
    cipher_suite: int | None = None
    group: int | None = None       # HelloRetryRequest's group, TLS 1.3 key share group
    alert: int | None = None
    detail: str | None = None      # what went wrong, for closed/error
    certificate_key: str | None = None  # "ECDSA P-384", from a TLS <= 1.2 Certificate
    certificate_key_type: str | None = None  # its catalogue id, when it is one

    @property
    def ok(self) -> bool:
        """The handshake would proceed: the server chose parameters (a HelloRetryRequest asks
        the client for another key share, which every TLS 1.3 client can send)."""
        return self.kind in ("server_hello", "hello_retry_request")

    @property
    def answered(self) -> bool:
        """The server decided (parameters or an alert), rather than closing or going silent."""
        return self.ok or self.kind == "alert"


def with_server_name(raw: bytes, name: str) -> bytes:
    """The ClientHello with its SNI host name replaced by `name` (RFC 6066 §3), re-encoded in
    one record (more if over 2^14 bytes). Hellos without SNI, or in SSL 2.0 format, are
    returned unchanged: the real client would not have sent one either."""
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


def certificate_key(der: bytes) -> tuple[str, str | None]:
    """("ECDSA P-384", "ec384") for a leaf certificate: the catalogue's label and id, or a
    description and None for a key outside the catalogue (RSA 1024, ECDSA brainpoolP256r1)."""
    try:
        key = x509.load_der_x509_certificate(der).public_key()
    except ValueError as error:
        return f"unreadable certificate ({error})", None
    parameters = key_parameters(key)
    if parameters is None:
        return type(key).__name__.removeprefix("_").removesuffix("PublicKey"), None
    known = catalogue().matching(*parameters)
    if known is not None:
        return known.label, known.id
    algorithm, size, curve = parameters
    return f"{algorithm.upper()} {size or curve}", None


def _certificate_from(response: ServerResponse) -> tuple[str, str | None] | None:
    for message in response.following:
        if message.msg_type == HANDSHAKE_CERTIFICATE:
            certificates = CertificateList.parse(Reader(message.data, 4)).certificates
            return certificate_key(certificates[0]) if certificates else ("no certificate", None)
    return None


def _flight_done(response: ServerResponse) -> bool:
    """Enough read: an alert, a TLS 1.3 answer (the rest is encrypted), or a TLS <= 1.2 flight
    up to its Certificate or ServerHelloDone."""
    hello = response.server_hello
    if hello is None or hello.is_hello_retry_request or hello.selected_version >= 0x0304:
        return True
    return any(m.msg_type in (HANDSHAKE_CERTIFICATE, HANDSHAKE_SERVER_HELLO_DONE)
               for m in response.following)


def result_from_response(sample: ProbeSample, response: ServerResponse) -> ProbeResult:
    if response.alert is not None:
        return ProbeResult(sample, "alert", alert=response.alert.description)
    hello = response.server_hello
    kind = "hello_retry_request" if hello.is_hello_retry_request else "server_hello"
    key = _certificate_from(response)
    return ProbeResult(sample, kind, hello.selected_version, hello.cipher_suite,
                       hello.selected_group, certificate_key=key[0] if key else None,
                       certificate_key_type=key[1] if key else None)


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
        try:
            await asyncio.wait_for(_starttls(reader, writer, target.starttls), target.timeout)
        except asyncio.TimeoutError:
            writer.transport.abort()
            raise ProbeError(f"{target.host}:{target.port}: the {target.starttls.upper()} "
                             f"dialogue did not reach STARTTLS within {target.timeout:g} s") from None
        except (DialogueError, ConnectionError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as error:
            writer.transport.abort()
            raise ProbeError(f"{target.host}:{target.port}: {error}") from None
    return reader, writer


async def _starttls(reader, writer, protocol: str) -> None:
    dialogue = ClientDialogue(protocol)
    while not dialogue.done:
        line = await reader.readuntil(b"\n")
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
        return ProbeResult(sample, "closed", detail=f"connection lost: {error}")
    finally:
        writer.transport.abort()


async def _read_answer(target: Target, sample: ProbeSample, reader) -> ProbeResult:
    buffer = bytearray()
    response: ServerResponse | None = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + target.timeout
    while True:
        remaining = deadline - loop.time()
        try:
            chunk = await asyncio.wait_for(reader.read(1 << 16), max(remaining, 0.001))
        except asyncio.TimeoutError:
            if response is not None:  # the ServerHello came; the certificate did not
                return result_from_response(sample, response)
            return ProbeResult(sample, "closed", detail=f"no answer within {target.timeout:g} s "
                                                       f"({len(buffer)} bytes)")
        if not chunk:
            if response is not None:
                return result_from_response(sample, response)
            return ProbeResult(sample, "closed", detail="the server closed the connection "
                                                       f"without an answer ({len(buffer)} bytes)")
        buffer += chunk
        if len(buffer) > MAX_RESPONSE:
            return ProbeResult(sample, "error", detail=f"more than {MAX_RESPONSE} bytes without "
                                                       "a complete answer")
        try:
            response = decode_server_response(bytes(buffer))
        except NeedMoreData:
            continue
        except DecodeError as error:
            return ProbeResult(sample, "error", detail=f"the answer is not TLS: {error}")
        if _flight_done(response):
            return result_from_response(sample, response)


async def probe_all(target: Target, samples: list[ProbeSample], concurrency: int = 8,
                    progress=None) -> list[ProbeResult]:
    """Every sample, at most `concurrency` connections at a time, results in sample order.
    The first sample goes alone: if the server cannot be reached, one ProbeError says so."""
    if not samples:
        return []
    first = await probe_sample(target, samples[0])
    results: list[ProbeResult | None] = [first] + [None] * (len(samples) - 1)
    if progress:
        progress(1, len(samples))
    gate = asyncio.Semaphore(concurrency)
    done = 1

    async def one(index: int) -> None:
        nonlocal done
        async with gate:
            try:
                results[index] = await probe_sample(target, samples[index])
            except ProbeError as error:  # reachable a moment ago: report it for this sample
                results[index] = ProbeResult(samples[index], "error", detail=str(error))
        done += 1
        if progress:
            progress(done, len(samples))

    await asyncio.gather(*(one(i) for i in range(1, len(samples))))
    return [r for r in results if r is not None]
