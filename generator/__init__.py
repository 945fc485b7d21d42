"""tlskb: which certificate key type can a TLS client really use?

Subpackages, from the wire up:
  tls/     sans-I/O TLS decoding, codepoint names, fingerprints and renderers
  ingest/  finding ClientHellos in whatever the user has: hex dumps, raw bytes, pcap/pcapng
  cli.py   the `tlskb` command, the only module here that prints
"""

__version__ = "0.1.0"
