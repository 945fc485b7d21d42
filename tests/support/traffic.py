"""Synthetic traffic for `tlskb impact`: a pcap of N TCP connections, each a client SYN, the
server's SYN-ACK and the client's ClientHello — one of the recorded clients' hellos
(generator/compat/data/clients/), with a fresh random per connection — some split over two
segments, some after an SMTP STARTTLS dialogue, connections interleaved a window at a time.
Written straight to a file, a connection at a time, so a million connections cost no memory.

Checksums are left zero (neither tlskb nor tshark checks them by default)."""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
_ETHERNET = bytes(12) + b"\x08\x00"
#: an SMTP dialogue up to STARTTLS: (from the client?, line), as tshark needs both sides
SMTP = ((False, b"220 mx.example ESMTP\r\n"), (True, b"EHLO client.example\r\n"),
        (False, b"250-mx.example\r\n250 STARTTLS\r\n"), (True, b"STARTTLS\r\n"),
        (False, b"220 2.0.0 Ready to start TLS\r\n"))


def _turns(hello: bytes, cut: int, starttls: bool) -> list[tuple[bool, int, bytes]]:
    """(from the client?, offset in its direction's stream, bytes) of one connection."""
    out, offsets = [], {True: 0, False: 0}
    for from_client, line in (SMTP if starttls else ()):
        out.append((from_client, offsets[from_client], line))
        offsets[from_client] += len(line)
    base = offsets[True]
    out.append((True, base, hello[:cut]))
    if cut < len(hello):
        out.append((True, base + cut, hello[cut:]))
    return out


@dataclass(frozen=True)
class Written:
    """What went into the file, for tests to compare against."""
    connections: int
    per_sample: dict[int, int]          # sample index → connections
    packets: int


def _frame(src: int, dst: int, sport: int, dport: int, seq: int, flags: int,
           payload: bytes) -> bytes:
    total = 40 + len(payload)
    ip = struct.pack(">BBHHHBBHII", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 0x50, flags, 65535, 0, 0)
    return _ETHERNET + ip + tcp + payload


def write_capture(path: Path, hellos: Sequence[bytes], connections: int, *, seed: int = 1,
                  split_every: int = 3, starttls_every: int = 7, window: int = 64,
                  peers: int = 5000) -> Written:
    """`connections` connections cycling through `hellos` in a seeded random order; every
    `split_every`-th hello is cut in two segments, every `starttls_every`-th goes to port 25
    after EHLO and STARTTLS, the rest to 443. Client addresses come from 10.0.0.0/8, `peers`
    of them."""
    rng = random.Random(seed)
    per_sample: dict[int, int] = {}
    packets = 0
    server = 0xC0000201  # 192.0.2.1
    with open(path, "wb") as out:
        out.write(PCAP_HEADER)
        time = 1_700_000_000.0
        number = 0
        while number < connections:
            batch = []
            for _ in range(min(window, connections - number)):
                index = rng.randrange(len(hellos))
                per_sample[index] = per_sample.get(index, 0) + 1
                hello = bytearray(hellos[index])
                if hello[0] == 0x16 and len(hello) > 43:
                    hello[11:43] = rng.randbytes(32)       # the random, as every connection
                client = 0x0A000000 + rng.randrange(peers) + 1
                sport = 1024 + (number % 64000)
                starttls = bool(starttls_every) and number % starttls_every == 0
                payload = bytes(hello)
                cut = len(payload) // 2 if split_every and number % split_every == 0 else len(payload)
                isn = rng.getrandbits(32)
                batch.append((client, sport, 25 if starttls else 443, isn, payload, cut))
                number += 1
            frames = []
            for client, sport, dport, isn, _, _ in batch:
                frames.append(_frame(client, server, sport, dport, isn, 0x02, b""))
                frames.append(_frame(server, client, dport, sport, 7, 0x12, b""))
            # each connection's data segments, client (True) or server (False), in turn
            turns = [_turns(payload, cut, dport == 25) for _, _, dport, _, payload, cut in batch]
            for step in range(max(len(t) for t in turns)):
                for (client, sport, dport, isn, _, _), steps in zip(batch, turns):
                    if step < len(steps):
                        from_client, offset, data = steps[step]
                        if from_client:
                            frames.append(_frame(client, server, sport, dport,
                                                 (isn + 1 + offset) & 0xFFFFFFFF, 0x18, data))
                        else:
                            frames.append(_frame(server, client, dport, sport,
                                                 8 + offset, 0x18, data))
            chunk = bytearray()
            for frame in frames:
                time += 0.0001
                seconds = int(time)
                chunk += struct.pack("<IIII", seconds, int((time - seconds) * 1e6), len(frame),
                                     len(frame))
                chunk += frame
            out.write(chunk)
            packets += len(frames)
    return Written(connections, per_sample, packets)
