"""The GnuTLS server stack: GnuTLS 3.7.9 (Debian 12's libgnutls30) with priority NORMAL and one
certificate, configured as Exim 4.96 configures it when the admin sets only a certificate.

- facts.py    — what that server does, as data, each fact cited to the library's source
  (gnutls28 3.7.9-2+deb12u7) and marked "observed, GnuTLS 3.7.9" where a replay showed it.
- analyzer.py — the library's decisions for a ClientHello, in its order, as a pure function.
- server.py   — the library itself, driven in this process through its C API with ctypes
  (push/pull callbacks over Python buffers, no sockets, no helper process).
- replay.py   — the Replayer: checks the library is exactly GnuTLS 3.7.9, hands it the hello.
"""
