"""The rustls server stack: rustls 0.23.45 with the aws-lc-rs 1.18.1 crypto provider, as the PyPI
wheel `rtls` 2026.9.21 carries it (statically linked; no Rust toolchain needed).

- facts.py    — what that rustls server does, as data (versions, suites, groups, signature
  schemes), each fact cited to the rustls source or marked observed.
- analyzer.py — its decisions as a pure function of (ClientHello, key type), in rustls' order.
- replay.py   — the library itself, driven in process through rtls' sans-I/O server connection
  (`rtls._rustls.RustlsServerConnection`: read_tls / process_new_packets / write_tls), with
  TLS 1.3's encrypted flight opened through rustls' own key log.

Programs that use rustls: Stalwart mail server (ring provider, server cipher order), and
rustls-based proxies; the configuration modelled is rustls' default server with one
certificate (see facts.py for what Stalwart changes).
"""
