"""`tlskb capture` under hostile and heavy load: garbage, a client that never finishes, a 1 MiB
fake record, 500 connections at once, a hello trickled byte by byte, mutated hellos, slot floods
from one address and from many. It keeps serving, memory stays bounded, and SIGTERM ends it
cleanly."""

from __future__ import annotations

import asyncio
import random
import socket
import time

import pytest

from generator.compat.clients import recorded_clients
from generator.net.capture import CaptureServer, CaptureSettings
from generator.net.dialogue import MAX_COMMANDS
from generator.tls.records import decode_server_response
from support.net import capture

HELLO = next(c for c in recorded_clients() if c.id == "openssl-3.0-default").raw
#: fatal handshake_failure, in a record of the hello's record version (TLS 1.0 here)
ALERT_HANDSHAKE_FAILURE = b"\x15" + HELLO[1:3] + b"\x00\x02\x02\x28"


def exchange(port: int, data: bytes, read: int = 7, timeout: float = 10) -> bytes:
    """Send `data`, return up to `read` bytes of the answer (b"" if closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout) as sock:
        sock.sendall(data)
        answer = b""
        while len(answer) < read:
            chunk = sock.recv(read - len(answer))
            if not chunk:
                break
            answer += chunk
        return answer


def alert_of(answer: bytes) -> int:
    response = decode_server_response(answer)
    assert response.alert is not None, answer
    return response.alert.description


def test_garbage_gets_an_alert_and_the_next_client_is_served(tmp_path):
    with capture(tmp_path) as running:
        assert alert_of(exchange(running.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")) == 50
        assert alert_of(exchange(running.port, bytes(range(256)) * 4)) in (22, 50)
        assert exchange(running.port, HELLO) == ALERT_HANDSHAKE_FAILURE
        stdout, stderr = running.stop()
    assert running.process.returncode == 0
    assert "not a ClientHello" in stderr and "Traceback" not in stderr
    assert "1 ClientHello(s) captured from 3 connection(s); 2 ended without one" in stderr
    assert len(list(running.out_dir.glob("*.hex"))) == 1


def test_a_slow_client_is_dropped_and_blocks_no_one(tmp_path):
    """A client stuck mid-hello does not delay another: the good client is answered while the
    slow one is still connected, and the slow one is dropped at its --timeout (no clock is
    asserted: the order of events is)."""
    with capture(tmp_path, "--timeout", "5") as running:
        slow = socket.create_connection(("127.0.0.1", running.port), 10)
        slow.sendall(HELLO[:3])
        assert exchange(running.port, HELLO) == ALERT_HANDSHAKE_FAILURE
        slow.setblocking(False)
        with pytest.raises(BlockingIOError):  # still connected: nobody waited for it to go
            slow.recv(100)
        slow.settimeout(20)
        assert slow.recv(100) == b""  # closed by the capture after its timeout
        slow.close()
        _, stderr = running.stop()
    assert "no complete ClientHello within 5 s (3 bytes arrived)" in stderr


def test_a_fake_1_mib_record_is_refused_at_its_header(tmp_path):
    with capture(tmp_path) as running:
        rss_before = running.rss_kib()
        with socket.create_connection(("127.0.0.1", running.port), 10) as sock:
            sock.sendall(bytes.fromhex("160301ffff") + b"\x01")
            answer = sock.recv(7)
            sent = 0
            try:
                while sent < (1 << 20):
                    sent += sock.send(b"\x00" * 65536)
            except OSError:
                pass  # the capture closed the connection: the rest never arrives
        assert alert_of(answer) == 22  # record_overflow
        # a record header claiming more than 2^14 bytes, and the same after a good header
        huge = bytes.fromhex("1603014001")
        assert alert_of(exchange(running.port, huge)) == 22
        assert exchange(running.port, HELLO) == ALERT_HANDSHAKE_FAILURE
        assert running.rss_kib() - rss_before < 16 * 1024
        running.stop()


def test_a_hello_trickled_byte_by_byte(tmp_path):
    with capture(tmp_path, "--count", "1") as running:
        with socket.create_connection(("127.0.0.1", running.port), 10) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for byte in HELLO:
                sock.send(bytes((byte,)))
            assert sock.recv(7) == ALERT_HANDSHAKE_FAILURE
        (result,) = running.results()
    assert bytes.fromhex(result["hex"]) == HELLO


def test_500_connections_at_once(tmp_path):
    """500 clients connect, each sends part of its hello, and only when all are connected do
    they finish: every one is captured and answered, and memory stays bounded. They come from
    20 addresses (127.0.1.1-20, routed on lo), 25 each: under the default --max-per-peer."""
    count = 500
    with capture(tmp_path, "--quiet") as running:
        rss_before = running.rss_kib()

        async def clients() -> list[bytes]:
            connected = 0
            everyone = asyncio.Event()

            async def one(number: int) -> bytes:
                nonlocal connected
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", running.port, local_addr=(f"127.0.1.{number % 20 + 1}", 0))
                writer.write(HELLO[:40])
                await writer.drain()
                connected += 1
                if connected == count:
                    everyone.set()
                await asyncio.wait_for(everyone.wait(), 60)
                writer.write(HELLO[40:])
                await writer.drain()
                answer = await asyncio.wait_for(reader.readexactly(7), 60)
                writer.close()
                return answer
            return await asyncio.gather(*(one(number) for number in range(count)))

        answers = asyncio.run(clients())
        peak = running.rss_kib()
        _, stderr = running.stop()
    assert answers == [ALERT_HANDSHAKE_FAILURE] * count
    assert f"{count} ClientHello(s) captured from {count} connection(s); 0 ended" in stderr
    assert len(list(running.out_dir.glob("*.hex"))) == count
    assert peak - rss_before < 64 * 1024, f"RSS grew by {peak - rss_before} KiB"


def test_sigterm_ends_it_cleanly_with_open_connections(tmp_path):
    with capture(tmp_path) as running:
        idle = socket.create_connection(("127.0.0.1", running.port), 10)
        time.sleep(0.2)
        stdout, stderr = running.stop()
        idle.close()
    assert running.process.returncode == 0
    assert "Traceback" not in stderr
    assert "0 ClientHello(s) captured from 1 connection(s)" in stderr


def _mutations(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        data = bytearray(HELLO)
        for _ in range(rng.randint(1, 8)):
            choice = rng.random()
            position = rng.randrange(len(data))
            if choice < 0.5:
                data[position] = rng.randrange(256)
            elif choice < 0.75:
                del data[position:position + rng.randint(1, 40)]
            else:
                data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        out.append(bytes(data[:rng.randint(1, len(data))]) if rng.random() < 0.2 else bytes(data))
    return out


def test_mutated_hellos_never_break_the_listener():
    """300 mutated hellos against the listener in this process: each connection ends with a
    captured hello or a reported problem, and no exception reaches the event loop."""
    inputs = _mutations(20261127, 300)
    hellos, problems, loop_errors = [], [], []

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: loop_errors.append(context))
        # 50 at once, all from 127.0.0.1: more than the default --max-per-peer
        server = CaptureServer(CaptureSettings(read_timeout=1.0, max_per_peer=64), hellos.append,
                               problems.append)
        host, port = await server.start()
        serving = asyncio.create_task(server.run())

        async def send(data: bytes) -> None:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(data)
            writer.write_eof()
            await writer.drain()
            await asyncio.wait_for(reader.read(), 10)
            writer.close()

        gate = asyncio.Semaphore(50)

        async def limited(data: bytes) -> None:
            async with gate:
                await send(data)
        await asyncio.gather(*(limited(d) for d in inputs))
        await asyncio.sleep(0.1)
        server.stop()
        await serving

    asyncio.run(run())
    assert loop_errors == []
    assert len(hellos) + len(problems) == len(inputs)
    assert problems, "some mutations must be refused"
    assert all(p.what for p in problems)


# -- fair slots: floods from one address (127.0.0.2, which Linux routes on lo) while a real
# client connects from 127.0.0.1 -----------------------------------------------------------------
FLOOD_ADDRESS = "127.0.0.2"


async def _flood(port: int, clients: int, talk, stop: asyncio.Event):
    """`clients` connections from FLOOD_ADDRESS, each running `talk(reader, writer)` until the
    capture closes it, then reconnecting after 1 s, until `stop`. Returns once every client has
    connected once (and a second has passed), with the flood still running in the background:
    ([connections, closed by the capture], the flood's tasks to await after `stop`)."""
    counts = [0, 0]
    first_round = asyncio.Semaphore(0)

    async def one() -> None:
        announced = False
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, local_addr=(FLOOD_ADDRESS, 0))
            except OSError:
                await asyncio.sleep(1)
                continue
            counts[0] += 1
            try:
                stopping = asyncio.create_task(stop.wait())
                talking = asyncio.create_task(talk(reader, writer, first_round
                                                   if not announced else None))
                announced = True
                await asyncio.wait({stopping, talking}, return_when=asyncio.FIRST_COMPLETED)
                for task in (stopping, talking):
                    task.cancel()
                if not stop.is_set():
                    counts[1] += 1
            finally:
                writer.transport.abort()
            await asyncio.sleep(1)

    tasks = [asyncio.create_task(one()) for _ in range(clients)]
    for _ in range(clients):
        await asyncio.wait_for(first_round.acquire(), 60)
    await asyncio.sleep(1)
    stop_tasks = asyncio.gather(*tasks, return_exceptions=True)
    return counts, stop_tasks


async def _slowloris(reader, writer, started) -> None:
    """Three bytes of a hello, then nothing: holds its slot until the capture gives up."""
    writer.write(HELLO[:3])
    await writer.drain()
    if started:
        started.release()
    await reader.read()


async def _noop_forever(reader, writer, started) -> None:
    """An SMTP client that never says STARTTLS: a NOOP every second, answers read."""
    await reader.readline()  # the greeting
    if started:
        started.release()
    for _ in range(600):
        writer.write(b"NOOP\r\n")
        await writer.drain()
        if not await reader.readline():
            return
        await asyncio.sleep(1)


async def _real_tls_client(port: int) -> bool:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=("127.0.0.1", 0))
    except OSError:
        return False
    try:
        writer.write(HELLO)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(7), 10) == ALERT_HANDSHAKE_FAILURE
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        return False
    finally:
        writer.transport.abort()


async def _real_smtp_client(port: int) -> bool:
    """EHLO, STARTTLS, the hello, the alert: what a mail server's first attempt looks like."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=("127.0.0.1", 0))
    except OSError:
        return False
    try:
        async def say(line: bytes, answer: bytes) -> None:
            writer.write(line)
            await writer.drain()
            while not (reply := await asyncio.wait_for(reader.readline(), 10)).startswith(answer):
                if not reply:
                    raise asyncio.IncompleteReadError(b"", None)
        if not (await asyncio.wait_for(reader.readline(), 10)).startswith(b"220 "):
            return False
        await say(b"EHLO mx.example.org\r\n", b"250 ")
        await say(b"STARTTLS\r\n", b"220 ")
        writer.write(HELLO)
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(7), 10) == ALERT_HANDSHAKE_FAILURE
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        return False
    finally:
        writer.transport.abort()


def _served_during_flood(port: int, clients: int, talk, real_client, attempts: int):
    """(real attempts that got their alert, flood connections, flood connections closed by
    the capture) while `clients` flood connections keep reconnecting."""
    async def run():
        stop = asyncio.Event()
        counts, flood = await _flood(port, clients, talk, stop)
        served = 0
        for _ in range(attempts):
            served += await real_client(port)
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(flood, 30)
        return served, counts[0], counts[1]
    return asyncio.run(run())


def test_a_real_client_gets_through_600_reconnecting_slowloris_connections(tmp_path):
    """Issue 10: 600 slowloris connections held every slot; 0 of 21 real clients got through.
    Now one address holds at most --max-per-peer slots."""
    with capture(tmp_path, "--quiet") as running:
        served, flood, closed = _served_during_flood(running.port, 600, _slowloris,
                                                     _real_tls_client, 21)
        peak = running.rss_kib()
        _, stderr = running.stop()
    assert served == 21, f"{served} of 21 real clients served during the flood"
    assert closed >= 600 - 32, "the flood's address holds at most 32 slots"
    assert "turned away (over --max-per-peer" in stderr
    assert peak < 128 * 1024


def test_a_real_client_gets_through_520_smtp_clients_sending_noop(tmp_path):
    """Issue 10: 520 SMTP clients sending NOOP held every slot; 0 of 31 real clients got
    through."""
    with capture(tmp_path, "--quiet", "--starttls", "smtp") as running:
        served, flood, closed = _served_during_flood(running.port, 520, _noop_forever,
                                                     _real_smtp_client, 31)
        _, stderr = running.stop()
    assert served == 31, f"{served} of 31 real clients served during the flood"
    assert closed >= 520 - 32


def test_one_address_holds_at_most_max_per_peer_slots(tmp_path):
    with capture(tmp_path, "--max-per-peer", "8") as running:
        idle = []
        for _ in range(40):
            sock = socket.socket()
            sock.bind(("127.0.0.3", 0))
            sock.connect(("127.0.0.1", running.port))
            idle.append(sock)
        # accepted after the 40 (the listener takes connections in order): still served
        assert exchange(running.port, HELLO) == ALERT_HANDSHAKE_FAILURE
        _, stderr = running.stop()
        for sock in idle:
            sock.close()
    assert "1 ClientHello(s) captured from 41 connection(s)" in stderr
    assert "; 32 turned away (over --max-per-peer from one address)" in stderr


def test_a_client_sending_noop_forever_is_cut_off_at_max_duration(tmp_path):
    """A NOOP every 0.2 s, each answered within --timeout: only the connection's total
    deadline ends it, with SMTP's 421, before the limit on commands would."""
    with capture(tmp_path, "--starttls", "smtp", "--timeout", "5", "--max-duration", "2"
                 ) as running:
        with socket.create_connection(("127.0.0.1", running.port), 10) as sock:
            lines = sock.makefile("rb")
            assert lines.readline().startswith(b"220 ")
            answered, last = 0, b""
            for _ in range(MAX_COMMANDS):
                sock.sendall(b"NOOP\r\n")
                last = lines.readline()
                if not last.startswith(b"250 "):
                    break
                answered += 1
                time.sleep(0.2)
            assert lines.readline() == b""  # then closed
        _, stderr = running.stop()
    assert last == b"421 4.7.0 connection time limit reached\r\n"
    assert answered < MAX_COMMANDS - 1
    assert "no STARTTLS from the SMTP client within 2 s of connecting (--max-duration)" in stderr
    assert "(1 cut at --max-duration)" in stderr


def test_a_hello_trickled_within_each_timeout_is_cut_off_at_max_duration(tmp_path):
    """SMTP up to STARTTLS, then a hello a byte at a time: every read is quick, the whole
    is not."""
    with capture(tmp_path, "--starttls", "smtp", "--timeout", "5", "--max-duration", "2"
                 ) as running:
        with socket.create_connection(("127.0.0.1", running.port), 10) as sock:
            lines = sock.makefile("rb")
            lines.readline()
            sock.sendall(b"STARTTLS\r\n")
            assert lines.readline().startswith(b"220 ")
            sent = 0
            try:
                for byte in HELLO[:-1]:
                    sock.sendall(bytes((byte,)))
                    sent += 1
                    time.sleep(0.1)
            except OSError:
                pass  # closed by the capture
        _, stderr = running.stop()
    assert sent < len(HELLO) - 1
    assert "no complete ClientHello (" in stderr and "(--max-duration)" in stderr


# -- fair slots when all are taken: a flood from many addresses (red team F6: 18 addresses × 32
# slowloris connections, 17 × 32 ≥ 512 slots, starved every real client: 0 of 53) -------------
FLOOD_SOURCES = [f"127.0.0.{10 + i}" for i in range(18)]
PER_SOURCE = 32   # the default --max-per-peer: 18 × 32 = 576 > the default 512 slots


async def _flood_from_many(port: int, talk, stop: asyncio.Event) -> tuple[dict, asyncio.Future]:
    """PER_SOURCE connections from each of FLOOD_SOURCES, each running `talk(reader, writer)`
    and reconnecting the moment it ends (closed by the capture), until `stop`. Returns once
    every one has connected and talked once, the flood still running: (counts, its tasks)."""
    counts = {"connections": 0, "closed": 0, "ready": 0}
    everyone = asyncio.Event()

    async def one(source: str) -> None:
        ready = False
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                               local_addr=(source, 0))
            except OSError:
                await asyncio.sleep(0.05)
                continue
            counts["connections"] += 1
            try:
                talking = asyncio.create_task(talk(reader, writer))
                stopping = asyncio.create_task(stop.wait())
                if not ready:  # started: the first bytes are out
                    ready = True
                    counts["ready"] += 1
                    if counts["ready"] == len(FLOOD_SOURCES) * PER_SOURCE:
                        everyone.set()
                await asyncio.wait({talking, stopping}, return_when=asyncio.FIRST_COMPLETED)
                for task in (talking, stopping):
                    task.cancel()
                counts["closed"] += not stop.is_set()
            finally:
                writer.transport.abort()

    tasks = asyncio.gather(*(one(source) for source in FLOOD_SOURCES
                             for _ in range(PER_SOURCE)), return_exceptions=True)
    await asyncio.wait_for(everyone.wait(), 60)
    return counts, tasks


async def _slowloris_byte_a_second(reader, writer) -> None:
    """The red team's: a record header announcing 16 KiB, then one byte a second, until
    closed."""
    writer.write(b"\x16\x03\x01\x40\x00")
    for _ in range(120):
        await writer.drain()
        try:
            if not await asyncio.wait_for(reader.read(100), 1.0):
                return
        except asyncio.TimeoutError:
            writer.write(b"\x00")
        except OSError:
            return


async def _noop_every_8_seconds(reader, writer) -> None:
    """The red team's SMTP client: the greeting, then NOOP every 8 s, answers read."""
    try:
        await reader.readline()
        for _ in range(60):
            writer.write(b"NOOP\r\n")
            await writer.drain()
            if not await reader.readline():
                return
            await asyncio.sleep(8)
    except OSError:
        return


def _served_during_wide_flood(port: int, talk, real_client, attempts: int):
    """(real attempts answered with the alert, flood connections, of them closed by the
    capture) while the flood of FLOOD_SOURCES × PER_SOURCE runs."""
    async def run():
        stop = asyncio.Event()
        counts, flood = await _flood_from_many(port, talk, stop)
        served = 0
        for _ in range(attempts):
            served += await real_client(port)
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(flood, 30)
        return served, counts["connections"], counts["closed"]
    return asyncio.run(run())


def test_a_real_client_gets_through_a_slowloris_flood_from_18_addresses(tmp_path):
    """Every slot taken by 576 connections from 18 addresses, each within --max-per-peer: the
    real client (127.0.0.1, in the flood's own /24) displaces the longest-waiting connection
    of the busiest address and is served every time."""
    attempts = 10
    with capture(tmp_path, "--quiet") as running:
        served, flood, closed = _served_during_wide_flood(
            running.port, _slowloris_byte_a_second, _real_tls_client, attempts)
        peak = running.rss_kib()
        _, stderr = running.stop()
    assert served == attempts, f"{served} of {attempts} real clients served during the flood"
    assert closed >= len(FLOOD_SOURCES) * PER_SOURCE - 512, "the flood was displaced"
    assert "closed to make room for newer ones" in stderr
    assert f"{attempts} ClientHello(s) captured" in stderr
    assert peak < 128 * 1024


def test_a_real_client_gets_through_an_smtp_noop_flood_from_18_addresses(tmp_path):
    attempts = 10
    with capture(tmp_path, "--quiet", "--starttls", "smtp") as running:
        served, flood, closed = _served_during_wide_flood(
            running.port, _noop_every_8_seconds, _real_smtp_client, attempts)
        peak = running.rss_kib()
        _, stderr = running.stop()
    assert served == attempts, f"{served} of {attempts} real clients served during the flood"
    assert "closed to make room for newer ones" in stderr
    assert peak < 128 * 1024
