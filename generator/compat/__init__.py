"""Which key types a ClientHello can use: the key-type catalogue, the analyzer (pure), and the
OpenSSL replayer that proves it."""
