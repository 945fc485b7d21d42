"""Who holds `tlskb capture`'s connection slots, and who gives one up when they are all taken.
Sans-I/O: capture.py asks, and closes the connections this table names.

The policy:

* At most `per_source` slots for one source: an IPv4 address (also when mapped into IPv6), or
  an IPv6 /64, which one host usually holds (RFC 4291 §2.5.4). More from it are turned away
  at once, even when slots are free — so this unit stays narrow: a wider one (an IPv4 /24, an
  IPv6 /48) would turn away different hosts that share a range, such as a mail provider's
  outbound servers or the customers behind one carrier-grade NAT (below).
* At most `capacity` slots in all. When every one is taken, a newcomer is not turned away: it
  takes the slot of a connection that is still waiting for its ClientHello (before STARTTLS,
  or mid-hello), found by walking down the address space from the widest range to the
  source, taking at each step the range whose connections wait in the most slots: the IPv4
  /8, /16, /24 and address (IPv6: /32, /48, /56, /64), then that source's longest-waiting
  connection. Ties go to the range that has held slots longest. A connection that has
  delivered its ClientHello is never displaced.

So a flood, however many addresses it comes from, displaces its own connections first. A client
that sends its hello promptly waits in one slot of its own address; it is chosen only if, at
every step down, its range has at least as many waiting connections as any other under the
same parent — down to its address, where the flood would need to be spread to one waiting
connection per address, too — and then only after every older connection of equal rank, one
per newcomer. Spreading a flood over many /64s of one /48 (or
many addresses of one /24) does not help it: the wider range is busiest as a whole.

Why not a wider unit for the per-source limit: it applies even when slots are free, so it may
only group what one host holds. Grouping by range is done where it costs nobody anything until
slots run short: in choosing whose slot goes.

Memory: a node per range in use, at most 1 + 4 × capacity. Time: admitting, releasing and
marking a hello walk four levels; choosing whom to displace also compares, at each level, the
ranges in use under the node it passes (at most `capacity` in all).
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, field

#: a range of addresses: (IP version, prefix length, the address shifted right to the prefix);
#: ("?", host) for a peer that is not an IP address
Prefix = tuple

_IPV4_PREFIXES = (8, 16, 24, 32)
_IPV6_PREFIXES = (32, 48, 56, 64)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def lineage(host: str) -> tuple[Prefix, Prefix, Prefix, Prefix]:
    """The ranges `host` belongs to, widest first, ending with its source: IPv4 /8, /16, /24
    and the address; IPv6 /32, /48, /56, /64. A host that is not an IP address (a socket that
    gave no peer name) is a range of its own."""
    address = _address(host)
    if address is None:
        return (("?",), ("?",), ("?",), ("?", host))
    number = int(address)
    bits = address.max_prefixlen
    prefixes = _IPV4_PREFIXES if address.version == 4 else _IPV6_PREFIXES
    return tuple((address.version, length, number >> (bits - length))  # type: ignore[return-value]
                 for length in prefixes)


def source_of(host: str) -> str:
    """The source the per-source limit counts, as text: the IPv4 address (also when mapped
    into IPv6), or the IPv6 /64."""
    address = _address(host)
    if address is None:
        return host
    if address.version == 4:
        return str(address)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


@dataclass(eq=False, slots=True)
class Slot:
    """One connection's slot. `waiting` until its ClientHello is in; `displaced` once the
    table gave it to a newcomer."""
    lineage: tuple[Prefix, ...]
    waiting: bool = True
    displaced: bool = False
    released: bool = False


class Outcome(enum.Enum):
    ADMITTED = "admitted"
    DISPLACING = "admitted in the place of a waiting connection"
    OVER_SOURCE_LIMIT = "turned away: its source holds its share"
    FULL = "turned away: every slot is held by a connection past its ClientHello"


@dataclass(frozen=True, slots=True)
class Admission:
    outcome: Outcome
    slot: Slot | None = None
    displaced: Slot | None = None   # to close now: its slot is the newcomer's


@dataclass(eq=False, slots=True)
class _Node:
    count: int = 0      # slots held in this range
    waiting: int = 0    # of which still waiting for a ClientHello
    children: dict = field(default_factory=dict)   # Prefix -> _Node
    queue: dict = field(default_factory=dict)      # at a source: its waiting Slots, oldest first


class SlotTable:
    def __init__(self, capacity: int, per_source: int) -> None:
        if capacity < 1 or per_source < 1:
            raise ValueError("capacity and per_source must be at least 1")
        self.capacity = capacity
        self.per_source = per_source
        self._root = _Node()

    def __len__(self) -> int:
        return self._root.count

    @property
    def waiting(self) -> int:
        return self._root.waiting

    def admit(self, ranges: tuple[Prefix, ...]) -> Admission:
        """A newcomer from `ranges` (lineage()): a slot for it, and the connection whose slot
        it takes if the table was full; or why it is turned away."""
        source = self._find(ranges)
        if source is not None and source.count >= self.per_source:
            return Admission(Outcome.OVER_SOURCE_LIMIT)
        displaced = None
        if self._root.count >= self.capacity:
            displaced = self._longest_waiting_in_busiest_range()
            if displaced is None:
                return Admission(Outcome.FULL)
            self.release(displaced)
            displaced.displaced = True
        slot = Slot(ranges)
        node = self._root
        node.count += 1
        node.waiting += 1
        for prefix in ranges:
            node = node.children.setdefault(prefix, _Node())
            node.count += 1
            node.waiting += 1
        node.queue[slot] = None
        return Admission(Outcome.DISPLACING if displaced else Outcome.ADMITTED, slot, displaced)

    def hello_arrived(self, slot: Slot) -> None:
        """`slot`'s connection delivered its ClientHello: it is no longer displaceable."""
        if not slot.waiting or slot.released:
            return
        slot.waiting = False
        path = self._path(slot)
        for node in path:
            node.waiting -= 1
        del path[-1].queue[slot]

    def release(self, slot: Slot) -> None:
        """`slot`'s connection ended (or was displaced). Idempotent."""
        if slot.released:
            return
        slot.released = True
        path = self._path(slot)
        for node in path:
            node.count -= 1
            node.waiting -= slot.waiting
        path[-1].queue.pop(slot, None)
        for depth in range(len(path) - 1, 0, -1):  # ranges with no slot leave: memory stays bounded
            if path[depth].count == 0:
                del path[depth - 1].children[slot.lineage[depth - 1]]

    def _find(self, ranges: tuple[Prefix, ...]) -> _Node | None:
        node = self._root
        for prefix in ranges:
            node = node.children.get(prefix)
            if node is None:
                return None
        return node

    def _path(self, slot: Slot) -> list[_Node]:
        path = [self._root]
        for prefix in slot.lineage:
            path.append(path[-1].children[prefix])
        return path

    def _longest_waiting_in_busiest_range(self) -> Slot | None:
        node = self._root
        if node.waiting == 0:
            return None
        while node.children:
            # the first of equals is the range that has held slots longest (dicts keep order)
            node = max((child for child in node.children.values() if child.waiting),
                       key=lambda child: child.waiting)
        return next(iter(node.queue))
