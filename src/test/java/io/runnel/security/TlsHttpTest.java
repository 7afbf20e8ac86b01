package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.TestHttp;
import io.runnel.cluster.InstanceTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A single node with TLS from PEM files ({@code server.ssl.certificate}, {@code certificate-private-key},
 * {@code trust-certificate}) of a CA made for the test, over real HTTPS: produce, fetch, a long poll
 * and a Server-Sent Event stream work as over HTTP; plain HTTP to the port and clients that do not
 * trust the CA are refused; the node advertises an {@code https} URL.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TlsHttpTest {
    @TempDir
    static Path dir;
    private static TestCa ca;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dir.resolve("data").toString());
        registry.add("server.ssl.certificate", () -> server().certificate().toString());
        registry.add("server.ssl.certificate-private-key", () -> server().privateKey().toString());
        registry.add("server.ssl.trust-certificate", () -> ca().certificate().toString());
    }

    private static TestCa.Issued server;

    private static synchronized TestCa ca() {
        if (ca == null) {
            ca = TestCa.create(dir.resolve("tls"));
        }
        return ca;
    }

    private static synchronized TestCa.Issued server() {
        if (server == null) {
            server = ca().issue("runnel-0", dir.resolve("tls"));
        }
        return server;
    }

    @LocalServerPort
    int port;

    @Autowired
    InstanceTls instanceTls;

    private TestHttp https;

    @BeforeEach
    void client() {
        https = new TestHttp(port, ca().clientContext());
    }

    @Test
    void produceAndFetchOverHttps() {
        https.createTopic("tls-orders", 1);
        assertThat(https.produce("tls-orders", 0, "{\"n\":1}", "{\"n\":2}")).containsExactly(0L, 1L);

        TestHttp.Response fetched = https.get("/topics/tls-orders/partitions/0/records?offset=0");
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.json().path("records").values().stream().map(r -> r.path("value").path("n").asInt()))
                .containsExactly(1, 2);
    }

    @Test
    void aHeldLongPollIsAnsweredOverHttps() throws Exception {
        https.createTopic("tls-poll", 1);
        CompletableFuture<TestHttp.Response> poll = https.getAsync("/topics/tls-poll/partitions/0/records?offset=0&waitMs=20000");
        // Produce only once the poll is held: it must still be open then.
        org.awaitility.Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !poll.isDone());
        https.produce("tls-poll", 0, "{\"n\":7}");

        TestHttp.Response r = poll.get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("records").get(0).path("value").path("n").asInt()).isEqualTo(7);
    }

    @Test
    void serverSentEventsStreamOverHttps() throws Exception {
        https.createTopic("tls-sse", 1);
        https.produce("tls-sse", 0, "{\"n\":1}");
        HttpResponse<InputStream> r = https.client().sendAsync(https.request("/topics/tls-sse/partitions/0/records?offset=0")
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream())
                .get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            CompletableFuture<String> firstData = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("data:")) {
                            return line;
                        }
                    }
                    return null;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(firstData.get(10, TimeUnit.SECONDS)).contains("\"n\":1");
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCaIsRefusedByTheHandshake() {
        TestCa other = TestCa.create(dir.resolve("other-ca"));
        HttpClient stranger = HttpClient.newBuilder().sslContext(other.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> stranger.send(https.request("/topics").GET().build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    /**
     * Plain HTTP to the TLS port gets no HTTP answer: at most a TLS alert record, then the connection
     * is closed (never a hang, never a 5xx page).
     */
    @Test
    void plainHttpToTheTlsPortIsRefusedCleanly() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /topics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = socket.getInputStream().readAllBytes(); // returns once the server closed the connection
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/");
            if (answer.length > 0) {
                assertThat(answer[0]).as("a TLS alert record").isEqualTo((byte) 21);
            }
        }
    }

    /** JettyConfig's customizations hold on the TLS connector: an encoded slash reaches Spring MVC and is a problem. */
    @Test
    void theJettySettingsApplyToTheTlsConnector() {
        TestHttp.Response r = https.get("/topics/a%2Fb");
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("code").asString()).isEqualTo("INVALID_TOPIC_NAME");
    }

    @Test
    void theNodeAdvertisesAnHttpsUrlAndInstanceCallsUseTls() {
        assertThat(https.get("/cluster").json().path("instances").get(0).path("url").asString()).startsWith("https://");
        assertThat(instanceTls.enabled()).isTrue();
        assertThat(instanceTls.mutual()).isFalse();
        assertThat(instanceTls.sslContext()).isPresent();
    }
}
