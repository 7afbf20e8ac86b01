package io.runnel.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.HttpTestClient;
import io.runnel.TestDataDirs;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Time retention over real HTTP on compacted topics: {@code cleanup.policy=compact} alone keeps
 * every segment whatever {@code retention.ms}, while {@code compact,delete} applies it too. Its own
 * application, whose retention runs every 200 ms.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CompactionRetentionHttpTest {
    private static final int RECORDS = 40;

    /** Not a JUnit {@code @TempDir}: the cached context's cleaner may still write here after the class (see {@link TestDataDirs}). */
    static final Path dataDir = TestDataDirs.create("runnel-compaction-retention-");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dataDir.toString());
        registry.add("runnel.storage.retention-check-interval", () -> "200ms");
        registry.add("runnel.storage.cleaner-interval", () -> "200ms");
    }

    @LocalServerPort
    int port;

    private HttpTestClient http;

    @BeforeEach
    void connect() {
        http = new HttpTestClient(port);
    }

    @Test
    void retentionSkipsCompactOnlyTopicsAndAppliesToCompactDelete() {
        create("compact-only", "compact");
        create("compact-delete", "compact,delete");
        produceDistinctKeys("compact-only");
        produceDistinctKeys("compact-delete");

        // Retention runs over every partition each time: once it cut compact,delete, it has looked at compact too.
        await().atMost(Duration.ofSeconds(30)).until(() -> logStartOffset("compact-delete") > 0);
        assertThat(logStartOffset("compact-only")).isZero();
        HttpTestClient.Response all = http.get("/topics/compact-only/partitions/0/records?offset=0&limit=1000");
        assertThat(all.status()).as(all.body()).isEqualTo(200);
        assertThat(all.json().path("records")).hasSize(RECORDS); // distinct keys: compaction removes none
    }

    private void create(String topic, String policy) {
        HttpTestClient.Response created = http.post("/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"configs\":{"
                + "\"cleanup.policy\":\"" + policy + "\",\"segment.bytes\":\"1024\",\"retention.ms\":\"1\","
                + "\"min.cleanable.dirty.ratio\":\"0.01\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private void produceDistinctKeys(String topic) {
        for (int i = 0; i < RECORDS; i++) {
            HttpTestClient.Response r = http.post("/topics/" + topic + "/records",
                    "{\"records\":[{\"key\":\"key-" + i + "\",\"value\":{\"n\":" + i + ",\"pad\":\"" + "y".repeat(40) + "\"}}]}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }

    private long logStartOffset(String topic) {
        HttpTestClient.Response described = http.get("/topics/" + topic);
        assertThat(described.status()).as(described.body()).isEqualTo(200);
        return described.json().path("partitions").get(0).path("logStartOffset").asLong();
    }
}
