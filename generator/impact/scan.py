"""Reading `tlskb impact`'s inputs into a Tally: captures streamed a block at a time (and split
across worker processes by TCP flow), capture directories, JSON from `decode --json` and
`capture --json`, and everything `decode` reads (hex dumps, Postfix loglevel-3 logs, binary).

This is the I/O edge of impact: it opens files and starts processes; what it counts with is
pure (flowtable, classify, tally)."""

from __future__ import annotations

import enum
import json
import multiprocessing
import os
import queue
import sys
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.compat.keytypes import KeyType
from generator.errors import DecodeError, TlskbError, UsageError
from generator.impact.classify import Classifier
from generator.impact.tally import Tally
from generator.ingest import pcap
from generator.ingest.find import MAX_INPUT, find_client_hellos
from generator.ingest.flowtable import FlowTable, StreamHello, TableStats
from generator.ingest.packets import Segment, tcp_segment
from generator.printable import escape
from generator.stacks import StackId
from generator.tls.records import WireClientHello, decode_client_hello

#: a capture smaller than this is read by one process (starting workers costs more)
PARALLEL_FROM = 4 * 1024 * 1024
#: capture files read by one process each, at most this many bytes at a time
_CHUNK = pcap.BLOCK


class InputKind(enum.Enum):
    CAPTURE = "pcap/pcapng"
    DIRECTORY = "capture directory"
    JSON = "JSON"
    DUMP = "hex dump, log or binary"


@dataclass(slots=True)
class Limits:
    """The flow table's bounds (flowtable.py), from the command line."""
    max_flows: int
    max_bytes: int
    idle: float


@dataclass(slots=True)
class Scanned:
    """What the inputs gave: the tally, the flow table's counts, and per input its kind and
    connections."""
    tally: Tally
    flows: TableStats = field(default_factory=TableStats)
    inputs: list[tuple[str, InputKind, int]] = field(default_factory=list)
    packets: int = 0
    skipped: dict[str, int] = field(default_factory=dict)   # packets that are not TCP, by why


Progress = Callable[[int, int, str], None]


def scan(paths: Sequence[str], stacks: Sequence[StackId], key_types: Sequence[KeyType],
         jobs: int, limits: Limits, progress: Progress | None = None) -> Scanned:
    """Read every input; raise TlskbError (one line) for an input that cannot be read."""
    from generator.compat.identify import _catalogue
    _catalogue()   # loaded once here, inherited by the workers
    scanned = Scanned(Tally(len(stacks) * len(key_types)))
    classifier = Classifier(stacks, key_types)
    for path in paths:
        before = scanned.tally.connections
        kind = _scan_one(path, scanned, classifier, stacks, key_types, jobs, limits, progress)
        scanned.inputs.append((path, kind, scanned.tally.connections - before))
    scanned.tally.analyses += classifier.analyses
    return scanned


def _scan_one(path, scanned, classifier, stacks, key_types, jobs, limits, progress) -> InputKind:
    if path == "-":
        return _scan_stdin(scanned, classifier, limits, progress)
    target = Path(path)
    if target.is_dir():
        _scan_directory(target, scanned, classifier)
        return InputKind.DIRECTORY
    try:
        handle = open(target, "rb")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file or directory") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        head = handle.read(4)
        size = os.fstat(handle.fileno()).st_size
        if pcap.is_capture(head):
            handle.seek(0)
            if jobs > 1 and size >= PARALLEL_FROM:
                _scan_capture_parallel(path, size, scanned, stacks, key_types, jobs, limits,
                                       progress)
            else:
                _merge_share(scanned, _scan_capture(
                    path, pcap.file_chunks(handle, _CHUNK), classifier, limits, 0, 1,
                    _reporter(progress, size, path)), classifier)
            return InputKind.CAPTURE
        if size > MAX_INPUT:
            raise UsageError(f"{path}: {size} bytes of text is more than the {MAX_INPUT} tlskb "
                             "reads whole; only captures are streamed (split the log)")
        data = head + handle.read()
    return _scan_bytes(data, path, scanned, classifier)


def _scan_stdin(scanned, classifier, limits, progress) -> InputKind:
    stream = sys.stdin.buffer
    head = stream.read(4)
    if pcap.is_capture(head):
        chunks = _chain((head,), pcap.file_chunks(stream, _CHUNK))
        _merge_share(scanned, _scan_capture("<stdin>", chunks, classifier, limits, 0, 1,
                                            _reporter(progress, 0, "<stdin>")), classifier)
        return InputKind.CAPTURE
    rest = stream.read(MAX_INPUT + 1 - len(head))   # text is read whole: never more than this
    if len(head) + len(rest) > MAX_INPUT:
        raise UsageError(f"<stdin>: more than the {MAX_INPUT} bytes of text tlskb reads; give "
                         "a capture (streamed, any size) or split the input")
    return _scan_bytes(head + rest, "<stdin>", scanned, classifier)


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


# -- captures -------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Share:
    """One process's share of a capture."""
    tally: Tally
    flows: TableStats
    packets: int
    skipped: dict[str, int]


def _owner(segment: Segment, jobs: int) -> int:
    return zlib.crc32(segment.src + segment.dst + bytes((segment.sport >> 8, segment.sport & 255,
                                                         segment.dport >> 8,
                                                         segment.dport & 255))) % jobs


def _frame_owner(frame: bytes, linktype: int, jobs: int) -> int | None:
    """`_owner` read straight from an Ethernet/IPv4 frame (the bytes it hashes are the frame's
    addresses and ports, as they stand), so a worker skips other workers' packets without
    decoding them; None for any other frame (decoded, then `_owner`)."""
    if linktype != 1 or frame[12:14] != b"\x08\x00" or len(frame) < 34:
        return None
    ports = 14 + (frame[14] & 0x0F) * 4
    if frame[14] >> 4 != 4 or frame[23] != 6 or len(frame) < ports + 4:
        return None
    return zlib.crc32(frame[26:34] + frame[ports:ports + 4]) % jobs


def _scan_capture(source: str, chunks: Iterable[bytes], classifier: Classifier, limits: Limits,
                  share: int, jobs: int, report: Callable[[int], None] | None) -> _Share:
    """The connections of one capture whose flow hashes to `share` of `jobs`; the packet counts
    are the first share's to report."""
    tally = Tally(len(classifier.stacks) * len(classifier.key_types))
    table = FlowTable(limits.max_flows, limits.max_bytes, limits.idle)
    counted = _Counted(chunks)
    packets, skipped = 0, {}
    try:
        for packet in pcap.read_packet_stream(counted):
            packets += 1
            if report is not None and not packets & 0x3FFF:
                report(counted.read)
            owner = _frame_owner(packet.data, packet.linktype, jobs) if jobs > 1 else share
            if owner is not None and owner != share:
                continue     # another worker's (or, not TCP, counted by that worker)
            segment = tcp_segment(packet.data, packet.linktype)
            if not isinstance(segment, Segment):
                if owner is not None or not share:
                    skipped[segment] = skipped.get(segment, 0) + 1
                continue
            if owner is None and _owner(segment, jobs) != share:
                continue
            found = table.add(segment, packet.number, packet.time)
            if found is not None:
                _count_stream_hello(found, source, classifier, tally)
    except DecodeError as error:
        raise error.within(source) from None
    table.finish()
    if share:
        packets = 0
    return _Share(tally, table.stats, packets, skipped)


class _Counted:
    """The chunks, counting the bytes read (for the progress line)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks, self.read = iter(chunks), 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.read += len(chunk)
            yield chunk


def _count_stream_hello(found: StreamHello, source: str, classifier: Classifier,
                        tally: Tally) -> None:
    def where() -> str:
        return f"{source}, {found.label}, packet {found.packet}"
    try:
        config, name = classifier.from_bytes(found.raw)
    except DecodeError as error:
        tally.error(f"{where()}: {error}")
        return
    tally.add(config, found.peer, name, where)


def _count(wire: WireClientHello, peer: str | None, where: str, classifier: Classifier,
           tally: Tally) -> None:
    name = wire.hello.server_name_bytes
    tally.add(classifier.classify(wire), peer, None if name is None else escape(name),
              lambda: where)


def _merge_share(scanned: Scanned, share: _Share, classifier: Classifier | None) -> None:
    scanned.tally.merge(share.tally)
    scanned.flows.merge(share.flows)
    scanned.packets += share.packets
    for reason, count in share.skipped.items():
        scanned.skipped[reason] = scanned.skipped.get(reason, 0) + count


def _reporter(progress: Progress | None, size: int, source: str):
    if progress is None:
        return None
    return lambda done: progress(done, max(size, done + 1), source)


def _scan_capture_parallel(path, size, scanned, stacks, key_types, jobs, limits, progress):
    """Every worker reads the whole file (reading is cheap next to decoding) and takes the TCP
    flows that hash to its share, so no connection is split between two workers."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    done = context.Array("q", jobs, lock=False)
    workers = [context.Process(target=_worker, daemon=True,
                               args=(path, share, jobs, stacks, key_types, limits, results, done))
               for share in range(jobs)]
    for worker in workers:
        worker.start()
    shares: dict[int, object] = {}
    try:
        while len(shares) < jobs:
            try:
                share, outcome = results.get(timeout=0.25)
            except queue.Empty:
                if progress is not None:
                    progress(min(done), size, path)
                dead = [w for w in workers if not w.is_alive() and w.exitcode not in (0, None)]
                if dead and results.empty():
                    raise TlskbError(f"{path}: a worker process died (exit status "
                                     f"{dead[0].exitcode}); run again with --jobs 1")
                continue
            shares[share] = outcome
    finally:
        for worker in workers:
            if worker.is_alive() and len(shares) < jobs:
                worker.terminate()
            worker.join()
    for share in range(jobs):
        outcome = shares[share]
        if isinstance(outcome, tuple):      # (kind, message)
            kind, message = outcome
            if kind == "error":
                raise TlskbError(message)
            last = message.strip().splitlines()[-1] if message.strip() else "no message"
            raise TlskbError(f"impact worker {share} stopped on an unexpected error ({last}): "
                             "a tlskb bug; run again with --jobs 1 to see where, and please "
                             "report it with the input")
        _merge_share(scanned, outcome, None)


def _worker(path, share, jobs, stacks, key_types, limits, results, done) -> None:
    try:
        classifier = Classifier(stacks, key_types)

        def report(read: int) -> None:
            done[share] = read
        with open(path, "rb") as handle:
            outcome = _scan_capture(path, pcap.file_chunks(handle, _CHUNK), classifier, limits,
                                    share, jobs, report)
        outcome.tally.analyses = classifier.analyses
        done[share] = os.path.getsize(path)
        results.put((share, outcome))
    except TlskbError as error:
        results.put((share, ("error", str(error))))
    except BaseException:
        results.put((share, ("crash", traceback.format_exc())))


# -- everything else --------------------------------------------------------------------------------

def _scan_bytes(data: bytes, source: str, scanned: Scanned, classifier: Classifier) -> InputKind:
    stripped = data.lstrip()
    if stripped[:1] in (b"{", b"["):
        _scan_json(data, source, scanned.tally, classifier)
        return InputKind.JSON
    ingested = find_client_hellos(data, source, skip_invalid=True)   # a quiet Postfix log: HINT
    for error in ingested.skipped:
        scanned.tally.error(str(error))
    for note in ingested.notes:
        scanned.tally.notes.append(f"{source}: {note}")
    for found in ingested.hellos:
        if found.origin.second:
            continue   # the same connection's hello after a HelloRetryRequest
        _count(found.wire, _peer_of_stream(found.origin.where), found.origin.describe(),
               classifier, scanned.tally)
    return InputKind.DUMP


def _peer_of_stream(where: str | None) -> str | None:
    """The client's address in "TCP 192.0.2.1:40001 → 192.0.2.2:443" (decode's stream)."""
    if not where or not where.startswith("TCP ") or " → " not in where:
        return None
    return _host(where[4:].split(" → ", 1)[0])


def _host(endpoint: str) -> str | None:
    """"192.0.2.1:25" or "[2001:db8::1]:25" → the address."""
    if endpoint.startswith("["):
        return endpoint[1:endpoint.find("]")] if "]" in endpoint else None
    host, _, port = endpoint.rpartition(":")
    return host or None


def _json(text: str, source: str, line: int | None):
    """json.loads, with nesting too deep for Python's parser (a hostile `[[[[…`) as a
    DecodeError instead of a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        where = f"line {line}" if line else "the JSON"
        raise DecodeError(f"{where} is nested deeper than tlskb reads (decode --json and "
                          "capture --json nest a few levels)", context=source) from None


def _scan_json(data: bytes, source: str, tally: Tally, classifier: Classifier) -> None:
    """`decode --json` (an object or an array) or JSON Lines (`capture --json`): each object's
    "hex" is its ClientHello."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DecodeError(f"JSON input is not UTF-8 past byte {error.start}", offset=error.start,
                          context=source) from None
    try:
        whole = _json(text, source, None)
        objects = whole if isinstance(whole, list) else [whole]
        lines = [None] * len(objects)
    except json.JSONDecodeError:
        objects, lines = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                objects.append(_json(line, source, number))
            except json.JSONDecodeError as error:
                raise DecodeError(f"line {number} is not JSON ({error.msg} at column "
                                  f"{error.colno}); impact reads `tlskb decode --json` output or "
                                  "JSON Lines from `tlskb capture --json`", context=source) from None
            lines.append(number)
    for index, (obj, line) in enumerate(zip(objects, lines)):
        where = f"{source}, " + (f"line {line}" if line else f"object {index + 1}")
        if not isinstance(obj, dict) or not isinstance(obj.get("hex"), str):
            raise DecodeError(f"{where} has no \"hex\" field with the ClientHello's bytes: impact "
                              "reads the output of `tlskb decode --json` or `tlskb capture "
                              "--json` (run it again with this tlskb)", context=None)
        source_info = obj.get("source") if isinstance(obj.get("source"), dict) else {}
        if source_info.get("after_hello_retry_request") is True:
            continue
        try:
            wire = decode_client_hello(bytes.fromhex(obj["hex"]))
        except ValueError:
            tally.error(f"{where}: \"hex\" is not hexadecimal")
            continue
        except DecodeError as error:
            tally.error(f"{where}: {error}")
            continue
        peer = obj.get("peer")
        peer = _host(peer) if isinstance(peer, str) else _peer_of_stream(
            source_info.get("stream") if isinstance(source_info.get("stream"), str) else None)
        _count(wire, peer, where, classifier, tally)


#: a capture folder's file holds one ClientHello (at most 128 KiB, so 256 KiB of hex) and a
#: few header lines: anything bigger is not one
MAX_CAPTURE_FILE = 1 << 20


def _scan_directory(directory: Path, scanned: Scanned, classifier: Classifier) -> None:
    """Every `*.hex` file `tlskb capture` saved (`# peer:` gives the client's address); symbolic
    links are not followed."""
    files = sorted(p for p in directory.iterdir() if p.suffix == ".hex" and not p.is_symlink()
                   and p.is_file())
    if not files:
        raise UsageError(f"{directory}: no .hex files (tlskb capture saves each ClientHello "
                         "there as one)")
    for path in files:
        with open(path, "rb") as handle:   # one hello's hex and its header: small
            data = handle.read(MAX_CAPTURE_FILE + 1)
        if len(data) > MAX_CAPTURE_FILE:
            scanned.tally.error(f"{path}: more than {MAX_CAPTURE_FILE} bytes, not a file "
                                "tlskb capture saved; skipped")
            continue
        peer = None
        for line in data[:4096].decode("utf-8", "replace").splitlines():
            if line.startswith("# peer: "):
                peer = _host(line[len("# peer: "):].strip())
                break
        try:
            ingested = find_client_hellos(data, str(path), skip_invalid=True)
        except DecodeError as error:
            scanned.tally.error(str(error))
            continue
        for error in ingested.skipped:
            scanned.tally.error(str(error))
        for found in ingested.hellos:
            if not found.origin.second:
                _count(found.wire, peer, str(path), classifier, scanned.tally)
