"""Capture's slot table (generator/net/slots.py) on its own: who is turned away, who gives up a
slot when all are taken, and that a client that sends its hello promptly is never the one —
however many addresses (IPv4) or /64s (IPv6) a flood comes from. Red team F6: 18 addresses ×
32 slowloris connections held all 512 slots; 0 of 53 real clients got through."""

from __future__ import annotations

import ipaddress
from collections import Counter, deque

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.net.slots import Outcome, SlotTable, lineage, source_of


def v4(n: int, base: str = "10.0.0.0") -> str:
    return str(ipaddress.IPv4Address(base) + n)


@pytest.mark.parametrize("host,source", [
    ("192.0.2.7", "192.0.2.7"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("?", "?"),
])
def test_sources(host, source):
    assert source_of(host) == source


def test_the_ranges_of_an_address_widest_first():
    assert lineage("192.0.2.7") == ((4, 8, 192), (4, 16, 192 << 8), (4, 24, 0xC00002),
                                    (4, 32, 0xC0000207))
    assert lineage("::ffff:192.0.2.7") == lineage("192.0.2.7")
    # IPv6: /32, /48, /56, /64; two hosts of one /64 are one source
    assert lineage("2001:db8:1:2::1") == lineage("2001:db8:1:2::ffff")
    assert [r[1] for r in lineage("2001:db8::1")] == [32, 48, 56, 64]
    assert lineage("2001:db8:1:200::1")[:3] == lineage("2001:db8:1:2ff::1")[:3]
    assert lineage("2001:db8:1:200::1")[3] != lineage("2001:db8:1:2ff::1")[3]
    assert lineage("not an address")[-1] == ("?", "not an address")


def test_one_source_holds_at_most_its_share_even_with_slots_free():
    table = SlotTable(capacity=100, per_source=3)
    ranges = lineage("192.0.2.1")
    assert [table.admit(ranges).outcome for _ in range(4)] == [Outcome.ADMITTED] * 3 + [
        Outcome.OVER_SOURCE_LIMIT]
    assert table.admit(lineage("192.0.2.2")).outcome is Outcome.ADMITTED
    assert len(table) == 4


def test_when_full_the_busiest_sources_longest_waiting_connection_makes_room():
    table = SlotTable(capacity=4, per_source=4)
    busy = [table.admit(lineage("192.0.2.1")).slot for _ in range(3)]
    quiet = table.admit(lineage("192.0.2.2")).slot
    table.hello_arrived(busy[0])  # past its hello: never displaced
    admission = table.admit(lineage("198.51.100.1"))
    assert admission.outcome is Outcome.DISPLACING and admission.displaced is busy[1]
    assert busy[1].displaced and busy[1].released and not quiet.displaced
    assert len(table) == 4
    # the busy source still waits in one slot, the quiet one in one: the older range goes
    assert table.admit(lineage("203.0.113.1")).displaced is busy[2]


def test_a_table_of_connections_past_their_hello_turns_newcomers_away():
    table = SlotTable(capacity=2, per_source=2)
    for host in ("192.0.2.1", "192.0.2.2"):
        table.hello_arrived(table.admit(lineage(host)).slot)
    assert table.admit(lineage("192.0.2.3")).outcome is Outcome.FULL
    assert len(table) == 2


def client_keeps_its_slot(attackers: list[str], client: str, per_source: int = 32,
                          capacity: int = 512, steps: int = 20_000) -> bool:
    """A flood from `attackers` (up to `per_source` connections each) in which every
    connection that is displaced or turned away tries again at once; once it churns, `client`
    connects and — not having sent its hello yet — sits through `steps` more attempts. Whether
    it still holds its slot at the end."""
    table = SlotTable(capacity, per_source)
    trying = deque(host for host in attackers for _ in range(per_source))
    host_of = {}

    def attempt(host: str):
        admission = table.admit(lineage(host))
        if admission.slot is None:
            trying.append(host)
            return admission
        host_of[admission.slot] = host
        if admission.displaced is not None:
            trying.append(host_of.pop(admission.displaced))
        return admission

    for _ in range(len(trying) + 1000):
        attempt(trying.popleft())
    assert len(table) == capacity and trying, "the flood fills the table and churns"
    mine = attempt(client)
    assert mine.slot is not None, mine.outcome
    for _ in range(steps):
        attempt(trying.popleft())
    return not mine.slot.displaced


def test_the_red_teams_flood_never_displaces_a_prompt_client():
    """18 addresses × 32 slowloris connections reconnecting at once, a client in the same /24
    (127.0.0.10-27 and 127.0.0.250, as the red team ran it) and one outside it."""
    attackers = [f"127.0.0.{10 + i}" for i in range(18)]
    assert client_keeps_its_slot(attackers, "127.0.0.250")
    assert client_keeps_its_slot(attackers, "192.0.2.1")


@pytest.mark.parametrize("attackers,client", [
    # one connection from each of 2,000 /64s of one /48 ("anyone with a /56 has 256 peers")
    ([f"2001:db8:1:{i:x}::1" for i in range(2000)], "2001:db8:2::1"),
    # the same inside the client's own /48, the client in a /56 of its own
    ([f"2001:db8:1:{i:x}::1" for i in range(0x100, 0x900)], "2001:db8:1::1"),
    # 2,000 IPv4 addresses of one /16, one connection each; the client in another /16
    ([v4(i) for i in range(2000)], "10.1.0.1"),
    # the same in the client's own /16, the client in a /24 of its own
    ([v4(i) for i in range(2000)], "10.0.200.1"),
])
def test_a_flood_from_many_sources_of_one_range_displaces_itself(attackers, client):
    assert client_keeps_its_slot(attackers, client, per_source=1)


def test_ties_go_oldest_first_so_an_equal_newcomer_still_gets_its_turn():
    """Four connections from four /8s, the client from a fifth: it ties at every level, so the
    ranges that held slots before it go first (three of them), and then it."""
    table = SlotTable(capacity=4, per_source=32)
    for first in (10, 20, 30, 40):
        table.admit(lineage(f"{first}.0.0.1"))
    mine = table.admit(lineage("50.0.0.1"))
    assert mine.displaced is not None and mine.displaced.lineage == lineage("10.0.0.1")
    survived = 0
    while not mine.slot.displaced and survived < 100:
        table.admit(lineage(f"{60 + survived}.0.0.1"))
        survived += 1
    assert survived == 4  # 20, 30, 40 went first; the fourth newcomer displaced the client


# -- every operation, any order: the invariants hold, the victim is the busiest's -------------
HOSTS = st.sampled_from([v4(i) for i in (0, 1, 2, 256, 257, 65536, 1 << 24)]
                        + ["2001:db8::1", "2001:db8::2", "2001:db8:0:1::1", "2001:db8:1::1",
                           "2001:db9::1"])


@settings(max_examples=300, deadline=None)
@example(3, 4, [("admit", "10.0.0.0", 0), ("admit", "10.0.0.1", 0), ("admit", "10.0.0.1", 0),
                ("admit", "10.0.1.0", 0)])  # the busier source goes, not the older one
@given(st.integers(1, 6), st.integers(1, 6),
       st.lists(st.tuples(st.sampled_from(["admit"] * 4 + ["hello", "release"]), HOSTS,
                          st.integers(0, 100)), max_size=60))
def test_invariants_under_any_sequence(capacity, per_source, operations):
    table = SlotTable(capacity, per_source)
    live = []   # (slot, host) in admission order
    for action, host, pick in operations:
        if action == "admit":
            before = [(s, h) for s, h in live if s.waiting]
            admission = table.admit(lineage(host))
            held = sum(1 for s, h in live if source_of(h) == source_of(host))
            if held >= per_source:
                assert admission.outcome is Outcome.OVER_SOURCE_LIMIT
                continue
            if len(live) >= capacity:
                if not before:
                    assert admission.outcome is Outcome.FULL
                    continue
                victim = admission.displaced
                assert victim is not None and victim.waiting
                check_busiest(victim, before)
                live = [(s, h) for s, h in live if s is not victim]
            else:
                assert admission.outcome is Outcome.ADMITTED and admission.displaced is None
            live.append((admission.slot, host))
        elif live:
            slot, _ = live[pick % len(live)]
            if action == "hello":
                table.hello_arrived(slot)
                assert not slot.waiting
            else:
                table.release(slot)
                table.release(slot)  # idempotent
                live = [(s, h) for s, h in live if s is not slot]
        assert len(table) == len(live) <= capacity
        assert table.waiting == sum(s.waiting for s, _ in live)
        assert max(Counter(source_of(h) for _, h in live).values(), default=0) <= per_source
    for slot, _ in live:
        table.release(slot)
    assert len(table) == 0 and table._root.children == {}  # nothing kept: memory is bounded


def check_busiest(victim, waiting) -> None:
    """At every level, the victim's range has as many waiting connections as any other range
    under the same parent; at its source, it waited longest."""
    ranges = victim.lineage
    for depth in range(len(ranges)):
        siblings = Counter(s.lineage[depth] for s, _ in waiting
                           if s.lineage[:depth] == ranges[:depth])
        assert siblings[ranges[depth]] == max(siblings.values())
    same_source = [s for s, _ in waiting if s.lineage == ranges]
    assert same_source[0] is victim
