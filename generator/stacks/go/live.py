"""Go crypto/tls as a live server: the replayer's helper program in its live mode
(`tlsreplay live MILLISECONDS`, tlslive.go, built into the same binary by replay.helper_binary),
serving real connections on 127.0.0.1 with exactly the replayer's server — a zero tls.Config
with one certificate and SessionTicketsDisabled, GODEBUG removed from its environment.

It refuses what the replayer refuses (another Go release than facts.GO_RELEASE, a CPU without
AES-GCM hardware): live and replay evidence speak for the same library.

How a handshake ended (observed, go1.19.8): an alert received from the client is the
handshake's error, a net.OpError "remote error" (conn.go:705) — client_alert; an alert Go sent
is kept in the connection's write half as a net.OpError "local error" (conn.go:814
sendAlertLocked) — server_alert, even where the returned error is Go's own sentence ("tls: no
cipher suite supported by both client and server") or the alert travelled encrypted. A client
that rejects the certificate before switching to its TLS 1.3 handshake keys sends its alert in
plaintext (observed, OpenSSL 3.0.22 s_client: unknown_ca), which Go cannot read and answers
with bad_record_mac (observed, go1.19.8); the helper watches the client's records, so that is
reported as the client's alert (client_alert, unknown_ca), Go's own words in `detail`.
"""

from __future__ import annotations

import json

from generator.compat.certs import CertifiedKey
from generator.compat.replay import ReplayUnavailable
from generator.net.live import HANDSHAKE_TIMEOUT, LiveHandshake, LiveServerError
from generator.net.livehelper import HelperLiveServer, alert_name, handshake_end, one_line
from generator.stacks.go import facts
from generator.stacks.go import replay as go_replay
from generator.tls import registry

#: seconds to wait for the helper's first answer
START_TIMEOUT = 10.0
_VERSIONS = {0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}


class GoLiveServer(HelperLiveServer):
    """One `tlsreplay live` process; see the module's docstring."""

    name = "the Go live helper (tlsreplay live)"
    remedy = (f"it needs Debian 12's Go ({facts.GO_RELEASE}): {facts.INSTALL}; the replayer "
              "(tlskb replay --stack go) uses the same program")

    def __init__(self) -> None:
        try:
            go_replay.check_machine()
            binary = go_replay.helper_binary()
        except ReplayUnavailable as error:
            raise LiveServerError(f"no live Go server: {error}") from None
        super().__init__([str(binary), "live", str(round(HANDSHAKE_TIMEOUT * 1000))],
                         env=go_replay._helper_environment(), start_timeout=START_TIMEOUT)
        try:
            self.library = go_replay.describe(self.info)
            if not self.info.get("alert_probe"):
                raise ReplayUnavailable(
                    f"the helper cannot read which alert Go sent (tls.Conn has no out.err "
                    f"as in {facts.GO_RELEASE}); the live server is for {facts.GO_RELEASE}: "
                    f"{facts.INSTALL}")
        except ReplayUnavailable as error:
            self.close()
            raise LiveServerError(f"no live Go server: {error}") from None

    def listen_payload(self, key: CertifiedKey) -> bytes:
        return json.dumps({"chain_pem": key.chain_pem.decode("ascii"),
                           "key_pem": key.key_pem.decode("ascii")}).encode()

    def to_handshake(self, entry: dict) -> LiveHandshake:
        version, cipher = entry.get("version") or 0, entry.get("cipher") or 0
        return LiveHandshake(end=handshake_end(entry.get("end")),
                             version=_VERSIONS.get(version) if version else None,
                             cipher=registry.cipher_suite_name(cipher) if cipher else None,
                             alert=alert_name(entry.get("alert")),
                             detail=one_line(entry.get("detail")))


def live_server() -> GoLiveServer:
    """A live Go crypto/tls server (its own helper process); LiveServerError says what to
    install when Go is missing or another release."""
    return GoLiveServer()
