package io.runnel.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestHttp;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Server-Sent Events stream ends by itself after {@code runnel.fetch.sse-max-duration}: the
 * server completes the request (which is also what frees what a vanished client held), after
 * telling clients how soon to reconnect, and a client resuming with {@code Last-Event-ID} misses
 * nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SseMaxDurationHttpTest {
    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dataDir.toString());
        registry.add("runnel.fetch.sse-max-duration", () -> "2s");
    }

    @LocalServerPort
    int port;

    @Test
    void aStreamEndsAfterItsMaxDurationAndResumesWithoutAGap() throws Exception {
        TestHttp http = new TestHttp(port);
        http.createTopic("short-lived", 1);
        http.produce("short-lived", 0, "1", "2");

        List<String> first = readUntilTheServerEnds(http, "/topics/short-lived/partitions/0/records?offset=0", null);
        assertThat(first).as("the stream tells clients when to reconnect").contains("retry:1000");
        assertThat(first).contains("id:0", "id:1");

        http.produce("short-lived", 0, "3");
        List<String> resumed = readUntilTheServerEnds(http, "/topics/short-lived/partitions/0/records", "1");
        assertThat(resumed.stream().filter(l -> l.startsWith("id:")).toList()).containsExactly("id:2");
    }

    /** Reads a stream's lines until the server closes it; fails if that takes far longer than the max duration. */
    private static List<String> readUntilTheServerEnds(TestHttp http, String path, String lastEventId) throws Exception {
        var request = http.request(path).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = http.client().send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> read = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    read.add(line);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return read;
        });
        return lines.get(20, TimeUnit.SECONDS); // max duration 2 s, plus the container's once-a-second timeout check
    }
}
