"""One recorded client's evidence for one server stack and key type (pure): the real client's
end-to-end run when it ran here, else its recorded hello decided by the stack's analyzer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from generator.compat.clients import ClientRun, EndToEnd, RecordedClient
from generator.compat.keytypes import KeyType
from generator.compat.verdict import VerdictKind
from generator.errors import DecodeError
from generator.i18n import N_, _
from generator.stacks import Stack, StackId, analyzer
from generator.tls.records import decode_client_hello

#: a run's result as a cell: (mark, css class, words)
RUN_MARKS = {
    EndToEnd.COMPLETED: ("✓", "tlskb-works", N_("completed with the real client")),
    EndToEnd.SERVER_REFUSED: ("✗", "tlskb-fails", N_("the server's library refused the handshake")),
    EndToEnd.CLIENT_REFUSED: ("✗", "tlskb-fails", N_("the client refused what the server sent")),
    EndToEnd.NO_CONNECTION: ("✗", "tlskb-fails", N_("the client never reached the server")),
    EndToEnd.FAILED: ("?", "tlskb-proceeds", N_("the handshake ended without a verdict")),
}
VERDICT_MARKS = {VerdictKind.OK: ("✓", "tlskb-works", N_("replayed: the server answers")),
                 VerdictKind.PROCEEDS: ("~", "tlskb-proceeds",
                                        N_("replayed: the server answers, the client may refuse")),
                 VerdictKind.FAIL: ("✗", "tlskb-fails", N_("replayed: the server refuses"))}


@dataclass(frozen=True, slots=True)
class Cell:
    """One client's evidence for one stack and key type."""
    run: ClientRun | None          # end to end, when the client ran here
    verdict: VerdictKind | None    # the stack's analyzer on the recorded hello

    @property
    def mark(self) -> tuple[str, str, str]:
        """(symbol, css class, words in the active language)."""
        if self.run is not None:
            symbol, css, words = RUN_MARKS[self.run.result]
        elif self.verdict is not None:
            symbol, css, words = VERDICT_MARKS[self.verdict]
        else:
            symbol, css, words = "–", "", N_("no evidence")
        return symbol, css, _(words)

    @property
    def works(self) -> bool | None:
        """Whether this key works here: the real client's word first, then the replay's."""
        if self.run is not None:
            return self.run.result is EndToEnd.COMPLETED
        if self.verdict is not None:
            return self.verdict is VerdictKind.OK
        return None


@cache
def _verdict(client_id: str, raw: bytes, stack_id: StackId, key_type: KeyType) -> VerdictKind | None:
    try:
        hello = decode_client_hello(raw).hello
    except DecodeError:   # check refuses such a file; the cell shows no evidence
        return None
    return analyzer(stack_id)(hello, key_type).kind


def cell(client: RecordedClient, stack: Stack, key_type: KeyType) -> Cell:
    return Cell(client.run(stack.id.value, key_type.id),
                _verdict(client.id, client.raw, stack.id, key_type) if client.raw else None)


