"""TLS 1.3 record protection, read side only: a server's encrypted handshake records opened
with the handshake traffic secret a replayed library logs (its key log, NSS format), so that a
replay sees the CertificateVerify's signature scheme and any encrypted alert.

RFC 8446 §7.1 (HKDF-Expand-Label), §7.3 (traffic keys: "key", "iv"), §5.2 (TLSInnerPlaintext,
additional data = the record header), §5.3 (per-record nonce: the sequence number XORed into
the IV). Pure; the AEADs come from `cryptography`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

#: TLS 1.3 cipher suite -> (AEAD, key length, hash, tag length); RFC 8446 §B.4
SUITES = {
    0x1301: (AESGCM, 16, hashes.SHA256, 16),
    0x1302: (AESGCM, 32, hashes.SHA384, 16),
    0x1303: (ChaCha20Poly1305, 32, hashes.SHA256, 16),
    0x1304: (AESCCM, 16, hashes.SHA256, 16),
    0x1305: (AESCCM, 16, hashes.SHA256, 8),
}
CONTENT_APPLICATION_DATA = 23


@dataclass(frozen=True, slots=True)
class InnerRecord:
    """A TLSInnerPlaintext: the real content type and the content (padding removed)."""
    content_type: int
    content: bytes


def expand_label(secret: bytes, label: bytes, length: int, hash_type) -> bytes:
    """HKDF-Expand-Label(secret, label, "", length), RFC 8446 §7.1."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00"
    return HKDFExpand(hash_type(), length, info).derive(secret)


def open_records(fragments: Sequence[bytes], suite: int, secret: bytes
                 ) -> list[InnerRecord | None]:
    """The protected records (their fragments, in order, sequence numbers from 0) opened with
    `secret`; None for one that does not authenticate or holds no content type (a record the
    key does not open is reported, never guessed). Unknown suite: every record None."""
    if suite not in SUITES:
        return [None] * len(fragments)
    aead, key_length, hash_type, tag_length = SUITES[suite]
    key = expand_label(secret, b"key", key_length, hash_type)
    iv = expand_label(secret, b"iv", 12, hash_type)
    cipher = aead(key, tag_length) if aead is AESCCM else aead(key)
    opened: list[InnerRecord | None] = []
    for sequence, fragment in enumerate(fragments):
        nonce = bytes(a ^ b for a, b in zip(iv, sequence.to_bytes(12, "big")))
        header = bytes([CONTENT_APPLICATION_DATA, 3, 3]) + len(fragment).to_bytes(2, "big")
        try:
            inner = cipher.decrypt(nonce, fragment, header)
        except (InvalidTag, ValueError):
            opened.append(None)
            continue
        inner = inner.rstrip(b"\x00")  # §5.2: zero padding after the content type
        opened.append(InnerRecord(inner[-1], inner[:-1]) if inner else None)
    return opened
