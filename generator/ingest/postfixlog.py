"""Is this a Postfix log that cannot hold a ClientHello? Postfix writes the bytes a client sent
only at `smtpd_tls_loglevel = 3` ("read from ... (N bytes => N (0xN))" and hex lines after it);
at the default 0 or 1 its log says who connected and which TLS was agreed, never a hello. So a
Postfix log without those dumps deserves the setting to change, not "no ClientHello found".
Pure; `decode` and `impact` both ask it."""

from __future__ import annotations

import re

#: the one line to tell the admin (decode and impact print it as it is)
HINT = ("no ClientHello in this Postfix log: set smtpd_tls_loglevel = 3 (postconf -e "
        "smtpd_tls_loglevel=3; postfix reload), let clients connect, run again")

#: a syslog line of a Postfix daemon: "Nov 27 03:24:49 mx postfix/smtpd[32135]: " (or a
#: multi-instance name such as postfix-out/smtp[…]), in the first 200 characters of a line
_POSTFIX_LINE = re.compile(r"^.{0,200}?\bpostfix(?:-[\w.-]{1,64})?/[a-z]{1,32}\[\d{1,10}\]: ",
                           re.MULTILINE)
#: what a loglevel-3 dump writes before the bytes (tls_bio_dump_cb in Postfix's tls_misc.c)
_READ_FROM = re.compile(r"\]: read from [0-9A-Fa-f]{1,16} \[[0-9A-Fa-f]{1,16}\] \(\d{1,10} bytes =>")
#: lines looked at: a log's first lines say what it is
_SAMPLE_LINES = 4096


def looks_like_postfix_log_without_hex(text: str) -> bool:
    """True when `text` is a Postfix syslog (a line of a postfix/<daemon>[pid] process among
    its first lines) in which no line dumps what a TLS peer sent (`read from ...`): a log at
    smtpd_tls_loglevel 0, 1 or 2. Linear in the text; every pattern sees one line at most."""
    postfix = False
    for number, line in enumerate(text.splitlines()):
        if "read from " in line and _READ_FROM.search(line[:1024]):
            return False
        if not postfix and number < _SAMPLE_LINES and _POSTFIX_LINE.match(line[:400]):
            postfix = True
    return postfix
