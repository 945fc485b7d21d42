"""Sans-I/O TLS decoding: bytes in, immutable values out. No sockets, no printing.

    wire = decode_client_hello(data)      # records.WireClientHello
    wire.hello.supported_groups           # (23,)
    fingerprints(wire).ja4                # 't12d1208h2_...'
"""

from generator.errors import DecodeError
from generator.tls.fingerprint import Fingerprints, fingerprints
from generator.tls.messages import Alert, ClientHello, RecordHeader, ServerHello, SSLv2ClientHello
from generator.tls.records import (NeedMoreData, ServerResponse, WireClientHello,
                                   client_hellos_in_stream, decode_client_hello,
                                   decode_client_hello_at, decode_server_response)

__all__ = ["Alert", "ClientHello", "DecodeError", "Fingerprints", "NeedMoreData", "RecordHeader",
           "SSLv2ClientHello", "ServerHello", "ServerResponse", "WireClientHello",
           "client_hellos_in_stream", "decode_client_hello", "decode_client_hello_at",
           "decode_server_response", "fingerprints"]
