"""Hypothesis strategies for TLS structures: every extension tlskb models, GREASE, unknown ones."""

from __future__ import annotations

from hypothesis import strategies as st

from generator.tls import extensions as ext
from generator.tls.messages import ClientHello

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
grease = st.sampled_from([0x0A0A + 0x1010 * i for i in range(16)])
u16_or_grease = st.one_of(u16, grease)


def blob(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[bytes]:
    return st.binary(min_size=min_size, max_size=max_size)


def u16s(min_size: int = 1, max_size: int = 12) -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(u16_or_grease, min_size=min_size, max_size=max_size).map(tuple)


protocol_names = st.lists(blob(1, 12), min_size=1, max_size=4).map(tuple)

_MODELLED_IN_CLIENT_HELLO = {
    0, 1, 2, 4, 5, 10, 11, 13, 15, 16, 18, 19, 20, 21, 22, 23, 24, 27, 28, 34, 35, 41, 42, 43, 44,
    45, 47, 49, 50, 51, 13172, 17513, 17613, 30031, 30032, 0xFE0D, 0xFF01}
EMPTY_TYPES = [2, 4, 18, 22, 23, 42, 49, 13172, 30031, 30032]

client_extensions = st.one_of(
    st.builds(ext.ServerName, st.lists(st.builds(ext.ServerNameEntry, st.sampled_from([0, 0, 1]),
                                                 blob(1, 30)), min_size=1, max_size=2).map(tuple)),
    st.builds(ext.MaxFragmentLength, u8),
    st.sampled_from(EMPTY_TYPES).map(ext.EmptyExtension),
    st.builds(ext.StatusRequest, st.just(1), st.lists(blob(1, 8), max_size=3).map(tuple), blob(0, 8)),
    st.builds(lambda t, r: ext.StatusRequest(t, other_request=r), st.integers(2, 255), blob()),
    st.builds(ext.SupportedGroups, u16s()),
    st.builds(ext.EcPointFormats, st.lists(u8, min_size=1, max_size=4).map(tuple)),
    st.builds(ext.SignatureAlgorithms, u16s()),
    st.builds(ext.SignatureAlgorithmsCert, u16s()),
    st.builds(ext.DelegatedCredential, u16s()),
    st.builds(ext.Heartbeat, u8),
    st.builds(ext.Alpn, protocol_names),
    st.builds(ext.ApplicationSettings, st.sampled_from([17513, 17613]), protocol_names),
    st.builds(ext.CertificateTypes, st.sampled_from([19, 20]),
              st.lists(u8, min_size=1, max_size=4).map(tuple)),
    st.builds(ext.Padding, st.integers(0, 64).map(bytes)),
    st.builds(ext.TokenBinding, u16, st.lists(u8, min_size=1, max_size=3).map(tuple)),
    st.builds(ext.CompressCertificate, u16s(1, 5)),
    st.builds(ext.RecordSizeLimit, u16),
    st.builds(ext.SessionTicket, blob(0, 60)),
    st.builds(ext.PreSharedKey,
              st.lists(st.builds(ext.PskIdentity, blob(1, 20), st.integers(0, 2**32 - 1)),
                       min_size=1, max_size=2).map(tuple),
              st.lists(blob(32, 48), min_size=1, max_size=2).map(tuple)),
    st.builds(ext.SupportedVersions, u16s(1, 6)),
    st.builds(ext.Cookie, blob(1, 30)),
    st.builds(ext.PskKeyExchangeModes, st.lists(u8, min_size=1, max_size=3).map(tuple)),
    st.builds(ext.CertificateAuthorities, st.lists(blob(1, 20), min_size=1, max_size=3).map(tuple)),
    st.builds(ext.KeyShare, st.lists(st.builds(ext.KeyShareEntry, u16_or_grease, blob(1, 65)),
                                     max_size=3).map(tuple)),
    st.builds(ext.EncryptedClientHello, st.just(0), u16, u16, u8, blob(0, 32), blob(1, 40)),
    st.just(ext.EncryptedClientHello(1)),
    st.builds(ext.RenegotiationInfo, blob(0, 12)),
    st.builds(ext.RawExtension, u16_or_grease.filter(lambda t: t not in _MODELLED_IN_CLIENT_HELLO),
              blob()),
)


@st.composite
def client_hellos(draw, max_extensions: int = 12) -> ClientHello:
    present = draw(st.booleans()) if draw(st.integers(0, 9)) == 0 else True
    extensions = tuple(draw(st.lists(client_extensions, max_size=max_extensions))) if present else ()
    return ClientHello(
        legacy_version=draw(st.one_of(st.sampled_from([0x0300, 0x0301, 0x0302, 0x0303]), u16)),
        random=draw(st.binary(min_size=32, max_size=32)),
        session_id=draw(blob(0, 32)),
        cipher_suites=draw(u16s(1, 40)),
        compression_methods=draw(st.lists(u8, min_size=1, max_size=3).map(tuple)),
        extensions=extensions,
        extensions_present=present,
    )


def as_records(message: bytes, sizes: list[int], version: int = 0x0301) -> bytes:
    """Cut a handshake message into TLS records with the given fragment sizes (RFC 8446 §5.1)."""
    out, offset, index = bytearray(), 0, 0
    while offset < len(message):
        size = sizes[index % len(sizes)] if sizes else len(message)
        size = max(1, min(size, 16384))
        chunk = message[offset:offset + size]
        out += bytes((22,)) + version.to_bytes(2, "big") + len(chunk).to_bytes(2, "big") + chunk
        offset += len(chunk)
        index += 1
    return bytes(out)


# -- hellos for the analyzer/replay differential ----------------------------------------------------

TLS13_SUITES = [0x1301, 0x1302, 0x1303, 0x1304]
LEGACY_SUITES = [
    0xC02B, 0xC02C, 0xCCA9, 0xC023, 0xC024, 0xC009, 0xC00A,          # ECDHE_ECDSA
    0xC02F, 0xC030, 0xCCA8, 0xC027, 0xC028, 0xC013, 0xC014,          # ECDHE_RSA
    0x009C, 0x009D, 0x003C, 0x003D, 0x002F, 0x0035, 0x000A, 0x0041,  # RSA
    0x009E, 0x009F, 0xCCAA, 0x0067, 0x006B, 0x0033, 0x0039,          # DHE_RSA
    0x0032, 0x0038, 0x0005, 0x0004, 0x0003, 0x00A8, 0xC0AC,          # DSS, RC4, export, PSK, CCM
]
SIGNALLING = [0x00FF, 0x5600, 0x0A0A, 0x0B00]
#: every group of the reference server's tuples, groups OpenSSL knows but does not enable by
#: default (ffdhe4096/8192, SecP256r1MLKEM768, brainpoolP256r1tls13), unknown ones and GREASE
GROUPS = [0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x11EC, 0x0016, 0x001A,
          0x0102, 0x0104, 0x11EB, 0x001F, 0x2A2A]
SCHEMES = [0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x0401,
           0x0501, 0x0601, 0x0201, 0x0203, 0x0303, 0x0301, 0x0402, 0x0202, 0x081A, 0x081B,
           0x0904, 0x0905, 0x0101, 0x1A1A]
VERSIONS = [0x0304, 0x0303, 0x0302, 0x0301, 0x0300, 0x7F1C, 0x3A3A]


def _ordered_subset(pool: list[int], min_size: int = 1, max_size: int = 8):
    return st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size, unique=True)


def _maybe(strategy, absent_weight: int = 1):
    """None (extension absent) about one time in (absent_weight + 3)."""
    return st.one_of(*([st.none()] * absent_weight), strategy, strategy, strategy)


@st.composite
def reference_hellos(draw) -> ClientHello:
    """ClientHellos spanning what the reference server decides on: versions (legacy and
    supported_versions), ~45 suites across every key exchange, groups with TLS 1.3 key shares
    (valid, and one in ten invalid), hybrid ML-KEM groups, signature schemes, point formats,
    compression, SCSVs, GREASE, rare duplicates."""
    from support.hellos import client_hello
    suites = draw(st.lists(st.sampled_from(TLS13_SUITES + LEGACY_SUITES + SIGNALLING),
                           min_size=1, max_size=16, unique=True))
    versions = draw(_maybe(_ordered_subset(VERSIONS, 1, 4), absent_weight=2))
    legacy = draw(st.sampled_from([0x0303] * 6 + [0x0301, 0x0302, 0x0304, 0x0300, 0x0200]))
    groups = draw(_maybe(_ordered_subset(GROUPS, 1, 6)))
    shares = None
    if draw(st.booleans()):
        pool = (groups or []) + ([draw(st.sampled_from(GROUPS))] if draw(st.integers(0, 9)) == 0 else [])
        shares = draw(st.lists(st.sampled_from(pool), max_size=2, unique=True)) if pool else []
    invalid = (draw(st.sampled_from(shares)),) if shares and draw(st.integers(0, 9)) == 0 else ()
    sigalgs = draw(_maybe(_ordered_subset(SCHEMES, 1, 8)))
    sigalgs_cert = draw(st.one_of(st.none(), st.none(), st.none(), _ordered_subset(SCHEMES, 1, 4)))
    formats = draw(st.sampled_from([None, None, (0,), (0, 1, 2), (1,), (1, 2)]))
    compression = draw(st.sampled_from([(0,)] * 12 + [(1, 0), (1,), (0, 1)]))
    renegotiated = b"" if draw(st.integers(0, 19)) else b"\x5a" * 12  # a Finished: not initial
    extra = [ext.RenegotiationInfo(renegotiated), ext.EmptyExtension(23)]
    if draw(st.integers(0, 3)) == 0:  # server_name: usually a plain name, sometimes hostile
        name = draw(st.sampled_from([b"mail.example.org"] * 6 + [
            b"a" * 255, b"a" * 256, b"x\x00y.example", b"\xff\xfe", b""]))
        name_type = draw(st.sampled_from([0] * 8 + [1, 2]))
        extra.append(ext.ServerName((ext.ServerNameEntry(name_type, name),)))
    if draw(st.integers(0, 7)) == 0:
        extra.append(ext.MaxFragmentLength(draw(st.sampled_from([1, 2, 3, 4, 0, 5, 255]))))
    if draw(st.integers(0, 7)) == 0:
        extra.append(ext.Alpn(draw(st.sampled_from([(b"h2", b"http/1.1"), (b"smtp",), (b"x" * 40,)]))))
    if draw(st.integers(0, 19)) == 0:
        extra.append(ext.EcPointFormats((0,)) if formats is not None else ext.EmptyExtension(23))
    hello = client_hello(suites, version=legacy, groups=groups, sigalgs=sigalgs, versions=versions,
                         key_shares=shares, point_formats=formats, sigalgs_cert=sigalgs_cert,
                         compression=compression, extra=tuple(extra), invalid_shares=invalid)
    order = draw(st.permutations(range(len(hello.extensions))))
    return ClientHello(hello.legacy_version, hello.random, hello.session_id, hello.cipher_suites,
                       hello.compression_methods, tuple(hello.extensions[i] for i in order), True)


#: how `mutated` may change bytes; RECORD_MUTATIONS add a re-fragmentation into small records
#: and trailing records (an alert, a ChangeCipherSpec, empty application data, the bytes again)
BYTE_MUTATIONS = ("flip", "byte", "u16", "cut", "insert", "delete")
RECORD_MUTATIONS = (*BYTE_MUTATIONS, "split", "append")
_TRAILERS = (b"\x15\x03\x03\x00\x02\x02\x28", b"\x14\x03\x03\x00\x01\x01", b"\x17\x03\x03\x00\x00")


@st.composite
def mutated(draw, sources, kinds=BYTE_MUTATIONS) -> bytes:
    """One of `sources`, changed one to four times: a bit flipped, a byte or a length field's
    worth of bytes replaced, cut, bytes inserted or deleted (and with RECORD_MUTATIONS: split
    into records of 1-64 bytes, a record appended)."""
    data = bytearray(draw(st.sampled_from(list(sources))))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[position] = draw(st.integers(0, 255))
        elif kind == "u16" and position + 1 < len(data):
            data[position:position + 2] = draw(st.integers(0, 0xFFFF)).to_bytes(2, "big")
        elif kind == "cut":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[position:position + draw(st.integers(1, 8))]
        elif kind == "split" and len(data) > 5:
            data = bytearray(as_records(bytes(data[5:]), [draw(st.integers(1, 64))]))
        elif kind == "append":
            data += draw(st.sampled_from([*_TRAILERS, bytes(data)]))
    return bytes(data)


#: cipher specs only SSL 2.0 has (RC4-MD5, RC2, IDEA, DES, 3DES ... RFC 6101 Appendix E)
SSLV2_ONLY_SPECS = (0x010080, 0x020080, 0x030080, 0x0700C0, 0x060040, 0x0000FF)


@st.composite
def sslv2_hellos(draw, versions=(0x0300, 0x0301, 0x0302, 0x0303), sslv2_specs: bool = True,
                 max_suites: int = 12):
    """SSL 2.0-format CLIENT-HELLOs (RFC 6101 Appendix E.2) offering TLS suites (and, with
    `sslv2_specs`, SSL 2.0-only specs too), with a 16-32 byte challenge."""
    from generator.tls.messages import SSLv2ClientHello
    version = draw(st.sampled_from(list(versions)))
    pool = st.sampled_from(LEGACY_SUITES)
    if sslv2_specs:
        pool = st.one_of(pool, st.sampled_from(SSLV2_ONLY_SPECS))
    specs = draw(st.lists(pool, min_size=1, max_size=max_suites, unique=True))
    challenge = draw(st.binary(min_size=16, max_size=32))
    return SSLv2ClientHello(version, tuple(specs), b"", challenge)
