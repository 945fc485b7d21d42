"""The RFC 7919 finite-field groups (ffdhe2048 ... ffdhe8192), computed from the RFC's own
formula rather than copied: p = 2^b - 2^(b-64) + (floor(2^(b-130) * e) + X) * 2^64 - 1, with
generator 2 (RFC 7919 Appendix A.1-A.5)."""

from __future__ import annotations

from functools import cache

#: NamedGroup codepoint -> (bits, X) from RFC 7919 Appendix A
GROUPS = {0x0100: (2048, 560316), 0x0101: (3072, 2625351), 0x0102: (4096, 5736041),
          0x0103: (6144, 15705020), 0x0104: (8192, 10965728)}
GENERATOR = 2


def _e_scaled(bits: int) -> int:
    """floor(e * 2^bits), from the series e = sum 1/k! (exact to the last bit with a margin)."""
    margin = 64
    scale = 1 << (bits + margin)
    total, term, k = 0, scale, 0
    while term:
        total, k = total + term, k + 1
        term //= k
    return total >> margin


@cache
def prime(group: int) -> int:
    """The safe prime of an RFC 7919 group, by NamedGroup codepoint."""
    bits, offset = GROUPS[group]
    return 2**bits - 2**(bits - 64) + (_e_scaled(bits - 130) + offset) * 2**64 - 1


def byte_length(group: int) -> int:
    """A key share for the group is the public value padded to the prime's length
    (RFC 8446 §4.2.8.1)."""
    return GROUPS[group][0] // 8
