"""A cursor over bytes that reads the fields of the TLS presentation language (RFC 8446 §3).

Each read names the field it reads, so a malformed input raises a DecodeError that says which
field, at which absolute byte offset, and what was expected. Vectors are read as sub-readers
over the same buffer (no copies), bounded by their length prefix: `opaque x<2..2^16-2>` becomes
`reader.vector(2, "x", minimum=2, maximum=0xFFFE)`.
"""

from __future__ import annotations

import struct

from generator.errors import DecodeError


class Reader:
    __slots__ = ("_data", "_pos", "_end")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self._data = data
        self._pos = start
        self._end = len(data) if end is None else end

    # -- position -------------------------------------------------------------------------------
    @property
    def offset(self) -> int:
        """Absolute offset of the next byte within the buffer given to the outermost reader."""
        return self._pos

    @property
    def remaining(self) -> int:
        return self._end - self._pos

    def at_end(self) -> bool:
        return self._pos >= self._end

    def fail(self, message: str, field: str, offset: int | None = None) -> DecodeError:
        return DecodeError(message, offset=self._pos if offset is None else offset, field=field)

    def _need(self, count: int, field: str) -> int:
        pos = self._pos
        if pos + count > self._end:
            raise self.fail(f"{field} needs {count} byte{'s' if count != 1 else ''} but only "
                            f"{self._end - pos} remain{'s' if self._end - pos == 1 else ''}", field)
        self._pos = pos + count
        return pos

    # -- fixed-size fields ----------------------------------------------------------------------
    def uint8(self, field: str) -> int:
        return self._data[self._need(1, field)]

    def uint16(self, field: str) -> int:
        pos = self._need(2, field)
        data = self._data
        return (data[pos] << 8) | data[pos + 1]

    def uint24(self, field: str) -> int:
        pos = self._need(3, field)
        data = self._data
        return (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]

    def uint32(self, field: str) -> int:
        pos = self._need(4, field)
        return int.from_bytes(self._data[pos:pos + 4], "big")

    def fixed(self, count: int, field: str) -> bytes:
        pos = self._need(count, field)
        return self._data[pos:pos + count]

    def rest(self) -> bytes:
        pos, self._pos = self._pos, self._end
        return self._data[pos:self._end]

    # -- variable-length vectors (RFC 8446 §3.4) ------------------------------------------------
    def _length(self, size: int, field: str, minimum: int, maximum: int | None, unit: int) -> int:
        start = self._pos
        if size == 1:
            length = self.uint8(f"{field} length")
        elif size == 2:
            length = self.uint16(f"{field} length")
        else:
            length = self.uint24(f"{field} length")
        width = size * 2
        if length > self._end - self._pos:
            raise self.fail(f"{field} length {length} (0x{length:0{width}x}) exceeds the "
                            f"{self._end - self._pos} bytes that remain", field, start)
        if unit > 1 and length % unit:
            what = "odd" if unit == 2 else f"not a multiple of {unit}"
            raise self.fail(f"{field} length 0x{length:0{width}x} is {what}", field, start)
        top = (1 << (8 * size)) - 1 if maximum is None else maximum
        if length < minimum or length > top:
            raise self.fail(f"{field} length {length} is outside the allowed <{minimum}..{top}>",
                            field, start)
        return length

    def vector(self, size: int, field: str, minimum: int = 0, maximum: int | None = None,
               unit: int = 1) -> "Reader":
        """A reader bounded to the body of a vector whose length prefix is `size` bytes."""
        length = self._length(size, field, minimum, maximum, unit)
        start = self._pos
        self._pos = start + length
        return Reader(self._data, start, start + length)

    def opaque(self, size: int, field: str, minimum: int = 0, maximum: int | None = None) -> bytes:
        length = self._length(size, field, minimum, maximum, 1)
        start = self._pos
        self._pos = start + length
        return self._data[start:start + length]

    def uint16_vector(self, size: int, field: str, minimum: int = 0,
                      maximum: int | None = None) -> tuple[int, ...]:
        """`uint16 x<minimum..maximum>`: the byte length must be even."""
        length = self._length(size, field, minimum, maximum, 2)
        start = self._pos
        self._pos = start + length
        return struct.unpack_from(f">{length >> 1}H", self._data, start)

    def uint8_vector(self, size: int, field: str, minimum: int = 0,
                     maximum: int | None = None) -> tuple[int, ...]:
        length = self._length(size, field, minimum, maximum, 1)
        start = self._pos
        self._pos = start + length
        return tuple(self._data[start:start + length])

    def expect_end(self, field: str) -> None:
        """Every length in TLS is exact: bytes left inside a vector are an error."""
        if self._pos != self._end:
            extra = self._end - self._pos
            raise self.fail(f"{extra} unexpected byte{'s' if extra != 1 else ''} after the end of "
                            f"{field}", field)
