/*
 * tlskb's JSSE live server: the replayer's server (JsseReplay.java) on real sockets of
 * 127.0.0.1, so that a real client runs its whole handshake against it.
 *
 * Same JVM flags and pinned java.security as the replayer (generator/stacks/jsse/live.py starts
 * it through replay.java_command), same key managers (JsseReplay.readKey: a PKCS#12 store and
 * the default SunX509 KeyManagerFactory), and, as in every replay, a fresh SSLContext ("TLS")
 * per handshake: a plain ServerSocket accepts, and each connection is layered into a server-mode
 * SSLSocket of its own context, with the default protocols and suites. The replayer's signature
 * probe is not installed: it only observes, and its record is not made for concurrent use.
 *
 * Protocol on stdin/stdout (live.py is the only client), framed as JsseReplay's:
 *   'V'                      -> JsseReplay's configuration report
 *   'L' + key (JsseReplay 'K' after its id)  -> {"ok":true,"port":N,"enabled_protocols":[...],
 *                                                "enabled_cipher_suites":[...]}
 *   'R' + u32 port           -> {"ok":true,"handshakes":[...],"pending":n,"full":bool}
 *   'C' + u32 port           -> {"ok":true}
 * A handshake is {"end","version","cipher","alert","detail"}: end is completed, server_alert,
 * client_alert, closed, timeout or error; alert is JSSE's name for it, or "alert:N" for one
 * JSSE did not read (SniffSocket).
 *
 * args[0]: milliseconds one connection may take from accept to the end of its handshake.
 */

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

public final class JsseLive {
    static final int MAX_FRAME = 16 << 20;
    static final int MAX_LISTENERS = 256;
    static final int MAX_CONNECTIONS = 64;     // per listener; then it stops accepting
    static final int MAX_DETAIL = 300;
    static final String RECEIVED = "Received fatal alert: ";

    static int timeoutMillis;
    static final Map<Integer, Listener> listeners = new HashMap<>();
    static final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "deadlines");
        t.setDaemon(true);
        return t;
    });
    /** The alert JSSE decided to send on this thread ("HANDSHAKE_FAILURE"), from its log. */
    static final ThreadLocal<String> fatal = new ThreadLocal<>();
    static Logger keepLogger;

    static final class Listener {
        final ServerSocket server;
        final KeyManager[] managers;
        final List<String> results = new ArrayList<>();   // null while in its handshake
        final List<Socket> open = new ArrayList<>();
        boolean full, closed;
        Listener(ServerSocket server, KeyManager[] managers) {
            this.server = server;
            this.managers = managers;
        }
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
                                          false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        timeoutMillis = Integer.parseInt(args[0]);
        if (timeoutMillis < 1 || timeoutMillis > 600000) throw new IllegalArgumentException("timeout");
        installLogCapture();
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(System.in, 1 << 16));
        while (true) {
            byte[] frame;
            try {
                int length = in.readInt();
                if (length < 1 || length > MAX_FRAME) {
                    JsseReplay.reply(out, JsseReplay.error("frame", "frame length " + length + " out of range"));
                    return;
                }
                frame = new byte[length];
                in.readFully(frame);
            } catch (EOFException eof) {
                return;   // the caller is gone: so are the listeners (daemon threads)
            }
            String response;
            try {
                ByteBuffer body = ByteBuffer.wrap(frame, 1, frame.length - 1);
                switch (frame[0]) {
                    case 'V': response = JsseReplay.version(false); break;
                    case 'L': response = listen(body); break;
                    case 'R': response = results(body.getInt()); break;
                    case 'C': response = close(body.getInt()); break;
                    default: response = JsseReplay.error("request", "unknown opcode " + frame[0]);
                }
            } catch (Throwable t) {
                response = JsseReplay.error("internal", t.toString());
            }
            JsseReplay.reply(out, response);
        }
    }

    /** JSSE logs "Fatal (ALERT): why" on the thread that runs the handshake when it sends a
     * fatal alert (javax.net.debug set to "" routes SSLLogger to java.util.logging). */
    static void installLogCapture() {
        Logger logger = Logger.getLogger("javax.net.ssl");
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.WARNING);
        logger.addHandler(new Handler() {
            @Override public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message == null || !message.startsWith("Fatal (") || fatal.get() != null) return;
                int close = message.indexOf(')');
                if (close > 7) fatal.set(message.substring(7, close));
            }
            @Override public void flush() { }
            @Override public void close() { }
        });
        keepLogger = logger;
    }

    static String listen(ByteBuffer body) throws Exception {
        synchronized (listeners) {
            if (listeners.size() >= MAX_LISTENERS) {
                return JsseReplay.error("request", MAX_LISTENERS + " listeners are open; close some");
            }
        }
        JsseReplay.LoadedKey key = JsseReplay.readKey(body);
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        Listener listener = new Listener(server, key.managers);
        // what every connection will enable: a fresh context's server socket's defaults
        SSLSocket probe = (SSLSocket) context(listener).getSocketFactory().createSocket();
        probe.setUseClientMode(false);
        String protocols = JsseReplay.jsonArray(probe.getEnabledProtocols());
        String suites = JsseReplay.jsonArray(probe.getEnabledCipherSuites());
        probe.close();
        synchronized (listeners) {
            listeners.put(server.getLocalPort(), listener);
        }
        Thread acceptor = new Thread(() -> accept(listener), "accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return "{\"ok\":true,\"port\":" + server.getLocalPort() + ",\"enabled_protocols\":" + protocols
                + ",\"enabled_cipher_suites\":" + suites + "}";
    }

    static SSLContext context(Listener listener) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(listener.managers, null, JsseReplay.random);
        return context;
    }

    static void accept(Listener listener) {
        while (true) {
            Socket raw;
            try {
                raw = listener.server.accept();
            } catch (IOException closed) {
                return;
            }
            int index;
            boolean full;
            synchronized (listener) {
                if (listener.closed) {
                    try { raw.close(); } catch (IOException e) { }
                    return;
                }
                index = listener.results.size();
                listener.results.add(null);
                listener.open.add(raw);
                full = listener.results.size() >= MAX_CONNECTIONS;
                listener.full = full;
            }
            Thread worker = new Thread(() -> serve(listener, index, raw), "conn-" + index);
            worker.setDaemon(true);
            worker.start();
            if (full) {
                try { listener.server.close(); } catch (IOException e) { }
                return;
            }
        }
    }

    static void serve(Listener listener, int index, Socket raw) {
        fatal.remove();
        AtomicBoolean timedOut = new AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> deadline = timer.schedule(() -> {
            timedOut.set(true);
            try { raw.close(); } catch (IOException e) { }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        String end, version = null, cipher = null, alert = null, detail = null;
        SSLSocket socket = null;
        SniffSocket sniffed = null;
        try {
            sniffed = new SniffSocket(raw);
            raw.setSoTimeout(timeoutMillis);
            socket = (SSLSocket) context(listener).getSocketFactory().createSocket(sniffed, null, true);
            socket.setUseClientMode(false);
            socket.startHandshake();
            SSLSession session = socket.getSession();
            version = session.getProtocol();
            cipher = session.getCipherSuite();
            end = "completed";
            deadline.cancel(false);
            socket.close();   // close_notify; no application data
        } catch (SSLException e) {
            // JDK 17 words it "(unknown_ca) Received fatal alert: unknown_ca"
            String message = String.valueOf(e.getMessage()).replaceFirst("^\\([a-z0-9_]+\\) ", "");
            detail = e.getClass().getSimpleName() + ": " + JsseReplay.message(e);
            SSLSession session = socket == null ? null : socket.getHandshakeSession();
            if (session != null && !"NONE".equals(session.getProtocol())) {
                version = session.getProtocol();
                cipher = session.getCipherSuite();
            }
            if (timedOut.get()) {
                end = "timeout";
            } else if (message.startsWith(RECEIVED)) {
                end = "client_alert";
                alert = message.substring(RECEIVED.length()).trim();
            } else if (sniffed != null && settled(sniffed) >= 0) {
                end = "client_alert";
                alert = "alert:" + sniffed.clientAlert();
                detail = "a plaintext alert JSSE did not read; JSSE: " + detail;
            } else if (e.getCause() instanceof EOFException || e.getCause() instanceof SocketException
                       || message.contains("Remote host terminated")) {
                // before the fatal alert: JSSE records one of its own (handshake_failure) as
                // it tears down a connection the client closed (observed, OpenJDK 17.0.21.1)
                end = "closed";
            } else if (fatal.get() != null) {
                end = "server_alert";
                alert = fatal.get();
            } else {
                end = "error";
            }
        } catch (SocketException e) {
            end = timedOut.get() ? "timeout" : "closed";
            detail = e.toString();
            if (!timedOut.get() && sniffed != null && settled(sniffed) >= 0) {
                end = "client_alert";
                alert = "alert:" + sniffed.clientAlert();
                detail = "an alert JSSE did not read before its write failed; JSSE: " + detail;
            }
        } catch (java.net.SocketTimeoutException e) {
            end = "timeout";
            detail = e.toString();
        } catch (Exception e) {
            end = timedOut.get() ? "timeout" : "error";
            detail = e.toString();
        } finally {
            deadline.cancel(false);
            fatal.remove();
        }
        try { raw.close(); } catch (IOException e) { }
        if (detail != null) {
            detail = detail.replaceAll("\\s+", " ").trim();
            if (detail.length() > MAX_DETAIL) detail = detail.substring(0, MAX_DETAIL);
        }
        String entry = "{\"end\":" + JsseReplay.json(end) + ",\"version\":" + JsseReplay.json(version)
                + ",\"cipher\":" + JsseReplay.json(cipher) + ",\"alert\":" + JsseReplay.json(alert)
                + ",\"detail\":" + JsseReplay.json(detail) + "}";
        synchronized (listener) {
            listener.results.set(index, entry);
            listener.open.remove(raw);
        }
    }

    /** The accepted socket as the SSLSocket layered over it sees it (BaseSSLSocketImpl asks
     * the layered-over socket for its streams and state): its input read eagerly and watched
     * for the client's first plaintext alert. A client that rejects the certificate before switching to its TLS
     * 1.3 handshake keys sends its alert unencrypted (observed, OpenSSL 3.0 s_client), which
     * JSSE cannot read: it answers handshake_failure, "Insufficient buffer remaining for AEAD
     * cipher fragment (2)" (observed, 17.0.21.1), yet the refusal is the client's. */
    /** The client's alert, once the pump has had a moment to read what the client sent. */
    static int settled(SniffSocket sniffed) {
        sniffed.settle(500);
        return sniffed.clientAlert();
    }

    static final class SniffSocket extends Socket {
        final Socket raw;
        final java.io.InputStream in;
        final byte[] header = new byte[5];
        int have, left;
        boolean alertRecord;
        final byte[] body = new byte[2];
        volatile byte[] seen;

        // the client's bytes, read as soon as they arrive by a thread of their own: JSSE
        // writes a flight message by message, and a client that refused the Certificate may
        // send its alert and close while JSSE still writes — the alert must be read before
        // the connection is reset (observed, 17.0.21.1 behind a relay)
        final byte[] queue = new byte[1 << 20];
        int start, end;
        boolean eof;
        IOException failure;

        SniffSocket(Socket raw) throws IOException {
            this.raw = raw;
            java.io.InputStream source = raw.getInputStream();
            Thread pump = new Thread(() -> pump(source), "client-bytes");
            pump.setDaemon(true);
            pump.start();
            this.in = new java.io.InputStream() {
                @Override public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }
                @Override public int read(byte[] buffer, int offset, int length) throws IOException {
                    return take(buffer, offset, length);
                }
                @Override public int available() {
                    synchronized (SniffSocket.this) { return end - start; }
                }
            };
        }

        void pump(java.io.InputStream source) {
            byte[] chunk = new byte[1 << 14];
            try {
                while (true) {
                    int n = source.read(chunk);
                    synchronized (this) {
                        if (n < 0) { eof = true; notifyAll(); return; }
                        watch(chunk, 0, n);
                        if (start == end) { start = 0; end = 0; }
                        if (end + n > queue.length) {
                            System.arraycopy(queue, start, queue, 0, end - start);
                            end -= start;
                            start = 0;
                        }
                        if (end + n > queue.length) {
                            failure = new IOException("the client sent more than 1 MiB unread");
                            notifyAll();
                            return;
                        }
                        System.arraycopy(chunk, 0, queue, end, n);
                        end += n;
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (this) { failure = e; notifyAll(); }
            }
        }

        synchronized int take(byte[] buffer, int offset, int length) throws IOException {
            while (start == end && !eof && failure == null) {
                try {
                    wait(1000);   // the pump ends at the deadline at the latest (raw closed)
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            if (start == end) {
                if (failure != null) throw failure;
                return -1;
            }
            int n = Math.min(length, end - start);
            System.arraycopy(queue, start, buffer, offset, n);
            start += n;
            return n;
        }

        synchronized int clientAlert() {
            return seen != null && seen[0] == 2 ? seen[1] & 0xff : -1;
        }

        // JSSE's write can fail (broken pipe) a moment before the pump thread has read the
        // alert the client sent before closing: wait, briefly, for the pump to see the alert
        // or the end of the client's bytes (observed in TLS 1.3, OpenJDK 17.0.21.1)
        synchronized void settle(long millis) {
            long until = System.currentTimeMillis() + millis;
            while (seen == null && !eof && failure == null) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) return;
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        synchronized void watch(byte[] buffer, int offset, int n) {
            for (int i = offset; i < offset + n && seen == null; i++) {
                byte b = buffer[i];
                if (left == 0) {
                    header[have++] = b;
                    if (have == 5) {
                        left = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                        alertRecord = header[0] == 21 && left == 2;
                        have = 0;
                    }
                    continue;
                }
                if (alertRecord) {
                    body[have++] = b;
                    if (have == 2) seen = new byte[] {body[0], body[1]};
                }
                if (--left == 0) have = 0;
            }
        }

        @Override public java.io.InputStream getInputStream() { return in; }
        @Override public java.io.OutputStream getOutputStream() throws IOException { return raw.getOutputStream(); }
        @Override public boolean isConnected() { return raw.isConnected(); }
        @Override public boolean isBound() { return raw.isBound(); }
        @Override public boolean isClosed() { return raw.isClosed(); }
        @Override public boolean isInputShutdown() { return raw.isInputShutdown(); }
        @Override public boolean isOutputShutdown() { return raw.isOutputShutdown(); }
        @Override public void shutdownInput() throws IOException { raw.shutdownInput(); }
        @Override public void shutdownOutput() throws IOException { raw.shutdownOutput(); }
        @Override public void close() throws IOException { raw.close(); }
        @Override public InetAddress getInetAddress() { return raw.getInetAddress(); }
        @Override public InetAddress getLocalAddress() { return raw.getLocalAddress(); }
        @Override public int getPort() { return raw.getPort(); }
        @Override public int getLocalPort() { return raw.getLocalPort(); }
        @Override public java.net.SocketAddress getRemoteSocketAddress() { return raw.getRemoteSocketAddress(); }
        @Override public java.net.SocketAddress getLocalSocketAddress() { return raw.getLocalSocketAddress(); }
        @Override public void setSoTimeout(int t) throws SocketException { raw.setSoTimeout(t); }
        @Override public int getSoTimeout() throws SocketException { return raw.getSoTimeout(); }
        @Override public void setTcpNoDelay(boolean on) throws SocketException { raw.setTcpNoDelay(on); }
        @Override public boolean getTcpNoDelay() throws SocketException { return raw.getTcpNoDelay(); }
        @Override public void setSoLinger(boolean on, int linger) throws SocketException { raw.setSoLinger(on, linger); }
        @Override public int getSoLinger() throws SocketException { return raw.getSoLinger(); }
        @Override public void setKeepAlive(boolean on) throws SocketException { raw.setKeepAlive(on); }
        @Override public boolean getKeepAlive() throws SocketException { return raw.getKeepAlive(); }
    }

    static Listener find(int port) {
        synchronized (listeners) {
            return listeners.get(port);
        }
    }

    static String results(int port) {
        Listener listener = find(port);
        if (listener == null) return JsseReplay.error("request", "no listener on port " + port);
        StringBuilder json = new StringBuilder("{\"ok\":true,\"handshakes\":[");
        int pending = 0, done = 0;
        synchronized (listener) {
            for (String entry : listener.results) {
                if (entry == null) { pending++; continue; }
                if (pending > 0) continue;   // keep accept order: later ones wait
                if (done++ > 0) json.append(',');
                json.append(entry);
            }
            json.append("],\"pending\":").append(pending).append(",\"full\":").append(listener.full);
        }
        return json.append('}').toString();
    }

    static String close(int port) throws IOException {
        Listener listener;
        synchronized (listeners) {
            listener = listeners.remove(port);
        }
        if (listener == null) return JsseReplay.error("request", "no listener on port " + port);
        synchronized (listener) {
            listener.closed = true;
            for (Socket socket : listener.open) {
                try { socket.close(); } catch (IOException e) { }
            }
        }
        listener.server.close();
        return "{\"ok\":true}";
    }
}
