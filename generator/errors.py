"""The exception types tlskb raises on bad input. The CLI prints them as one line."""

from __future__ import annotations


class TlskbError(Exception):
    """Base of every error tlskb reports to a user: the message says what, where and what to do."""


class DecodeError(TlskbError):
    """Bytes that are not what the protocol (or container format) says they must be.

    `offset` is the byte offset of the offending field within the decoded input, `field` names the
    field being read, and `context` says which input it was (a file, a pcap packet, a TCP stream).
    Every decoder in tlskb raises only this for malformed input.
    """

    def __init__(self, message: str, *, offset: int | None = None, field: str | None = None,
                 context: str | None = None) -> None:
        self.message = message
        self.offset = offset
        self.field = field
        self.context = context
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" at offset {self.offset}" if self.offset is not None else ""
        prefix = f"{self.context}: " if self.context else ""
        return f"{prefix}{self.message}{where}"

    def within(self, context: str, shift: int = 0) -> "DecodeError":
        """The same error seen from an enclosing input: prefix `context`, shift the offset."""
        inner = f"{context}: {self.context}" if self.context else context
        offset = None if self.offset is None else self.offset + shift
        return DecodeError(self.message, offset=offset, field=self.field, context=inner)


class UsageError(TlskbError):
    """The command line asked for something that cannot be done (missing file, bad option value)."""
