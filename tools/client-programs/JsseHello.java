// A Java 17 client with JSSE's defaults: connects, sends SNI, completes the handshake, reads
// nothing. The trust store comes from -Djavax.net.ssl.trustStore (the recorder passes its CA).
// Usage: java JsseHello.java HOST PORT [PROTOCOL ...]  (protocols like TLSv1.2 restrict it)
import javax.net.ssl.*;
import java.util.Arrays;

public class JsseHello {
    public static void main(String[] args) throws Exception {
        SSLSocket socket = (SSLSocket) SSLSocketFactory.getDefault()
                .createSocket(args[0], Integer.parseInt(args[1]));
        socket.setSoTimeout(15000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (args.length > 2) {
            parameters.setProtocols(Arrays.copyOfRange(args, 2, args.length));
        }
        socket.setSSLParameters(parameters);
        try {
            socket.startHandshake();
            System.out.println("handshake completed: " + socket.getSession().getProtocol());
        } catch (Exception e) {
            System.err.println(e);
            System.exit(1);
        } finally {
            socket.close();
        }
    }
}
