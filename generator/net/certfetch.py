"""The certificate chains a live server serves, fetched as a TLS client (`tlskb cert
HOST:PORT`): after the STARTTLS dialogue if asked (probe.py's connection), pyOpenSSL (the
pinned wheel's OpenSSL) over memory BIOs runs the handshake, so TLS 1.3 servers, whose Certificate
travels encrypted, are read too. Nothing is verified: the chain is named, not trusted.

A server may hold several certificates and pick one by what the client offers (OpenSSL,
nginx, Apache, Postfix: an RSA and an ECDSA one side by side; RFC 8446 §4.4.2.2, RFC 5246
§7.4.2). So the chain is fetched once per `Offer` — only ECDSA signature schemes and suites,
only RSA, only Ed25519, and the library's defaults — and every distinct leaf is reported.

Bounded: each fetch ends within the target's timeout, and reads at most MAX_RECEIVED bytes.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass

from OpenSSL import SSL
from OpenSSL._util import lib as _lib  # the pinned wheel's binding, for SSL_CTX_set1_sigalgs_list

from generator.errors import TlskbError
from generator.net.greeting import (GREETING_BYTES, not_tls_advice, silence_advice, speaks,
                                    starts_like_tls)
from generator.net.probe import NotTlsError, ProbeError, Target, _connect

#: a chain of a few certificates is a few KiB; a server sending more is cut off here
MAX_RECEIVED = 1 << 18
_CHUNK = 1 << 16


class Offer(enum.Enum):
    """What a fetch offers, to make a server with several certificates show each one."""
    ANY = "any"           # the library's default signature schemes, every suite
    ECDSA = "ecdsa"
    RSA = "rsa"
    ED25519 = "ed25519"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Offer.ANY: "anything (OpenSSL's defaults)", Offer.ECDSA: "ECDSA", Offer.RSA: "RSA",
           Offer.ED25519: "Ed25519"}

#: (signature_algorithms, TLS <= 1.2 cipher string) per offer. Ed25519 certificates are served
#: with ECDHE_ECDSA suites in TLS 1.2 (RFC 8422 §2). SECLEVEL=0: a weak key (RSA 1024) must
#: still be shown, to be named.
_OFFERS = {
    Offer.ANY: (None, "ALL:!aNULL:@SECLEVEL=0"),
    Offer.ECDSA: ("ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:"
                  "ECDSA+SHA1", "aECDSA:@SECLEVEL=0"),
    Offer.RSA: ("rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
                "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"
                "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:RSA+SHA1",
                "aRSA:@SECLEVEL=0"),
    Offer.ED25519: ("ed25519", "aECDSA:@SECLEVEL=0"),
}


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one offer got: the chain as DER (leaf first), or why there is none."""
    offer: Offer
    chain: tuple[bytes, ...] = ()
    refused: str | None = None      # the server's alert or the library's words


def _context(offer: Offer) -> SSL.Context:
    sigalgs, ciphers = _OFFERS[offer]
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(0)   # every version the library has
    context.set_max_proto_version(0)
    context.set_cipher_list(ciphers.encode("ascii"))
    context.set_verify(SSL.VERIFY_NONE)
    # an old server without renegotiation_info (RFC 5746) still has a certificate to name;
    # OpenSSL 3 refuses it by default, and no renegotiation happens here
    context.set_options(SSL.OP_LEGACY_SERVER_CONNECT)
    if sigalgs is not None and _lib.SSL_CTX_set1_sigalgs_list(context._context,
                                                             sigalgs.encode("ascii")) != 1:
        raise TlskbError(f"the pinned OpenSSL refused the signature schemes {sigalgs}")
    return context


async def fetch(target: Target, offer: Offer) -> Fetched:
    """One connection (STARTTLS first if asked), one handshake offering `offer`, the peer's
    chain. Connection-level failures raise ProbeError; a refused handshake is a result."""
    # the reference's BIO helpers; any OpenSSL would do here: a fetch proves no verdict
    from generator.stacks.openssl.pinned import drain, error_text
    reader, writer = await _connect(target)
    connection = SSL.Connection(_context(offer), None)
    connection.set_connect_state()
    if target.server_name:
        connection.set_tlsext_host_name(target.server_name.encode("ascii"))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + target.timeout
    received = 0
    first = b""   # the start of the answer: named by greeting.py if it is not TLS
    try:
        while True:
            try:
                connection.do_handshake()
                break
            except SSL.WantReadError:
                pass
            except SSL.Error as error:
                if first and not starts_like_tls(first[:2]):   # another protocol answered
                    raise NotTlsError(f"{target.host}:{target.port} does not speak TLS here: "
                                      + not_tls_advice(speaks(first), first, target.starttls,
                                                       target.port)) from None
                writer.write(drain(connection))   # the alert, if the library sent one
                return Fetched(offer, refused=error_text(error))
            outgoing = drain(connection)
            if outgoing:
                writer.write(outgoing)
                await writer.drain()
            remaining = deadline - loop.time()
            try:
                chunk = await asyncio.wait_for(reader.read(_CHUNK), max(remaining, 0.001))
            except asyncio.TimeoutError:
                if not received:
                    raise NotTlsError(f"{target.host}:{target.port} does not speak TLS here: "
                                      + silence_advice(None, target.timeout)) from None
                return Fetched(offer, refused=f"no complete handshake within "
                                              f"{target.timeout:g} s")
            if not chunk:
                return Fetched(offer, refused="the server closed the connection")
            received += len(chunk)
            first += chunk[:max(GREETING_BYTES - len(first), 0)]
            if received > MAX_RECEIVED:
                return Fetched(offer, refused=f"more than {MAX_RECEIVED} bytes before the "
                                              "handshake ended")
            connection.bio_write(chunk)
        chain = connection.get_peer_cert_chain(as_cryptography=True) or []
        from cryptography.hazmat.primitives.serialization import Encoding
        return Fetched(offer, tuple(c.public_bytes(Encoding.DER) for c in chain))
    except (ConnectionError, OSError) as error:
        return Fetched(offer, refused=f"connection lost: {error}")
    finally:
        writer.transport.abort()


async def fetch_all(target: Target) -> list[Fetched]:
    """Every offer, ANY first and alone (an unreachable server is one ProbeError), then the
    others at once."""
    first = await fetch(target, Offer.ANY)
    rest = [offer for offer in Offer if offer is not Offer.ANY]

    async def one(offer: Offer) -> Fetched:
        try:
            return await fetch(target, offer)
        except ProbeError as error:   # reachable a moment ago: report it for this offer
            return Fetched(offer, refused=str(error))
    return [first, *await asyncio.gather(*(one(offer) for offer in rest))]
