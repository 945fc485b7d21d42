"""A certificate file, read: PEM (RFC 7468: one or more CERTIFICATE blocks, a chain, leaf
first; other blocks — a private key, parameters — skipped with a note and never shown) or a
single DER certificate. Pure: the bytes in, a Chain and notes out, or a DecodeError saying
which line or offset is wrong and what to do. One pass over the lines: time and memory linear
in the input, which the caller caps at MAX_FILE bytes.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from generator.certcheck.chain import Chain, describe
from generator.errors import DecodeError

#: a certificate chain is a few KiB; a CA bundle some hundreds. More is not a chain.
MAX_FILE = 1 << 20

#: RFC 7468 §5.1 "CERTIFICATE", and the legacy labels §5.3 says parsers should accept
CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "X.509 CERTIFICATE")
#: blocks holding a private key (RFC 7468 §10-11, and OpenSSL's traditional forms)
_PRIVATE = re.compile(rb"(^|\s)(ENCRYPTED )?PRIVATE KEY$|^(RSA|EC|DSA|OPENSSH) PRIVATE KEY$")
_BEGIN = re.compile(rb"^-----BEGIN ([\x21-\x2c\x2e-\x7e][\x20-\x2c\x2e-\x7e]*)?-----$")
_END = re.compile(rb"^-----END ([\x21-\x2c\x2e-\x7e][\x20-\x2c\x2e-\x7e]*)?-----$")
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


@dataclass(frozen=True, slots=True)
class ReadFile:
    chain: Chain
    notes: tuple[str, ...]   # blocks skipped, each with its line


def read_certificates(data: bytes, source: str) -> ReadFile:
    """The chain in a file's bytes (`source` names it in messages). PEM when it holds a
    `-----BEGIN` line, else one DER certificate."""
    if len(data) > MAX_FILE:
        raise DecodeError(f"{len(data)} bytes is more than the {MAX_FILE} a certificate chain "
                          "takes; give the server's certificate or chain file (cert.pem, "
                          "fullchain.pem), not a bundle or an archive", context=source)
    if not data.strip():
        raise DecodeError("the file is empty; give a PEM or DER certificate", context=source)
    if b"-----BEGIN" in data:
        return _read_pem(data, source)
    return ReadFile(Chain((_der(data, source),)), ())


def _der(data: bytes, source: str):
    if data[0] != 0x30:
        what = "text" if data[:64].isascii() else "binary data"
        raise DecodeError(f"neither PEM (no -----BEGIN CERTIFICATE----- line) nor a DER "
                          f"certificate (it starts with byte 0x{data[0]:02x}, not a DER "
                          f"SEQUENCE, 0x30): {what}; give the certificate file itself "
                          "(openssl x509 -in FILE -out cert.pem converts what OpenSSL reads)",
                          offset=0, context=source)
    try:
        return describe(data, 0, source)
    except DecodeError as error:
        raise DecodeError(f"{error.message}; if it is PKCS#7 (.p7b) or PKCS#12 (.pfx), "
                          "convert it: openssl pkcs7 -print_certs -in FILE, or openssl "
                          "pkcs12 -nokeys -in FILE", offset=0, context=source) from None


def _read_pem(data: bytes, source: str) -> ReadFile:
    certificates, notes = [], []
    label: bytes | None = None    # the open block's label
    begun = 0                     # its BEGIN line
    body: list[tuple[int, bytes]] = []   # (line number, base64)
    headers = False               # RFC 1421 headers (Proc-Type, DEK-Info) in the open block
    for number, line in enumerate(data.splitlines(), 1):
        line = line.strip()
        begin = _BEGIN.match(line)
        if label is None:
            if begin:
                label, begun, body, headers = begin.group(1) or b"", number, [], False
            elif _END.match(line):
                raise _at(source, number, "an END line without its BEGIN line; copy the whole "
                                          "block, -----BEGIN to -----END")
            continue   # text between blocks (openssl's subject= lines, Bag Attributes)
        end = _END.match(line)
        if begin:
            raise _at(source, number, f"a BEGIN line inside the {_shown(label)} block begun on "
                                      f"line {begun}, which has no END line; the file is cut "
                                      "or pasted together: copy each whole block")
        if end is None:
            if not _is_certificate(label) and (b":" in line or (headers and line and not body)):
                headers = True  # an encrypted key's headers (RFC 1421): the block is skipped
            elif line:
                body.append((number, line))
            continue
        if (end.group(1) or b"") != label:
            raise _at(source, number, f"END {_shown(end.group(1) or b'')} closes the "
                                      f"{_shown(label)} block begun on line {begun}; copy the "
                                      "whole block, -----BEGIN to -----END")
        if _is_certificate(label):
            der = _base64(body, source, begun)
            where = f"{source}, line {begun}"
            try:
                certificates.append(describe(der, len(certificates), where))
            except DecodeError as error:
                raise DecodeError(f"{error.message}; the block holds no certificate: copy it "
                                  "again from its source", context=where) from None
        else:
            notes.append(_skipped(source, begun, label))
        label = None
    if label is not None:
        raise _at(source, begun, f"the {_shown(label)} block begun here has no END line: the "
                                 "file is cut short; copy the whole block, -----BEGIN to "
                                 "-----END")
    if not certificates:
        seen = f" (it holds {len(notes)} other block(s): {'; '.join(notes)})" if notes else ""
        raise DecodeError(f"no CERTIFICATE block{seen}; give the certificate or chain file "
                          "(cert.pem, fullchain.pem)", context=source)
    return ReadFile(Chain(tuple(certificates)), tuple(notes))


def _is_certificate(label: bytes) -> bool:
    return label.decode("ascii") in CERTIFICATE_LABELS


def _base64(lines: list[tuple[int, bytes]], source: str, begun: int) -> bytes:
    """The block's contents (RFC 7468 §3: base64, lines of any length); a bad character is
    named with its line and column."""
    for number, line in lines:
        good = _BASE64.match(line).end()
        if good != len(line):
            raise _at(source, number, f"byte 0x{line[good]:02x} at column {good + 1} is not "
                                      f"base64 (in the CERTIFICATE block begun on line "
                                      f"{begun}); copy the block again")
    try:
        return binascii.a2b_base64(b"".join(line for _, line in lines), strict_mode=True)
    except binascii.Error as error:
        raise _at(source, begun, f"the block's base64 is incomplete ({error}); the block was "
                                 "cut: copy it again") from None


def _skipped(source: str, line: int, label: bytes) -> str:
    shown = _shown(label)
    if _PRIVATE.search(label):
        return (f"{source}, line {line}: a {shown} block, skipped (its contents are neither "
                "read nor shown; keep private keys out of files you share)")
    if label in (b"PKCS7", b"CMS"):
        return (f"{source}, line {line}: a {shown} block, skipped; its certificates: openssl "
                "pkcs7 -print_certs -in FILE")
    if label == b"TRUSTED CERTIFICATE":
        return (f"{source}, line {line}: a TRUSTED CERTIFICATE block (OpenSSL's trust "
                "settings), skipped; openssl x509 -in FILE gives the certificate")
    return f"{source}, line {line}: a {shown} block, skipped (not a certificate)"


def _shown(label: bytes) -> str:
    return label.decode("ascii") or "(unlabelled)"


def _at(source: str, line: int, message: str) -> DecodeError:
    return DecodeError(message, context=f"{source}, line {line}")
