// Java 11+ java.net.http.HttpClient with its defaults (HTTP/2 preferred: ALPN h2,http/1.1),
// trusting -Djavax.net.ssl.trustStore; the client checks the host name (HTTPS endpoint
// identification) itself. Sends one GET and exits; any failure exits 1.
// Usage: java rt-java-httpclient.java HOST PORT
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

class HttpClientHello {
    public static void main(String[] args) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + args[0] + ":" + args[1] + "/"))
                .timeout(Duration.ofSeconds(15)).build();
        try {
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            System.out.println("response " + response.statusCode() + " over " + response.version());
            System.exit(0);
        } catch (Exception e) {
            System.err.println(e);
            System.exit(1);
        }
    }
}
