"""`tlskb capture` under hostile and heavy load: garbage, a client that never finishes, a 1 MiB
fake record, 500 connections at once, a hello trickled byte by byte, mutated hellos. It keeps
serving, memory stays bounded, and SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import random
import socket
import time


from generator.compat.clients import recorded_clients
from generator.net.capture import CaptureServer, CaptureSettings
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
    with capture(tmp_path, "--timeout", "1") as running:
        slow = socket.create_connection(("127.0.0.1", running.port), 10)
        slow.sendall(HELLO[:3])
        started = time.monotonic()
        assert exchange(running.port, HELLO) == ALERT_HANDSHAKE_FAILURE
        assert time.monotonic() - started < 1.0, "the good client waited for the slow one"
        slow.settimeout(5)
        assert slow.recv(100) == b""  # closed by the capture after its timeout
        assert 0.5 < time.monotonic() - started < 4
        slow.close()
        _, stderr = running.stop()
    assert "no complete ClientHello within 1 s (3 bytes arrived)" in stderr


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
    they finish: every one is captured and answered, and memory stays bounded."""
    count = 500
    with capture(tmp_path, "--quiet") as running:
        rss_before = running.rss_kib()

        async def clients() -> list[bytes]:
            connected = 0
            everyone = asyncio.Event()

            async def one() -> bytes:
                nonlocal connected
                reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
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
            return await asyncio.gather(*(one() for _ in range(count)))

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
        server = CaptureServer(CaptureSettings(read_timeout=1.0), hellos.append, problems.append)
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
