// Java's javax.net.ssl.HttpsURLConnection with its defaults (HTTPS host name verification,
// the default SSLSocketFactory), trusting -Djavax.net.ssl.trustStore. One GET; any failure
// exits 1. Usage: java rt-java-urlconnection.java HOST PORT
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

class UrlConnectionHello {
    public static void main(String[] args) {
        try {
            HttpsURLConnection connection = (HttpsURLConnection)
                    new URL("https://" + args[0] + ":" + args[1] + "/").openConnection();
            connection.setConnectTimeout(15000);
            connection.setReadTimeout(15000);
            System.out.println("response " + connection.getResponseCode() + " with "
                    + connection.getCipherSuite());
            connection.disconnect();
            System.exit(0);
        } catch (Exception e) {
            System.err.println(e);
            System.exit(1);
        }
    }
}
