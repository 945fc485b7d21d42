/*
 * tlskb's JSSE replayer: one long-lived JVM answers many replays.
 *
 * Each replay hands one recorded ClientHello (hostile bytes) to a fresh server-mode SSLEngine
 * of the JDK's own provider (SSLContext "TLS", one certificate; the settings verdicts depend on
 * are pinned by the wrapper through java.security.properties and jdk.tls.* system properties,
 * see facts.py), runs the
 * handshake until the engine waits for the client's next flight or fails, and reports
 * everything wrap() produced. Nothing listens on a socket: unwrap()/wrap() on ByteBuffers.
 *
 * JsseLive.java (compiled with this file) serves the same server on real sockets, reusing
 * readKey and version.
 *
 * Protocol on stdin/stdout (generator/stacks/jsse/replay.py is the only client):
 *   request  = u32 length (big endian) + payload; payload[0] is the opcode:
 *     'K' key:   u8 n + key type id, u8 n + KeyFactory algorithm ("RSA", "EC", "Ed25519"),
 *                u32 n + PKCS#8 DER private key, u8 count, count x (u32 n + X.509 DER), leaf first
 *     'H' hello: u8 n + key type id, then the hello bytes (the rest of the payload)
 *     'V' version / configuration report
 *     'Q' quit
 *   response = one JSON object on one line.
 *
 * Two observers, neither of which changes what the engine does:
 *  - JSSE's own log (javax.net.debug set to "" routes SSLLogger to System.Logger, i.e.
 *    java.util.logging "javax.net.ssl"; only WARNING and above are kept, so the cost is small):
 *    gives the alert JSSE sent when it failed ("Fatal (HANDSHAKE_FAILURE): ..."), which a TLS 1.3
 *    server sends encrypted after its ServerHello.
 *  - a Signature provider ahead of the JDK's that delegates every handshake signature to the
 *    provider the JDK would have used and records the algorithm and parameters: gives the TLS 1.3
 *    CertificateVerify scheme (and, as a check, the TLS 1.2 ServerKeyExchange scheme).
 */

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

public final class JsseReplay {
    static final int MAX_FRAME = 16 << 20;     // keys (RSA 8192 chain) fit easily
    static final int MAX_STEPS = 200;          // wrap/unwrap/task steps per replay
    static final int MAX_FLIGHT = 4 << 20;     // bytes of server output kept per replay
    static final int MAX_LOG = 20;             // log records kept per replay
    static final char[] PASSWORD = "tlskb".toCharArray();
    static final String PROBE_PROVIDER = "TlskbSignatureProbe";

    // ---- per-replay observations (one replay at a time, tasks run on this thread) ----
    static final List<String[]> signatures = new ArrayList<>();   // {algorithm, scheme}
    static final List<String> logLines = new ArrayList<>();
    static String fatalAlert = null;                              // e.g. "HANDSHAKE_FAILURE"
    static String fatalDiagnostic = null;

    static final Map<String, KeyManager[]> keyManagers = new HashMap<>();
    static final Map<String, SSLContext> contexts = new HashMap<>();
    static final SecureRandom random = new SecureRandom();
    static boolean freshContext = true;

    public static void main(String[] args) throws Exception {
        // Protocol output goes to the real stdout only; anything else printed goes to stderr.
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
                                          false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        for (String arg : args) {
            if (arg.equals("--cached-context")) freshContext = false;
        }
        installLogCapture();
        boolean probe = !Boolean.getBoolean("tlskb.noSignatureProbe");
        if (probe) installSignatureProbe();
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(System.in, 1 << 16));
        while (true) {
            byte[] frame;
            try {
                int length = in.readInt();
                if (length < 1 || length > MAX_FRAME) {
                    reply(out, error("frame", "frame length " + length + " out of range"));
                    return;   // the stream is out of step: the wrapper restarts us
                }
                frame = new byte[length];
                in.readFully(frame);
            } catch (EOFException eof) {
                return;
            }
            String response;
            try {
                switch (frame[0]) {
                    case 'K': response = loadKey(ByteBuffer.wrap(frame, 1, frame.length - 1)); break;
                    case 'H': response = hello(ByteBuffer.wrap(frame, 1, frame.length - 1)); break;
                    case 'V': response = version(probe); break;
                    case 'Q': reply(out, "{\"ok\":true}"); return;
                    default: response = error("request", "unknown opcode " + frame[0]);
                }
            } catch (Throwable t) {  // never die on one request
                response = error("internal", t.toString());
            }
            reply(out, response);
        }
    }

    static void reply(PrintStream out, String line) {
        out.print(line);
        out.print('\n');
        out.flush();
    }

    // ------------------------------------------------------------------ log capture
    static void installLogCapture() {
        Logger logger = Logger.getLogger("javax.net.ssl");
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.WARNING);
        logger.addHandler(new Handler() {
            @Override public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message == null) return;
                if (message.startsWith("Fatal (") && fatalAlert == null) {
                    int close = message.indexOf(')');
                    if (close > 7) {
                        fatalAlert = message.substring(7, close);
                        fatalDiagnostic = message.substring(Math.min(message.length(), close + 3));
                    }
                }
                // noise: every extension not consumed at a stage, and wrap() after the close
                if (message.startsWith("Ignore impact of unsupported extension")
                        || message.startsWith("Ignore, no extension producer")
                        || message.startsWith("outbound has closed")) return;
                if (logLines.size() < MAX_LOG) {
                    logLines.add(record.getLevel() + ": " + (message.length() > 300
                            ? message.substring(0, 300) : message));
                }
            }
            @Override public void flush() { }
            @Override public void close() { }
        });
        // keep a strong reference: java.util.logging holds loggers weakly
        keepLogger = logger;
    }
    static Logger keepLogger;

    // ------------------------------------------------------------------ signature probe
    static final String[] PROBED = {
        "SHA1withRSA", "SHA224withRSA", "SHA256withRSA", "SHA384withRSA", "SHA512withRSA",
        "RSASSA-PSS",
        "SHA1withECDSA", "SHA224withECDSA", "SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA",
        "Ed25519", "Ed448", "EdDSA",
        "SHA1withDSA", "SHA224withDSA", "SHA256withDSA",
    };

    static void installSignatureProbe() {
        ProbeProvider probe = new ProbeProvider();
        for (String algorithm : PROBED) {
            boolean available = false;
            for (Provider p : Security.getProviders()) {
                if (p.getService("Signature", algorithm) != null) { available = true; break; }
            }
            if (!available) continue;   // never make an algorithm appear that the JDK lacks
            probe.add(new Provider.Service(probe, "Signature", algorithm,
                    ProbeSignature.class.getName(), null, null) {
                @Override public Object newInstance(Object parameter) {
                    return new ProbeSignature(getAlgorithm());
                }
            });
        }
        Security.insertProviderAt(probe, 1);
    }

    static final class ProbeProvider extends Provider {
        private static final long serialVersionUID = 1L;
        ProbeProvider() { super(PROBE_PROVIDER, "1.0", "records handshake signatures"); }
        void add(Service service) { putService(service); }
    }

    /** Delegates to the first other provider that takes the key, as delayed provider selection
     * would have; records what was signed with. */
    public static final class ProbeSignature extends SignatureSpi {
        final String algorithm;
        Signature real;
        AlgorithmParameterSpec params;
        String keyAlgorithm;

        public ProbeSignature(String algorithm) { this.algorithm = algorithm; }

        Signature choose(java.security.Key key, boolean sign, SecureRandom rnd)
                throws InvalidKeyException {
            InvalidKeyException last = null;
            keyAlgorithm = key == null ? null : key.getAlgorithm();
            for (Provider p : Security.getProviders()) {
                if (p.getName().equals(PROBE_PROVIDER)) continue;
                if (p.getService("Signature", algorithm) == null) continue;
                try {
                    Signature s = Signature.getInstance(algorithm, p);
                    if (params != null) s.setParameter(params);
                    if (sign) {
                        if (rnd != null) s.initSign((PrivateKey) key, rnd); else s.initSign((PrivateKey) key);
                    } else {
                        s.initVerify((PublicKey) key);
                    }
                    return s;
                } catch (InvalidKeyException e) {
                    last = e;
                } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
                    last = new InvalidKeyException(e);
                } catch (RuntimeException e) {
                    last = new InvalidKeyException(e);
                }
            }
            throw last != null ? last : new InvalidKeyException("no provider for " + algorithm);
        }

        @Override protected void engineInitSign(PrivateKey key) throws InvalidKeyException {
            real = choose(key, true, null);
        }
        @Override protected void engineInitSign(PrivateKey key, SecureRandom rnd) throws InvalidKeyException {
            real = choose(key, true, rnd);
        }
        @Override protected void engineInitVerify(PublicKey key) throws InvalidKeyException {
            real = choose(key, false, null);
        }
        @Override protected void engineUpdate(byte b) throws SignatureException { real.update(b); }
        @Override protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
            real.update(b, off, len);
        }
        @Override protected void engineUpdate(ByteBuffer data) {
            try { real.update(data); } catch (SignatureException e) { throw new IllegalStateException(e); }
        }
        @Override protected byte[] engineSign() throws SignatureException {
            byte[] signature = real.sign();
            signatures.add(new String[] {describe(), Integer.toString(scheme())});
            return signature;
        }
        @Override protected boolean engineVerify(byte[] sig) throws SignatureException {
            return real.verify(sig);
        }
        @Override protected void engineSetParameter(AlgorithmParameterSpec spec)
                throws InvalidAlgorithmParameterException {
            params = spec;
            if (real != null) real.setParameter(spec);
        }
        @Override @SuppressWarnings("deprecation")
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException("not supported");
        }
        @Override @SuppressWarnings("deprecation")
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException("not supported");
        }
        @Override protected AlgorithmParameters engineGetParameters() {
            return real != null ? real.getParameters() : null;
        }

        String describe() {
            if (params instanceof PSSParameterSpec) {
                PSSParameterSpec pss = (PSSParameterSpec) params;
                return algorithm + "(" + pss.getDigestAlgorithm() + ")";
            }
            return algorithm;
        }

        /** The SignatureScheme code point (RFC 8446 §4.2.3) this signature is, or -1. A PSS
         * signature with an rsaEncryption key is rsa_pss_rsae_*. */
        int scheme() {
            switch (algorithm) {
                case "SHA1withRSA": return 0x0201;
                case "SHA224withRSA": return 0x0301;
                case "SHA256withRSA": return 0x0401;
                case "SHA384withRSA": return 0x0501;
                case "SHA512withRSA": return 0x0601;
                case "SHA1withECDSA": return 0x0203;
                case "SHA224withECDSA": return 0x0303;
                case "SHA256withECDSA": return 0x0403;
                case "SHA384withECDSA": return 0x0503;
                case "SHA512withECDSA": return 0x0603;
                case "SHA1withDSA": return 0x0202;
                case "SHA224withDSA": return 0x0302;
                case "SHA256withDSA": return 0x0402;
                case "Ed25519": return 0x0807;
                case "Ed448": return 0x0808;
                case "RSASSA-PSS":
                    if (params instanceof PSSParameterSpec) {
                        String digest = ((PSSParameterSpec) params).getDigestAlgorithm();
                        boolean pssKey = "RSASSA-PSS".equals(keyAlgorithm());
                        switch (digest) {
                            case "SHA-256": return pssKey ? 0x0809 : 0x0804;
                            case "SHA-384": return pssKey ? 0x080a : 0x0805;
                            case "SHA-512": return pssKey ? 0x080b : 0x0806;
                            default: return -1;
                        }
                    }
                    return -1;
                default: return -1;
            }
        }
        String keyAlgorithm() { return keyAlgorithm; }
    }

    // ------------------------------------------------------------------ keys
    static String loadKey(ByteBuffer in) throws Exception {
        String id = readString8(in);
        LoadedKey loaded = readKey(in);
        keyManagers.put(id, loaded.managers);
        contexts.remove(id);
        return "{\"ok\":true,\"key_type\":" + json(id) + ",\"key_algorithm\":" + json(loaded.keyAlgorithm)
                + ",\"key_manager\":" + json(loaded.managerAlgorithm) + "}";
    }

    static final class LoadedKey {
        final KeyManager[] managers;
        final String keyAlgorithm, managerAlgorithm;
        LoadedKey(KeyManager[] managers, String keyAlgorithm, String managerAlgorithm) {
            this.managers = managers;
            this.keyAlgorithm = keyAlgorithm;
            this.managerAlgorithm = managerAlgorithm;
        }
    }

    /** The key managers of one certificate chain and key ('K' after the id; JsseLive's 'L'). */
    static LoadedKey readKey(ByteBuffer in) throws Exception {
        String algorithm = readString8(in);
        byte[] keyDer = readBytes32(in);
        int count = in.get() & 0xff;
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate[] chain = new X509Certificate[count];
        for (int i = 0; i < count; i++) {
            chain[i] = (X509Certificate) cf.generateCertificate(
                    new java.io.ByteArrayInputStream(readBytes32(in)));
        }
        PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keyDer));
        // An in-memory PKCS#12 keystore, as a server program loads from its .p12 file.
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, PASSWORD, chain);
        // The default algorithm (java.security: ssl.KeyManagerFactory.algorithm=SunX509), as
        // Tomcat, Jetty and Vert.x/Quarkus use unless configured otherwise.
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD);
        return new LoadedKey(kmf.getKeyManagers(), key.getAlgorithm(), kmf.getAlgorithm());
    }

    static SSLContext context(String id) throws Exception {
        SSLContext context = freshContext ? null : contexts.get(id);
        if (context == null) {
            KeyManager[] kms = keyManagers.get(id);
            if (kms == null) return null;
            context = SSLContext.getInstance("TLS");
            context.init(kms, null, random);
            if (!freshContext) contexts.put(id, context);
        }
        return context;
    }

    // ------------------------------------------------------------------ one replay
    static String hello(ByteBuffer in) throws Exception {
        String id = readString8(in);
        byte[] hello = new byte[in.remaining()];
        in.get(hello);
        SSLContext context = context(id);
        if (context == null) return error("request", "no key loaded for key type " + id);
        signatures.clear();
        logLines.clear();
        fatalAlert = null;
        fatalDiagnostic = null;

        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLSession session = engine.getSession();
        ByteBuffer src = ByteBuffer.wrap(hello);
        ByteBuffer app = ByteBuffer.allocate(Math.max(session.getApplicationBufferSize(), 1 << 15));
        ByteBuffer net = ByteBuffer.allocate(Math.max(session.getPacketBufferSize(), 1 << 15) * 2);
        ByteArrayOutputStream flight = new ByteArrayOutputStream();
        StringBuilder trail = new StringBuilder();
        String end = null;
        SSLException failure = null;
        Throwable crash = null;
        String protocol = null, suite = null;

        try {
            engine.beginHandshake();   // server mode: NEED_UNWRAP, waiting for the ClientHello
            // every record can take a few steps (unwrap, tasks): the bound grows with the
            // input, so a hello cut into one-byte records is read to its end
            final int maxSteps = MAX_STEPS + 3 * src.remaining();
            for (int step = 0; step < maxSteps && end == null; step++) {
                SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                trail.append(abbrev(hs)).append(' ');
                try {
                    switch (hs) {
                        case NEED_TASK: {
                            Runnable task;
                            int n = 0;
                            while ((task = engine.getDelegatedTask()) != null && n++ < 64) task.run();
                            break;
                        }
                        case NEED_WRAP: {
                            net.clear();
                            SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
                            trail.append("w:").append(r.getStatus()).append(':').append(r.bytesProduced()).append(' ');
                            keep(flight, net);
                            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                                net = ByteBuffer.allocate(net.capacity() * 2);
                                if (net.capacity() > MAX_FLIGHT) end = "overflow";
                            } else if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.bytesProduced() == 0) {
                                end = "closed";
                            }
                            break;
                        }
                        case NEED_UNWRAP:
                        case NEED_UNWRAP_AGAIN: {
                            if (hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP && !src.hasRemaining()) {
                                end = "need_unwrap";  // waits for the client's next flight
                                break;
                            }
                            app.clear();
                            int before = src.position();
                            SSLEngineResult r = engine.unwrap(src, app);
                            trail.append("u:").append(r.getStatus()).append(':').append(r.bytesConsumed()).append(' ');
                            if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                                end = "underflow";    // an incomplete record: waits for more bytes
                            } else if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                                if (engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP) end = "closed";
                            } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                                app = ByteBuffer.allocate(app.capacity() * 2);
                                if (app.capacity() > MAX_FLIGHT) end = "overflow";
                            } else if (src.position() == before && r.getHandshakeStatus() == hs
                                       && hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                                end = "stalled";
                            }
                            break;
                        }
                        case FINISHED:
                        case NOT_HANDSHAKING:
                        default:
                            end = engine.isOutboundDone() ? "closed" : "not_handshaking";
                    }
                } catch (SSLException e) {
                    if (failure == null) failure = e;
                    trail.append("X ");
                    // the engine has queued its alert: the loop's next NEED_WRAP writes it out
                    if (engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                        drainAfterFailure(engine, net, flight, trail);
                        end = "exception";
                    }
                }
                if (protocol == null) {
                    SSLSession hs2 = engine.getHandshakeSession();
                    if (hs2 != null && hs2.getCipherSuite() != null && !hs2.getCipherSuite().startsWith("SSL_NULL")) {
                        protocol = hs2.getProtocol();
                        suite = hs2.getCipherSuite();
                    }
                }
            }
            if (end == null) end = "step_limit";
        } catch (Throwable t) {   // a RuntimeException or Error from the engine on hostile input
            crash = t;
            end = "crash";
        }

        StringBuilder json = new StringBuilder(256 + flight.size() * 2);
        json.append("{\"ok\":true");
        json.append(",\"flight\":\"").append(hex(flight.toByteArray())).append('"');
        json.append(",\"end\":").append(json(end));
        json.append(",\"trail\":").append(json(trail.toString().trim()));
        if (failure != null) {
            json.append(",\"error_class\":").append(json(failure.getClass().getName()));
            json.append(",\"error\":").append(json(message(failure)));
        }
        if (crash != null) {
            json.append(",\"crash_class\":").append(json(crash.getClass().getName()));
            json.append(",\"crash\":").append(json(String.valueOf(crash.getMessage())));
        }
        if (fatalAlert != null) {
            json.append(",\"fatal_alert\":").append(json(fatalAlert));
            json.append(",\"fatal_diagnostic\":").append(json(fatalDiagnostic));
        }
        if (protocol != null) {
            json.append(",\"protocol\":").append(json(protocol));
            json.append(",\"cipher_suite_name\":").append(json(suite));
        }
        json.append(",\"signatures\":[");
        for (int i = 0; i < signatures.size(); i++) {
            if (i > 0) json.append(',');
            json.append("{\"algorithm\":").append(json(signatures.get(i)[0]))
                .append(",\"scheme\":").append(signatures.get(i)[1]).append('}');
        }
        json.append("],\"log\":[");
        for (int i = 0; i < logLines.size(); i++) {
            if (i > 0) json.append(',');
            json.append(json(logLines.get(i)));
        }
        json.append("]}");
        return json.toString();
    }

    static void drainAfterFailure(SSLEngine engine, ByteBuffer net, ByteArrayOutputStream flight,
                                  StringBuilder trail) {
        for (int i = 0; i < 8; i++) {
            net.clear();
            try {
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
                trail.append("w:").append(r.getStatus()).append(':').append(r.bytesProduced()).append(' ');
                keep(flight, net);
                if (r.bytesProduced() == 0) return;
            } catch (SSLException e) {
                trail.append("X ");
                return;
            }
        }
    }

    static void keep(ByteArrayOutputStream flight, ByteBuffer net) {
        net.flip();
        int n = Math.min(net.remaining(), Math.max(0, MAX_FLIGHT - flight.size()));
        flight.write(net.array(), net.arrayOffset() + net.position(), n);
    }

    static String message(Throwable t) {
        String text = t.getMessage();
        Throwable cause = t.getCause();
        if (cause != null && cause.getMessage() != null && (text == null || !text.contains(cause.getMessage()))) {
            text = (text == null ? "" : text + ": ") + cause.getMessage();
        }
        return text == null ? t.getClass().getSimpleName() : text;
    }

    static String abbrev(SSLEngineResult.HandshakeStatus hs) {
        switch (hs) {
            case NEED_TASK: return "T";
            case NEED_WRAP: return "W";
            case NEED_UNWRAP: return "U";
            case NEED_UNWRAP_AGAIN: return "UA";
            case FINISHED: return "F";
            default: return "N";
        }
    }

    // ------------------------------------------------------------------ version report
    static String version(boolean probe) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[0], null, random);
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters params = engine.getSSLParameters();
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("java.version", System.getProperty("java.version"));
        facts.put("java.runtime.version", System.getProperty("java.runtime.version"));
        facts.put("java.vendor", System.getProperty("java.vendor"));
        facts.put("java.vm.name", System.getProperty("java.vm.name"));
        facts.put("java.home", System.getProperty("java.home"));
        facts.put("provider", context.getProvider().getName() + " " + context.getProvider().getVersionStr());
        facts.put("key_manager", KeyManagerFactory.getDefaultAlgorithm());
        for (String p : new String[] {"jdk.tls.disabledAlgorithms", "jdk.tls.legacyAlgorithms",
                "jdk.certpath.disabledAlgorithms", "jdk.disabled.namedCurves"}) {
            facts.put(p, Security.getProperty(p));
        }
        for (String p : new String[] {"jdk.tls.namedGroups", "jdk.tls.server.SignatureSchemes",
                "jdk.tls.server.protocols", "jdk.tls.server.cipherSuites",
                "jdk.tls.server.enableSessionTicketExtension",
                "jdk.tls.ephemeralDHKeySize", "jdk.tls.useExtendedMasterSecret",
                "jsse.enableSNIExtension", "javax.net.debug"}) {
            facts.put(p, System.getProperty(p));
        }
        StringBuilder json = new StringBuilder("{\"ok\":true");
        for (Map.Entry<String, String> e : facts.entrySet()) {
            json.append(',').append(json(e.getKey())).append(':').append(json(e.getValue()));
        }
        json.append(",\"signature_probe\":").append(probe);
        // jdk.tls.disabledAlgorithms' "usage HandshakeSignature" constraint (JDK-8340321) needs
        // the SSL scopes, which older 17 updates lack: they would ignore that pin silently
        boolean scopes;
        try {
            Class.forName("sun.security.ssl.SSLScope", false, JsseReplay.class.getClassLoader());
            scopes = true;
        } catch (ClassNotFoundException e) {
            scopes = false;
        }
        json.append(",\"handshake_signature_scope\":").append(scopes);
        json.append(",\"java_specification_version\":").append(json(System.getProperty("java.specification.version")));
        json.append(",\"fresh_context\":").append(freshContext);
        json.append(",\"enabled_protocols\":").append(jsonArray(engine.getEnabledProtocols()));
        json.append(",\"enabled_cipher_suites\":").append(jsonArray(engine.getEnabledCipherSuites()));
        json.append(",\"use_cipher_suites_order\":").append(params.getUseCipherSuitesOrder());
        json.append(",\"session_cache_size\":").append(context.getServerSessionContext().getSessionCacheSize());
        json.append('}');
        return json.toString();
    }

    // ------------------------------------------------------------------ helpers
    static String readString8(ByteBuffer in) {
        int n = in.get() & 0xff;
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static byte[] readBytes32(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) throw new IllegalArgumentException("bad length " + n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    static String error(String kind, String text) {
        return "{\"ok\":false,\"error_kind\":" + json(kind) + ",\"error\":" + json(text) + "}";
    }

    static final char[] HEX = "0123456789abcdef".toCharArray();

    static String hex(byte[] b) {
        char[] c = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            c[2 * i] = HEX[(b[i] >> 4) & 15];
            c[2 * i + 1] = HEX[b[i] & 15];
        }
        return new String(c);
    }

    static String jsonArray(String[] items) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < items.length; i++) {
            if (i > 0) s.append(',');
            s.append(json(items[i]));
        }
        return s.append(']').toString();
    }

    static String json(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
