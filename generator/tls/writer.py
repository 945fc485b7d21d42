"""The inverse of reader.py: encode fields and length-prefixed vectors (RFC 8446 §3)."""

from __future__ import annotations

from collections.abc import Iterable


def uint8(value: int) -> bytes:
    return value.to_bytes(1, "big")


def uint16(value: int) -> bytes:
    return value.to_bytes(2, "big")


def uint24(value: int) -> bytes:
    return value.to_bytes(3, "big")


def vector(size: int, body: bytes) -> bytes:
    """`body` prefixed with its length in `size` bytes; OverflowError if it does not fit."""
    return len(body).to_bytes(size, "big") + body


def uint16_vector(size: int, values: Iterable[int]) -> bytes:
    return vector(size, b"".join(v.to_bytes(2, "big") for v in values))


def uint8_vector(size: int, values: Iterable[int]) -> bytes:
    return vector(size, bytes(values))
