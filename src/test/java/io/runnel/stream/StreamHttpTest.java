package io.runnel.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.HttpTestClient;
import io.runnel.RunnelApplication;
import io.runnel.topic.Partitioner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Streams on a real single node, over HTTP: the resource's life (create, change, describe, list, pause, resume,
 * delete), its problems (bad expression with its position, unknown member, unknown stream), and what a stream writes:
 * a filter's output byte for byte in input order, re-keying into the partition a producer would pick, routing by
 * content, dead letters, and stopping {@code FAILED} at the failing offset. One node serves every test (each with its
 * own topics), so the class costs one start.
 */
class StreamHttpTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;
    private static ConfigurableApplicationContext app;
    private static HttpTestClient http;

    @BeforeAll
    static void start() {
        app = new SpringApplicationBuilder(RunnelApplication.class)
                .run("--server.port=0", "--runnel.data-dir=" + dataDir, "--runnel.node.id=runnel-0", "--spring.main.banner-mode=off");
        http = new HttpTestClient(((WebServerApplicationContext) app).getWebServer().getPort());
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static void createTopic(HttpTestClient http, String name, int partitions) {
        HttpTestClient.Response r = http.post("/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    static void produce(HttpTestClient http, String topic, String records) {
        HttpTestClient.Response r = http.post("/topics/" + topic + "/records", "{\"records\":[" + records + "]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** Every record of {@code topic}'s partition {@code p}, in offset order. */
    static List<JsonNode> records(HttpTestClient http, String topic, int p) {
        List<JsonNode> all = new ArrayList<>();
        long offset = 0;
        while (true) {
            HttpTestClient.Response r = http.get("/topics/" + topic + "/partitions/" + p + "/records?offset=" + offset + "&limit=1000");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode page = r.json();
            page.path("records").forEach(all::add);
            if (page.path("nextOffset").asLong() >= page.path("highWatermark").asLong()) {
                return all;
            }
            offset = page.path("nextOffset").asLong();
        }
    }

    /** The raw text of each record's value in partition {@code p}, as the fetch answer prints it. */
    static List<String> values(HttpTestClient http, String topic, int p) {
        return records(http, topic, p).stream().map(r -> r.path("value").toString()).toList();
    }

    private static JsonNode stream(String name) {
        HttpTestClient.Response r = http.get("/streams/" + name);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static void assertProblem(HttpTestClient.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("code").asString()).as(r.body()).isEqualTo(code);
    }

    @Test
    void aStreamsLifeCopyPauseResumeAndDelete() {
        createTopic(http, "life-in", 2);
        createTopic(http, "life-out", 1);
        produce(http, "life-in", "{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":2}");

        HttpTestClient.Response created = http.put("/streams/life", "{\"from\":\"life-in\",\"to\":\"life-out\",\"startFrom\":\"earliest\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("name").asString()).isEqualTo("life");
        assertThat(created.json().path("from").asString()).isEqualTo("life-in");
        assertThat(created.json().path("state").asString()).isEqualTo("RUNNING");
        assertThat(http.put("/streams/life", "{\"from\":\"life-in\",\"to\":\"life-out\",\"startFrom\":\"earliest\"}").status())
                .as("the same definition again").isEqualTo(200);

        await().atMost(WAIT).untilAsserted(() -> assertThat(records(http, "life-out", 0)).hasSize(2));
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode s = stream("life");
            assertThat(s.path("partitions").size()).as(s.toString()).isEqualTo(2);
            s.path("partitions").forEach(p -> assertThat(p.path("lag").asLong()).isZero());
        });
        assertThat(http.get("/streams").json().path("streams").get(0).path("name").asString()).isEqualTo("life");
        assertThat(http.get("/connectors").body()).as("streams are not connectors").doesNotContain("life");
        assertProblem(http.get("/connectors/stream.life"), 404, "CONNECTOR_NOT_FOUND");
        assertProblem(http.put("/connectors/stream.x/config", "{\"connector.class\":\"stream\",\"from\":\"a\",\"to\":\"b\"}"), 422,
                "INVALID_CONNECTOR_CONFIG");
        assertProblem(http.put("/connectors/x/config", "{\"connector.class\":\"stream\",\"from\":\"a\",\"to\":\"b\"}"), 422,
                "INVALID_CONNECTOR_CONFIG");

        assertThat(http.put("/streams/life/pause", "").status()).isEqualTo(202);
        assertThat(stream("life").path("state").asString()).isEqualTo("PAUSED");
        produce(http, "life-in", "{\"key\":\"c\",\"value\":3}");
        assertThat(http.put("/streams/life/resume", "").status()).isEqualTo(202);
        await().atMost(WAIT).untilAsserted(() -> assertThat(records(http, "life-out", 0)).hasSize(3));
        assertThat(stream("life").path("state").asString()).isEqualTo("RUNNING");

        assertThat(http.delete("/streams/life").status()).isEqualTo(204);
        assertProblem(http.get("/streams/life"), 404, "STREAM_NOT_FOUND");
        assertProblem(http.delete("/streams/life"), 404, "STREAM_NOT_FOUND");
        assertProblem(http.put("/streams/life/pause", ""), 404, "STREAM_NOT_FOUND");
        assertThat(records(http, "life-out", 0)).as("the output stays").hasSize(3);
        assertThat(http.get("/groups/connect-stream.life").status()).as("the positions are deleted").isEqualTo(404);

        // created again under the same name: a new stream, whose writes are not taken for replays of the old one's
        assertThat(http.put("/streams/life", "{\"from\":\"life-in\",\"to\":\"life-out\",\"startFrom\":\"earliest\"}").status())
                .isEqualTo(201);
        await().atMost(WAIT).untilAsserted(() -> assertThat(records(http, "life-out", 0)).hasSize(6));
    }

    @Test
    void aNewStreamFromLatestStartsAtTheEndAsItIsWhenCreated() {
        createTopic(http, "latest-in", 2);
        createTopic(http, "latest-out", 1);
        produce(http, "latest-in", "{\"key\":\"old\",\"value\":{\"amount\":500}}");
        HttpTestClient.Response created = http.put("/streams/latest", "{\"from\":\"latest-in\",\"to\":\"latest-out\",\"filter\":\"value.amount > 100\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("startFrom").asString()).isEqualTo("latest");
        produce(http, "latest-in", "{\"key\":\"new\",\"value\":{\"amount\":250}},{\"key\":\"small\",\"value\":{\"amount\":30}}");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode s = stream("latest");
            assertThat(s.path("partitions").size()).isEqualTo(2);
            s.path("partitions").forEach(p -> assertThat(p.path("lag").asLong()).as(s.toString()).isZero());
        });
        assertThat(records(http, "latest-out", 0)).extracting(r -> r.path("key").asString()).containsExactly("new");
    }

    @Test
    void badDefinitionsAreProblemsAndStoreNothing() {
        assertProblem(http.put("/streams/bad", "{\"from\":\"x\",\"to\":\"y\",\"colour\":\"red\"}"), 400, "INVALID_REQUEST");
        assertProblem(http.put("/streams/bad", "{\"from\":\"x\",\"to\":\"y\",\"map\":{\"kee\":\"key\"}}"), 400, "INVALID_REQUEST");
        assertProblem(http.put("/streams/bad", "{\"to\":\"y\"}"), 400, "INVALID_REQUEST");
        assertProblem(http.put("/streams/bad", "{\"from\":\"x\",\"to\":\"y\",\"startFrom\":\"now\"}"), 400, "INVALID_REQUEST");
        assertProblem(http.put("/streams/bad", "{\"from\":\"x/y\",\"to\":\"y\"}"), 422, "INVALID_TOPIC_NAME");
        assertProblem(http.put("/streams/bad!", "{\"from\":\"x\",\"to\":\"y\"}"), 400, "INVALID_REQUEST");
        HttpTestClient.Response bad = http.put("/streams/bad", "{\"from\":\"x\",\"to\":\"y\",\"filter\":\"value.amount >\\n  > 100\"}");
        assertProblem(bad, 422, "INVALID_EXPRESSION");
        assertThat(bad.json().path("field").asString()).isEqualTo("filter");
        assertThat(bad.json().path("line").asInt()).as(bad.body()).isEqualTo(2);
        assertThat(bad.json().path("column").asInt()).as(bad.body()).isPositive();
        assertProblem(http.put("/streams/bad", "{\"from\":\"x\",\"to\":\"y\",\"map\":{\"value\":\"value.(\"}}"), 422, "INVALID_EXPRESSION");
        assertProblem(http.get("/streams/bad"), 404, "STREAM_NOT_FOUND");
    }

    @Test
    void aFilterWritesExactlyTheMatchingRecordsByteForByteInInputOrder() {
        createTopic(http, "orders", 1);
        createTopic(http, "big-orders", 1);
        StringBuilder records = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String value = "{\"id\":" + i + ",\"amount\":" + (i % 7 == 0 ? "100.50" : i) + ",\"big\":12345678901234567890,\"s\":\"\\u00e9\\n\"}";
            records.append(i == 0 ? "" : ",").append("{\"key\":\"c").append(i % 5).append("\",\"value\":").append(value).append("}");
            if (i % 7 == 0 || i > 100) {
                expected.add(value);
            }
        }
        produce(http, "orders", records.toString());
        HttpTestClient.Response created = http.put("/streams/big", "{\"from\":\"orders\",\"to\":\"big-orders\",\"filter\":\"value.amount > 100\","
                + "\"startFrom\":\"earliest\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("filter").asString()).isEqualTo("value.amount > 100");

        await().atMost(WAIT).untilAsserted(() -> assertThat(records(http, "big-orders", 0)).hasSize(expected.size()));
        List<JsonNode> written = records(http, "big-orders", 0);
        List<JsonNode> input = records(http, "orders", 0);
        assertThat(written.stream().map(r -> r.path("value").toString()).toList())
                .isEqualTo(expected.stream().map(v -> HttpTestClient.JSON.readTree(v).toString()).toList());
        assertThat(written.get(0).path("key").asString()).isEqualTo("c0");
        assertThat(written.get(0).path("timestamp").asString()).as("the input's timestamp").isEqualTo(input.get(0).path("timestamp").asString());
        assertThat(http.get("/topics/big-orders/partitions/0/records?offset=0&limit=1").body())
                .as("no number lost its digits").contains("12345678901234567890");
    }

    @Test
    void reKeyingPutsEachOutputWhereAProducerOfItsKeyWould() {
        createTopic(http, "rekey-in", 2);
        createTopic(http, "rekey-out", 5);
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            records.append(i == 0 ? "" : ",").append("{\"key\":").append(i).append(",\"value\":{\"customer\":\"cust-").append(i % 13)
                    .append("\",\"n\":").append(i).append("}}");
        }
        produce(http, "rekey-in", records.toString());
        HttpTestClient.Response created = http.put("/streams/rekey", "{\"from\":\"rekey-in\",\"to\":\"rekey-out\",\"startFrom\":\"earliest\","
                + "\"map\":{\"key\":\"value.customer\",\"value\":\"{'n': value.n}\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        await().atMost(WAIT).untilAsserted(() -> {
            int total = 0;
            for (int p = 0; p < 5; p++) {
                total += records(http, "rekey-out", p).size();
            }
            assertThat(total).isEqualTo(100);
        });
        for (int p = 0; p < 5; p++) {
            for (JsonNode r : records(http, "rekey-out", p)) {
                String key = r.path("key").asString();
                assertThat(key).startsWith("cust-");
                assertThat(p).as("partition of key %s", key).isEqualTo(Partitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), 5));
            }
        }
        // a plain produce of the same key lands in the same partition
        HttpTestClient.Response plain = http.post("/topics/rekey-out/records", "{\"records\":[{\"key\":\"cust-3\",\"value\":0}]}");
        int plainPartition = plain.json().path("results").get(0).path("partition").asInt();
        for (int p = 0; p < 5; p++) {
            boolean holdsCust3 = records(http, "rekey-out", p).stream().anyMatch(r -> r.path("key").asString().equals("cust-3")
                    && r.path("value").has("n"));
            assertThat(holdsCust3).as("partition %d", p).isEqualTo(p == plainPartition);
        }
        // input order is kept: within an output partition, the records of one key from one input partition rise in n
        for (int p = 0; p < 5; p++) {
            java.util.Map<String, Integer> lastN = new java.util.HashMap<>();
            for (JsonNode r : records(http, "rekey-out", p)) {
                if (!r.path("value").has("n")) {
                    continue; // the plain produce above
                }
                int n = r.path("value").path("n").asInt();
                String inputPartitionOf = Integer.toString(inputPartition(n));
                String k = r.path("key").asString() + "@" + inputPartitionOf;
                Integer before = lastN.put(k, n);
                assertThat(before == null || before < n).as("order of %s", k).isTrue();
            }
        }
    }

    private static int inputPartition(int n) {
        return Partitioner.partitionForKey(Integer.toString(n).getBytes(StandardCharsets.UTF_8), 2);
    }

    @Test
    void routingByContentWritesIntoSeveralTopics() {
        createTopic(http, "events", 1);
        createTopic(http, "events-eu", 1);
        createTopic(http, "events-us", 1);
        produce(http, "events", "{\"value\":{\"region\":\"eu\",\"n\":1}},{\"value\":{\"region\":\"us\",\"n\":2}},"
                + "{\"value\":{\"region\":\"eu\",\"n\":3}}");
        HttpTestClient.Response created = http.put("/streams/route", "{\"from\":\"events\",\"to\":\"'events-' + value.region\","
                + "\"startFrom\":\"earliest\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(values(http, "events-eu", 0)).containsExactly("{\"region\":\"eu\",\"n\":1}", "{\"region\":\"eu\",\"n\":3}");
            assertThat(values(http, "events-us", 0)).containsExactly("{\"region\":\"us\",\"n\":2}");
        });
    }

    @Test
    void aFailingRecordGoesToTheDeadLetterTopicWithTheErrorInHeaders() {
        createTopic(http, "dlq-in", 1);
        createTopic(http, "dlq-out", 1);
        createTopic(http, "dlq-errors", 1);
        produce(http, "dlq-in", "{\"key\":\"k1\",\"value\":{\"amount\":5}},{\"key\":\"k2\",\"value\":{\"other\":1},\"headers\":{\"h\":\"v\"}},"
                + "{\"key\":\"k3\",\"value\":{\"amount\":7}}");
        HttpTestClient.Response created = http.put("/streams/dlq", "{\"from\":\"dlq-in\",\"to\":\"dlq-out\",\"startFrom\":\"earliest\","
                + "\"map\":{\"value\":\"value.amount * 2\"},\"errors.deadletterqueue.topic.name\":\"dlq-errors\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(values(http, "dlq-out", 0)).containsExactly("10", "14");
            assertThat(records(http, "dlq-errors", 0)).hasSize(1);
        });
        JsonNode dead = records(http, "dlq-errors", 0).get(0);
        assertThat(dead.path("key").asString()).isEqualTo("k2");
        assertThat(dead.path("value").toString()).isEqualTo("{\"other\":1}");
        assertThat(dead.path("headers").path("h").asString()).isEqualTo("v");
        assertThat(dead.path("headers").path("runnel.error.field").asString()).isEqualTo("map.value");
        assertThat(dead.path("headers").path("runnel.error.message").asString()).isNotBlank();
        assertThat(dead.path("headers").path("runnel.error.topic").asString()).isEqualTo("dlq-in");
        assertThat(dead.path("headers").path("runnel.error.partition").asString()).isEqualTo("0");
        assertThat(dead.path("headers").path("runnel.error.offset").asString()).isEqualTo("1");
        assertThat(stream("dlq").path("state").asString()).isEqualTo("RUNNING");
    }

    @Test
    void withoutADeadLetterTopicAFailingRecordStopsTheStreamAtItsOffset() {
        createTopic(http, "fail-in", 1);
        createTopic(http, "fail-out", 1);
        produce(http, "fail-in", "{\"value\":{\"amount\":1}},{\"value\":{\"amount\":2}},{\"value\":{\"nope\":3}},{\"value\":{\"amount\":4}}");
        HttpTestClient.Response created = http.put("/streams/fails", "{\"from\":\"fail-in\",\"to\":\"fail-out\",\"startFrom\":\"earliest\","
                + "\"map\":{\"value\":\"value.amount\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(WAIT).untilAsserted(() -> assertThat(stream("fails").path("state").asString()).isEqualTo("FAILED"));
        JsonNode failed = stream("fails");
        assertThat(failed.path("error").asString()).contains("offset 2").contains("map.value");
        assertThat(failed.path("partitions").get(0).path("position").asLong()).as(failed.toString()).isEqualTo(2);
        assertThat(failed.path("partitions").get(0).path("lag").asLong()).isEqualTo(2);
        assertThat(values(http, "fail-out", 0)).containsExactly("1", "2");

        // fixed definition: a change restarts it from where it stopped
        HttpTestClient.Response fixed = http.put("/streams/fails", "{\"from\":\"fail-in\",\"to\":\"fail-out\",\"startFrom\":\"earliest\","
                + "\"map\":{\"value\":\"has(value.amount) ? value.amount : 0\"}}");
        assertThat(fixed.status()).as(fixed.body()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(values(http, "fail-out", 0)).containsExactly("1", "2", "0", "4"));
        assertThat(stream("fails").path("state").asString()).isEqualTo("RUNNING");
    }
}
