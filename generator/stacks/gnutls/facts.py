"""The GnuTLS server, as data: what GnuTLS 3.7.9 (Debian 12's libgnutls30) does with priority
NORMAL and one certificate, configured by server.py as Exim 4.96 configures it. The analyzer
reasons from these facts. Source citations are to Debian's source package gnutls28
3.7.9-2+deb12u7 (`apt-get source gnutls28=3.7.9-2+deb12u7`; file:line in that tree); facts
found by replaying hellos are marked "observed, GnuTLS 3.7.9".
"""

from __future__ import annotations

#: the release the analyzer models; replay.py refuses any other
EXPECTED_VERSION = "3.7.9"
LIBRARY = "libgnutls.so.30"
DEBIAN_PACKAGE = "libgnutls30"
INSTALL = "apt-get install -y --no-install-recommends libgnutls30 (Debian 12: 3.7.9)"
#: Exim 4.96's exim_default_gnutls_priority when tls_require_ciphers is unset (src/src/tls-gnu.c
#: creds_load_pristring()); Debian's exim4.conf.template sets none
PRIORITY = "NORMAL"
