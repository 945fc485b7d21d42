"""Host names from the command line (probe's target and `--sni`, capture's `--listen`) as the
ASCII DNS names that resolvers and the TLS server_name extension take (RFC 6066 §3: HostName
is "a fully qualified domain name ... represented as a byte string using ASCII encoding
without a trailing dot").

A name with non-ASCII characters is converted with IDNA 2003 (RFC 3490 ToASCII: nameprep, then
Punycode), which is what Python's built-in `idna` codec implements — not IDNA 2008 (RFC 5891),
which differs for a few characters (IDNA 2003 maps `ß` to `ss`, IDNA 2008 keeps it). Give the
`xn--` form to send exactly the labels you mean. A name longer than a DNS name can be (253
characters, a label 63: RFC 1035 §2.3.4, §3.1), with an empty label, or that IDNA 2003 cannot
convert is a UsageError saying which; nothing here raises anything else.
"""

from __future__ import annotations

from generator.errors import UsageError

MAX_NAME = 253   # RFC 1035 §3.1: 255 octets on the wire, less the first length and the root
MAX_LABEL = 63   # RFC 1035 §2.3.4


def shortened(text: str) -> str:
    """A name for an error message, quoted: whole if short, else its start and its length."""
    return repr(text) if len(text) <= 80 else f"{text[:60]!r}… ({len(text)} characters)"


def dns_name(text: str, what: str) -> str:
    """`text` as an ASCII DNS name (IDNA 2003 for non-ASCII), a trailing dot kept; UsageError
    naming `what` ("--sni", "target") if it cannot be one."""
    bare = text[:-1] if text.endswith(".") else text
    if len(bare) > MAX_NAME:  # before converting: the cost of what follows stays bounded
        raise UsageError(f"{what} {shortened(text)} is longer than a DNS name can be "
                         f"({MAX_NAME} characters, RFC 1035 §3.1)")
    if text.isascii():
        name = text
    else:
        try:
            name = text.encode("idna").decode("ascii")
        except UnicodeError as error:
            reason = str(error).rpartition("(UnicodeError: ")[2].rstrip(")") or str(error)
            raise UsageError(f"{what} {shortened(text)} cannot be converted to an ASCII name with "
                             f"IDNA 2003 (Python's idna codec): {reason}; give its xn-- form"
                             ) from None
    labels = (name[:-1] if name.endswith(".") else name).split(".")
    for label in labels:
        if not label:
            raise UsageError(f"{what} {shortened(text)} has an empty label (RFC 1035 §2.3.4)")
        if len(label) > MAX_LABEL:
            raise UsageError(f"{what} {shortened(text)} has a label of {len(label)} characters; "
                             f"a DNS label has at most {MAX_LABEL} (RFC 1035 §2.3.4)")
    if len(name.removesuffix(".")) > MAX_NAME:
        raise UsageError(f"{what} {shortened(text)} is {len(name.removesuffix('.'))} characters "
                         f"as ASCII ({name[:40]}…), longer than a DNS name can be ({MAX_NAME}, "
                         "RFC 1035 §3.1)")
    return name
