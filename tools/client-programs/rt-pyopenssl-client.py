"""A pyOpenSSL client as an application writes one (Twisted-style): a Context with the OpenSSL
the `cryptography` wheel carries, its defaults untouched except trust and verification.

    python rt-pyopenssl-client.py HOST PORT CAFILE [--tls12]

It verifies the chain against CAFILE (VERIFY_PEER) and the host name inside the handshake:
pyOpenSSL itself checks no names, so the verify callback compares the leaf's subjectAltName
DNS names with HOST (RFC 6125 §6.4, a wildcard only as the whole left-most label) and refuses
the certificate when none matches, which makes OpenSSL send a bad_certificate alert. SNI is
HOST. --tls12 pins the protocol to TLS 1.2 (min and max). Exits 0 once the handshake is done,
1 with the error otherwise.
"""

import socket
import struct
import sys

from cryptography import x509
from OpenSSL import SSL


def name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 §6.4.1/§6.4.3: case-insensitive; '*' only as the entire left-most label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def main() -> int:
    if len(sys.argv) not in (4, 5) or (len(sys.argv) == 5 and sys.argv[4] != "--tls12"):
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    method = getattr(SSL, "TLS_CLIENT_METHOD", SSL.SSLv23_METHOD)
    context = SSL.Context(method)
    if len(sys.argv) == 5:
        context.set_min_proto_version(SSL.TLS1_2_VERSION)
        context.set_max_proto_version(SSL.TLS1_2_VERSION)
    context.load_verify_locations(cafile)
    refused = []

    def verify(connection, certificate, errno, depth, ok):
        if not ok or depth != 0:
            return bool(ok)
        try:
            names = certificate.to_cryptography().extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            names = []
        if any(name_matches(name, host) for name in names):
            return True
        refused.append(f"certificate names {names} do not match {host}")
        return False

    context.set_verify(SSL.VERIFY_PEER, verify)
    sock = socket.create_connection((host, port), timeout=15)
    sock.settimeout(None)  # OpenSSL wants a blocking descriptor; the kernel keeps a deadline
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 15, 0))
    connection = SSL.Connection(context, sock)
    connection.set_tlsext_host_name(host.encode("ascii"))
    connection.set_connect_state()
    try:
        connection.do_handshake()
    except (SSL.Error, OSError) as error:
        print(f"handshake failed: {refused[0] if refused else error!r}", file=sys.stderr)
        return 1
    print(f"handshake completed: {connection.get_protocol_version_name()} "
          f"{connection.get_cipher_name()}")
    try:
        connection.shutdown()
    except (SSL.Error, OSError):
        pass  # the server may already have closed; the handshake is what counted
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
