package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * Base of the end-to-end scenarios: the application on a random port, driven with
 * {@link java.net.http.HttpClient} as any client would. Every subclass shares the one context and
 * its data directory (see {@link TestDataDirs}), so each names its own topics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class HttpScenarioTest {
    /** {@code runnel.produce.max-request-size} in these scenarios. */
    protected static final int MAX_REQUEST_BYTES = 64 * 1024;
    protected static final String NODE_ID = "runnel-0";
    protected static final Path DATA_DIR = TestDataDirs.create("runnel-http-test-");
    /** The API's one timestamp form: ISO-8601 UTC with milliseconds. */
    protected static final String TIMESTAMP_FORM = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.node.id", () -> NODE_ID);
        registry.add("runnel.produce.max-request-size", () -> MAX_REQUEST_BYTES + "B");
        // Compaction scenarios wait for the cleaner; it touches only compacted topics.
        registry.add("runnel.storage.cleaner-interval", () -> "200ms");
    }

    @LocalServerPort
    protected int port;

    protected HttpTestClient http;

    @BeforeEach
    void connect() {
        http = new HttpTestClient(port);
    }

    /** Creates a topic, asserting 201; returns its description. */
    protected JsonNode createTopic(String name, int partitions) {
        HttpTestClient.Response created = http.post("/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json();
    }

    /** Produces {@code body} to the topic, asserting 200; returns the results array. */
    protected JsonNode produce(String topic, String body) {
        HttpTestClient.Response produced = http.post("/topics/" + topic + "/records", body);
        assertThat(produced.status()).as(produced.body()).isEqualTo(200);
        return produced.json().path("results");
    }

    /** GETs a fetch URL, asserting 200. */
    protected HttpTestClient.Response fetch(String topic, int partition, String query) {
        HttpTestClient.Response fetched = http.get("/topics/" + topic + "/partitions/" + partition + "/records" + query);
        assertThat(fetched.status()).as(fetched.body()).isEqualTo(200);
        return fetched;
    }

    /** Every partition's high watermark, in partition order. */
    protected long[] highWatermarks(String topic) {
        HttpTestClient.Response described = http.get("/topics/" + topic);
        assertThat(described.status()).as(described.body()).isEqualTo(200);
        return StreamSupport.stream(described.json().path("partitions").spliterator(), false)
                .mapToLong(p -> p.path("highWatermark").asLong()).toArray();
    }

    /**
     * The records of a fetch answer, each as member name → that member's JSON text exactly as the
     * server wrote it, so that tests can compare bytes rather than parsed values.
     */
    protected static List<Map<String, String>> rawRecords(String fetchBody) {
        byte[] bytes = fetchBody.getBytes(StandardCharsets.UTF_8);
        List<Map<String, String>> records = new ArrayList<>();
        try (JsonParser p = HttpTestClient.JSON.createParser(bytes)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            String name;
            while ((name = p.nextName()) != null) {
                p.nextToken();
                if (!name.equals("records")) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    Map<String, String> record = new LinkedHashMap<>();
                    String member;
                    while ((member = p.nextName()) != null) {
                        p.nextToken();
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        if (p.currentToken().isStructStart()) {
                            p.skipChildren();
                        } else {
                            p.finishToken();
                        }
                        int end = (int) p.currentLocation().getByteOffset();
                        record.put(member, new String(bytes, start, end - start, StandardCharsets.UTF_8));
                    }
                    records.add(record);
                }
            }
        }
        return records;
    }
}
