"""The exit statuses of every `tlskb` command: one list, which each command's --help quotes."""

from __future__ import annotations

import enum


class Exit(enum.IntEnum):
    OK = 0
    ERROR = 1            # bad input, unreachable or non-TLS server, a problem in a case file
    USAGE = 2            # the command line itself (argparse)
    DISAGREEMENT = 3     # a reference replay disagrees with the analyzer: a tlskb bug
    CLIENTS_BREAK = 4    # a client would break (probe, cert, impact --fail-on-break)
    INTERRUPTED = 130    # Ctrl-C


MEANING = {
    Exit.OK: "success; nothing breaks",
    Exit.ERROR: "an error: unreadable input, unreachable or non-TLS server, invalid case file "
                "(one line on stderr says what and what to do)",
    Exit.USAGE: "the command line is wrong (unknown option, missing argument)",
    Exit.DISAGREEMENT: "a replay against the reference server disagrees with the analyzer: a "
                       "tlskb bug, please report it with the input",
    Exit.CLIENTS_BREAK: "a current known client would break (historical ones are reported, "
                        "not counted; impact: a connection, with --fail-on)",
    Exit.INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_epilog(*codes: Exit) -> str:
    """The 'Exit status' part of a command's --help: the given codes, and always 0, 1, 2, 130,
    one per line (the help formatter keeps line breaks)."""
    shown = sorted({Exit.OK, Exit.ERROR, Exit.USAGE, *codes, Exit.INTERRUPTED})
    return "exit status:\n" + "\n".join(f"  {int(code):>3}  {MEANING[code]}" for code in shown)
