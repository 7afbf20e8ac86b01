package io.runnel.consume;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.TestHttp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * SSE clients that go away without a word release everything they held: after their sockets are
 * closed, the next keep-alive sends fail, the streams are dropped and their requests completed,
 * so the server's count of requests in async mode and its stream count go back to zero, and the
 * connections are closed (not held until the streams' maximum duration).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SseClientGoneHttpTest {
    private static final int STREAMS = 20;

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dataDir.toString());
        registry.add("runnel.fetch.sse-keep-alive", () -> "200ms");
    }

    @LocalServerPort
    int port;

    @Autowired
    SseStreams streams;

    @Test
    void streamsWhoseClientsLeftAreReleased() throws Exception {
        TestHttp http = new TestHttp(port);
        http.createTopic("gone", 1);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /topics/gone/partitions/0/records?offset=latest HTTP/1.1\r\nHost: x\r\n"
                        + "Accept: text/event-stream\r\n\r\n").getBytes(UTF_8));
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8));
                assertThat(in.readLine()).startsWith("HTTP/1.1 200");
                sockets.add(socket);
            }
            assertThat(streams.openStreams()).isEqualTo(STREAMS);
            // a request counts once the dispatch that opened it returned, which may be just after its first bytes
            await().atMost(Duration.ofSeconds(5)).until(() -> asyncWaiting(http) == STREAMS);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(streams.openStreams()).isZero();
            assertThat(asyncWaiting(http)).isZero();
        });
    }

    private static int asyncWaiting(TestHttp http) {
        String metrics = http.get("/actuator/prometheus").body();
        return metrics.lines().filter(l -> l.startsWith("runnel_http_async_waiting "))
                .mapToInt(l -> (int) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }
}
