"""Host names from the command line (red team F7): `tlskb probe --sni 'ü.example'` and the
target `bücher.example:9` ended in a UnicodeEncodeError traceback, a 70,000-character --sni in
an OverflowError. Now a non-ASCII name is sent in its IDNA 2003 form and anything that cannot
be a DNS name is one line saying why."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import UsageError
from generator.net.commands import host_port
from generator.net.hostname import MAX_LABEL, MAX_NAME, dns_name
from generator.tls.records import decode_client_hello
from support.net import read_client_hello, scripted_server

LONG = "a" * 70_000


def probe(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["probe", "--no-cases", "--only", "curl-7.88", "--timeout", "5", *args],
                  out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name,ascii_name", [
    ("ü.example", "xn--tda.example"),
    ("bücher.example", "xn--bcher-kva.example"),   # RFC 3492's own kind of example
    ("BÜCHER.example.", "xn--bcher-kva.example."),  # nameprep folds case; the root dot stays
    ("faß.de", "fass.de"),                         # IDNA 2003 (IDNA 2008 would keep the ß)
    ("mx.example.org", "mx.example.org"),
    ("a" * MAX_LABEL + ".example", "a" * MAX_LABEL + ".example"),
])
def test_names_are_converted_to_ascii_with_idna_2003(name, ascii_name):
    assert dns_name(name, "--sni") == ascii_name


@pytest.mark.parametrize("name,message", [
    (LONG, "'" + "a" * 60 + "'… (70000 characters) is longer than a DNS name can be "
           "(253 characters"),
    ("a" * 64 + ".example", "has a label of 64 characters; a DNS label has at most 63"),
    ("a..example", "has an empty label"),
    (".example", "has an empty label"),
    ("ü" * 70 + ".example", "cannot be converted to an ASCII name with IDNA 2003"),
    (".".join(["ü" * 40] * 6), "is 281 characters as ASCII"),  # 245 characters given
])
def test_what_cannot_be_a_dns_name_is_refused_saying_why(name, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        dns_name(name, "--sni")


@given(st.text(max_size=300))
def test_any_text_is_a_dns_name_or_a_usage_error(text):
    try:
        name = dns_name(text, "--sni")
    except UsageError as error:
        assert "\n" not in str(error).strip() and len(str(error)) < 400
        return
    assert name.isascii()
    labels = name.removesuffix(".").split(".")
    assert len(name.removesuffix(".")) <= MAX_NAME
    assert all(0 < len(label) <= MAX_LABEL for label in labels)


def test_a_target_host_is_converted_too():
    assert host_port("bücher.example:9") == ("xn--bcher-kva.example", 9)
    assert host_port("[::1]:9") == ("::1", 9)
    with pytest.raises(UsageError, match="longer than a DNS name"):
        host_port(f"{LONG}:9", what="target")


def test_an_idn_sni_reaches_the_server_in_its_ascii_form():
    seen = []

    def script(client) -> None:
        seen.append(read_client_hello(client))

    with scripted_server(script) as port:
        status, out, err = probe("--sni", "ü.example", f"127.0.0.1:{port}")
    assert "Traceback" not in err
    (hello,) = seen
    assert decode_client_hello(hello).hello.server_name == "xn--tda.example"


@pytest.mark.parametrize("args,message", [
    (["--sni", LONG, "127.0.0.1:9"], "--sni 'aaaa"),
    (["--sni", "a" * 64 + ".example", "127.0.0.1:9"], "--sni 'aaaa"),
    ([f"{LONG}:9"], "target 'aaaa"),
    (["ü" * 70 + ".example:9"], "target 'üüüü"),
])
def test_the_command_says_it_in_one_line_without_connecting(args, message):
    status, out, err = probe(*args)
    assert status == 1 and out == ""
    assert err.startswith("tlskb: error: " + message) and err.count("\n") == 1, err
    assert len(err) < 400


def test_capture_listen_refuses_a_name_that_cannot_be_one():
    out, err = io.StringIO(), io.StringIO()
    status = main(["capture", "--listen", f"{LONG}:0"], out, err)
    assert status == 1 and err.getvalue().count("\n") == 1
    assert "--listen 'aaaa" in err.getvalue() and "longer than a DNS name" in err.getvalue()
