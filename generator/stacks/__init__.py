"""Server stacks: the TLS libraries a verdict is proven against, one package each.

A stack package holds what is particular to one library — its facts as data, and its replayer
(the library itself, handed a recorded ClientHello in memory) — so that no module outside
`generator/stacks/` needs to know which library answered. OpenSSL (`openssl/`) is the
reference every verdict has been proven against so far.
"""
