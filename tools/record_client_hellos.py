"""Record the ClientHellos of the real TLS clients installed on this machine into
generator/compat/data/clients/.

Each client connects to a listener on 127.0.0.1 (plain TLS, or SMTP with STARTTLS), which reads
its ClientHello and answers with a fatal handshake_failure alert. While it runs, tcpdump records
the loopback traffic into tests/data/captures/loopback-clients.pcap, so the pcap tests have a
real capture whose hellos must equal the recorded hex.

    python tools/record_client_hellos.py            # needs root for tcpdump

Clients that are not installed are skipped with a message. Re-run after upgrading clients; the
corpus files say which version produced them.
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.ingest.hexdump import wrap_hex  # noqa: E402
from generator.tls.records import NeedMoreData, decode_client_hello_at  # noqa: E402

CORPUS = ROOT / "generator" / "compat" / "data" / "clients"
CAPTURE = ROOT / "tests" / "data" / "captures" / "loopback-clients.pcap"
ALERT_HANDSHAKE_FAILURE = bytes.fromhex("15030300020228")
JAVA_CLIENT = """
import javax.net.ssl.*;
public class Hello {
    public static void main(String[] a) throws Exception {
        SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(a[0], Integer.parseInt(a[1]));
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(java.util.List.of(new SNIHostName("java.tlskb.test")));
        s.setSSLParameters(p);
        try { s.startHandshake(); } catch (Exception e) { System.out.println(e); }
    }
}
"""


class Listener:
    """Accept one connection at a time and keep each ClientHello (and any plaintext before it)."""

    def __init__(self, starttls: bool) -> None:
        self.starttls = starttls
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.result: bytes | None = None
        self.error: str | None = None

    def serve_one(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError as error:
            self.error = f"no connection ({error})"
            return
        with conn:
            conn.settimeout(10)
            try:
                if self.starttls:
                    self._smtp(conn)
                self.result = self._read_hello(conn)
                conn.sendall(ALERT_HANDSHAKE_FAILURE)
            except (OSError, ValueError) as error:
                self.error = str(error)

    @staticmethod
    def _smtp(conn: socket.socket) -> None:
        conn.sendall(b"220 tlskb.test ESMTP recorder\r\n")
        buffer = b""
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                raise ValueError("client closed before STARTTLS")
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                verb = line.strip().upper()
                if verb.startswith((b"EHLO", b"HELO")):
                    conn.sendall(b"250-tlskb.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
                elif verb == b"STARTTLS":
                    conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                    return
                elif verb == b"QUIT":
                    raise ValueError("client quit before STARTTLS")
                else:
                    conn.sendall(b"250 OK\r\n")

    @staticmethod
    def _read_hello(conn: socket.socket) -> bytes:
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                raise ValueError(f"client closed after {len(data)} bytes")
            data += chunk
            try:
                _, end = decode_client_hello_at(data, 0)
                return data[:end]
            except NeedMoreData:
                continue


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


def clients(workdir: Path) -> list[dict]:
    """name, description, the command (with {port}), how to get its version, STARTTLS or not."""
    java = workdir / "Hello.java"
    java.write_text(JAVA_CLIENT)
    py_plain = ("import socket,ssl;c=ssl.create_default_context();c.check_hostname=False;"
                "c.verify_mode=ssl.CERT_NONE;s=socket.create_connection(('127.0.0.1',{port}));"
                "\ntry: c.wrap_socket(s,server_hostname='python.tlskb.test')\n"
                "except Exception as e: print(e)")
    py_smtp = ("import smtplib,ssl\ns=smtplib.SMTP('127.0.0.1',{port},local_hostname='client.tlskb.test')"
               "\ntry: s.starttls(context=ssl.create_default_context())\n"
               "except Exception as e: print(e)")
    node = ("require('tls').connect({host:'127.0.0.1',port:{port},servername:'node.tlskb.test',"
            "rejectUnauthorized:false}).on('error',e=>console.log(e.message))")
    openssl_v = ["openssl", "version"]
    base = ["openssl", "s_client", "-connect", "127.0.0.1:{port}"]
    return [
        dict(name="openssl-3.0-default", what="openssl s_client, defaults (TLS 1.3)",
             cmd=base + ["-servername", "openssl.tlskb.test"], version=openssl_v),
        dict(name="openssl-3.0-tls12", what="openssl s_client -tls1_2",
             cmd=base + ["-tls1_2", "-servername", "openssl.tlskb.test"], version=openssl_v),
        dict(name="openssl-3.0-tls10-seclevel0", what="openssl s_client -tls1 with @SECLEVEL=0",
             cmd=base + ["-tls1", "-cipher", "ALL:@SECLEVEL=0", "-noservername"], version=openssl_v),
        dict(name="openssl-3.0-p256-only", what="openssl s_client -groups P-256 -tls1_2 (an "
             "Exchange-like client offering only secp256r1)",
             cmd=base + ["-tls1_2", "-groups", "P-256", "-servername", "p256.tlskb.test"],
             version=openssl_v),
        dict(name="openssl-3.0-ecdsa-sigalgs", what="openssl s_client -sigalgs ECDSA+SHA256:"
             "ECDSA+SHA384 -alpn h2,http/1.1",
             cmd=base + ["-sigalgs", "ECDSA+SHA256:ECDSA+SHA384", "-alpn", "h2,http/1.1",
                         "-servername", "alpn.tlskb.test"], version=openssl_v),
        dict(name="openssl-3.0-starttls-smtp", what="openssl s_client -starttls smtp",
             cmd=base + ["-starttls", "smtp", "-name", "client.tlskb.test"], version=openssl_v,
             starttls=True),
        dict(name="curl-7.88", what="curl https:// (Debian 12)",
             cmd=["curl", "-sk", "--resolve", "curl.tlskb.test:{port}:127.0.0.1",
                  "https://curl.tlskb.test:{port}/"], version=["curl", "--version"]),
        dict(name="wget-1.21", what="wget https:// (Debian 12)",
             cmd=["wget", "-q", "--no-check-certificate", "--tries=1", "-O", "/dev/null",
                  "https://127.0.0.1:{port}/"], version=["wget", "--version"]),
        dict(name="gnutls-cli-3.7", what="gnutls-cli (Debian 12)",
             cmd=["gnutls-cli", "--insecure", "--sni-hostname", "gnutls.tlskb.test", "-p", "{port}",
                  "127.0.0.1"], version=["gnutls-cli", "--version"]),
        dict(name="python-3.11-ssl", what="Python ssl.create_default_context()",
             cmd=[sys.executable, "-c", py_plain], version=[sys.executable, "--version"]),
        dict(name="python-3.11-smtplib-starttls", what="Python smtplib.SMTP.starttls()",
             cmd=[sys.executable, "-c", py_smtp], version=[sys.executable, "--version"],
             starttls=True),
        dict(name="node-20-tls", what="Node.js tls.connect()", cmd=["node", "-e", node],
             version=["node", "--version"]),
        dict(name="java-17-jsse", what="Java 17 SSLSocket (JSSE defaults)",
             cmd=["java", str(java), "127.0.0.1", "{port}"], version=["java", "-version"]),
        dict(name="swaks-starttls", what="swaks --tls (Perl Net::SSLeay)",
             cmd=["swaks", "--server", "127.0.0.1:{port}", "--tls", "--to", "a@tlskb.test",
                  "--from", "b@tlskb.test", "--helo", "client.tlskb.test", "--timeout", "10"],
             version=["swaks", "--version"], starttls=True),
        dict(name="msmtp-starttls", what="msmtp --tls=on --tls-starttls=on (GnuTLS)",
             cmd=["msmtp", "--host=127.0.0.1", "--port={port}", "--tls=on", "--tls-starttls=on",
                  "--tls-certcheck=off", "--from=b@tlskb.test", "--domain=client.tlskb.test",
                  "a@tlskb.test"], version=["msmtp", "--version"], starttls=True, stdin=b"Subject: x\n\nx\n"),
    ]


def record(client: dict) -> bytes | None:
    listener = Listener(client.get("starttls", False))
    thread = threading.Thread(target=listener.serve_one)
    thread.start()
    command = [part.replace("{port}", str(listener.port)) for part in client["cmd"]]
    try:
        subprocess.run(command, input=client.get("stdin", b""), capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"  {client['name']}: {error}")
    thread.join(25)
    listener.sock.close()
    if listener.result is None:
        print(f"  {client['name']}: no hello ({listener.error})")
    return listener.result


def write_corpus(client: dict, hello: bytes, today: str) -> None:
    version = _version(client["version"])
    text = (f"client: {client['what']}\n"
            f"version: {version!r}\n"
            f"recorded: {today}\n"
            f"starttls: {'smtp' if client.get('starttls') else 'null'}\n"
            "source: >-\n"
            f"  Captured by tools/record_client_hellos.py on a Debian 12 machine: the client\n"
            f"  connected to a listener on 127.0.0.1 that read its ClientHello. Full TLS record.\n"
            "hex: |\n" + wrap_hex(hello, "  "))
    (CORPUS / f"{client['name']}.yaml").write_text(text)


def main() -> int:
    CORPUS.mkdir(parents=True, exist_ok=True)
    CAPTURE.parent.mkdir(parents=True, exist_ok=True)
    today = datetime.date.today().isoformat()
    dump = None
    if shutil.which("tcpdump") and os.geteuid() == 0:
        dump = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "0", "-U", "-w", str(CAPTURE),
                                 "tcp and host 127.0.0.1"], stderr=subprocess.DEVNULL)
        time.sleep(1.5)
    with tempfile.TemporaryDirectory() as work:
        for client in clients(Path(work)):
            if not shutil.which(client["cmd"][0]):
                print(f"  {client['name']}: {client['cmd'][0]} not installed, skipped")
                continue
            hello = record(client)
            if hello is not None:
                write_corpus(client, hello, today)
                print(f"  {client['name']}: {len(hello)} bytes")
    if dump is not None:
        time.sleep(1)
        dump.terminate()
        dump.wait(10)
        print(f"wrote {CAPTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
