package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code mirror-source} between two real single-node clusters (child processes):
 * <ul>
 *   <li>records with keys, values, headers and timestamps, in two partitions, appear in {@code east.<topic>} on the
 *       target exactly once, in order, in the same partitions, with everything kept;</li>
 *   <li>kill -9 of the target while it copies, and a restart on the same data: still exactly once;</li>
 *   <li>a topic created later on the source that matches {@code topics.regex} is copied too, and so is a partition
 *       added to it;</li>
 *   <li>a source group's committed offsets appear on the target, translated;</li>
 *   <li>the source goes down: the status says so on every partition; it comes back: the copy catches up;</li>
 *   <li>a source with security on refuses a wrong {@code source.api-key} (the task's status says so while it retries)
 *       and is read with the right one, which the target never shows.</li>
 * </ul>
 * Exactly once is checked through {@code runnel.mirror.offset}: on each target partition the source offsets it
 * carries are exactly 0..n-1, in order.
 */
class MirrorIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration COPY = Duration.ofSeconds(90);
    private static final String KEY = "it-mirror-bootstrap-key-0123456789abcdef";

    @Test
    void recordsGoOverExactlyOnceAcrossAKillOfTheTargetAndNewTopicsAndGroupsFollow() throws Exception {
        Path targetData = RunnelProcess.newDataDir("mirror-target");
        Path sourceData = RunnelProcess.newDataDir("mirror-source");
        RunnelProcess source = RunnelProcess.startReady("mirror-source", sourceData, READY);
        try {
            RunnelProcess target = RunnelProcess.startReady("mirror-target", targetData, READY);
            try {
                assertThat(source.createTopic("orders", 2, "\"configs\":{\"retention.ms\":\"86400000\"}").status()).isEqualTo(201);
                List<String> firstBodies = produceRecords(source, null, "orders", 2, 0, 200, 50);
                Response put = putConnector(target, "m", Map.of("connector.class", "mirror-source", "source.url", source.baseUri().toString(),
                        "source.alias", "east", "topics.regex", "orders.*", "refresh.topics.interval.seconds", "1",
                        "groups", "billing", "emit.checkpoints.interval.seconds", "1"), null);
                assertThat(put.status()).as("%s", put).isEqualTo(201);
                awaitCopied(source, target, "orders", 2, null);
                JsonNode copy = JSON.readTree(target.get("/topics/east.orders").body());
                assertThat(copy.path("partitions").size()).isEqualTo(2);
                assertThat(copy.path("configs").path("retention.ms").asString()).isEqualTo("86400000");
                assertThat(firstBodies).isNotEmpty();

                // kill -9 the target while it copies a larger backlog (made while the connector was paused); restart it
                RunnelProcess first = target;
                assertThat(send(first, "PUT", "/connectors/m/pause", "", null).status()).isEqualTo(202);
                await().atMost(COPY).until(() -> JSON.readTree(first.get("/connectors/m/status").body()).path("connector").path("state")
                        .asString().equals("PAUSED"));
                produceRecords(source, null, "orders", 2, 200, 40_000, 4000);
                assertThat(send(first, "PUT", "/connectors/m/resume", "", null).status()).isEqualTo(202);
                await().atMost(COPY).pollInterval(Duration.ofMillis(10)).until(() -> highWatermark(first, "east.orders", 0, null) > 100);
                first.kill();
                produceRecords(source, null, "orders", 2, 40_200, 2_000, 500);
                target = RunnelProcess.startReady("mirror-target", targetData, READY);
                awaitCopied(source, target, "orders", 2, null);

                // a topic created later that matches the regex
                assertThat(source.createTopic("orders-late", 1, "").status()).isEqualTo(201);
                produceRecords(source, null, "orders-late", 1, 0, 100, 100);
                awaitCopied(source, target, "orders-late", 1, null);

                // the source topic grows: so does its copy, and the new partition is copied
                assertThat(send(source, "PATCH", "/topics/orders-late", "{\"partitions\":2}", null).status()).isEqualTo(200);
                produceRecords(source, null, "orders-late", 2, 100, 100, 100);
                awaitCopied(source, target, "orders-late", 2, null);

                // group offsets translate: commit on the source, see the translated offsets on the target
                Response committed = send(source, "PUT", "/groups/billing/offsets",
                        "{\"offsets\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":42},{\"topic\":\"orders\",\"partition\":1,\"offset\":5000}]}", null);
                assertThat(committed.status()).as("%s", committed).isEqualTo(200);
                long expected0 = targetOffsetOf(target, "east.orders", 0, 42);
                long expected1 = targetOffsetOf(target, "east.orders", 1, 5000);
                RunnelProcess t = target;
                await().atMost(COPY).untilAsserted(() -> {
                    Response g = t.get("/groups/billing");
                    assertThat(g.status()).as("%s", g).isEqualTo(200);
                    Map<String, Long> offsets = new TreeMap<>();
                    JSON.readTree(g.body()).path("offsets").forEach(o -> offsets.put(o.path("topic").asString() + "-" + o.path("partition").asInt(),
                            o.path("committedOffset").asLong()));
                    assertThat(offsets).containsEntry("east.orders-0", expected0).containsEntry("east.orders-1", expected1);
                });

                JsonNode status = JSON.readTree(target.get("/connectors/m/status").body());
                assertThat(status.path("type").asString()).isEqualTo("source");
                await().atMost(COPY).untilAsserted(() -> {
                    JsonNode s = JSON.readTree(t.get("/connectors/m/status").body());
                    assertThat(s.path("partitions").size()).isEqualTo(4);
                    s.path("partitions").forEach(p -> assertThat(p.path("lag").asLong(-1)).as("%s", p).isZero());
                });
                JsonNode offsets = JSON.readTree(target.get("/connectors/m/offsets").body()).path("offsets");
                assertThat(offsets.size()).isEqualTo(4);

                // the source goes down: the status says so; it comes back on the same address: the copy catches up
                int sourcePort = source.port();
                source.kill();
                await().atMost(COPY).untilAsserted(() -> {
                    JsonNode s = JSON.readTree(t.get("/connectors/m/status").body());
                    s.path("partitions").forEach(p -> assertThat(p.path("error").asString("")).as("%s", p).startsWith("source unreachable"));
                });
                source = RunnelProcess.startReady(RunnelProcess.Launch.of("mirror-source", sourceData).withPort(sourcePort), READY);
                produceRecords(source, null, "orders", 2, 42_200, 1_000, 500);
                awaitCopied(source, target, "orders", 2, null);
                await().atMost(COPY).untilAsserted(() -> {
                    JsonNode s = JSON.readTree(t.get("/connectors/m/status").body());
                    s.path("partitions").forEach(p -> assertThat(p.has("error")).as("%s", p).isFalse());
                });
            } finally {
                target.close();
            }
        } finally {
            source.close();
        }
    }

    @Test
    void aSourceWithSecurityOnIsReadWithTheApiKey() throws Exception {
        String admin = "Bearer " + KEY;
        try (RunnelProcess source = RunnelProcess.startReady("mirror-secure-source", RunnelProcess.newDataDir("mirror-secure-source"), READY,
                "--runnel.security.enabled=true", "--runnel.security.bootstrap-key=" + KEY);
             RunnelProcess target = RunnelProcess.startReady("mirror-secure-target", RunnelProcess.newDataDir("mirror-secure-target"), READY)) {
            assertThat(send(source, "POST", "/topics", "{\"name\":\"payments\",\"partitions\":1}", admin).status()).isEqualTo(201);
            assertThat(source.get("/topics").status()).isEqualTo(401);
            produceRecords(source, admin, "payments", 1, 0, 300, 100);
            Map<String, String> config = new TreeMap<>(Map.of("connector.class", "mirror-source", "source.url", source.baseUri().toString(),
                    "source.alias", "vault", "topics", "payments", "source.api-key", "not-the-key", "refresh.topics.interval.seconds", "1"));
            assertThat(putConnector(target, "secure", config, null).status()).isEqualTo(201);
            await().atMost(COPY).untilAsserted(() -> assertThat(JSON.readTree(target.get("/connectors/secure/status").body())
                    .path("tasks").path(0).path("error").asString("")).contains("401").contains("retrying"));
            config.put("source.api-key", KEY);
            Response put = putConnector(target, "secure", config, null);
            assertThat(put.status()).as("%s", put).isEqualTo(200);
            assertThat(put.text()).doesNotContain(KEY);
            assertThat(target.get("/connectors/secure").text()).doesNotContain(KEY).contains("********");
            awaitCopied(source, target, "payments", 1, admin, "vault");
        }
    }

    // ---- helpers

    private static Response putConnector(RunnelProcess node, String name, Map<String, String> config, String auth) throws IOException {
        return send(node, "PUT", "/connectors/" + name + "/config", JSON.writeValueAsString(config), auth);
    }

    private static Response send(RunnelProcess node, String method, String path, String body, String auth) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            request.header("Authorization", auth);
        }
        return node.send(request.build());
    }

    private static Response get(RunnelProcess node, String path, String auth) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30)).GET();
        if (auth != null) {
            request.header("Authorization", auth);
        }
        return node.send(request.build());
    }

    /**
     * Produces {@code count} records numbered from {@code first}, spread over the partitions, {@code batch} per request:
     * a key, a 100-byte-ish value with a decimal that must keep its text, a header and a timestamp each.
     */
    private static List<String> produceRecords(RunnelProcess node, String auth, String topic, int partitions, int first, int count, int batch)
            throws IOException {
        List<String> bodies = new ArrayList<>();
        for (int from = first; from < first + count; from += batch) {
            for (int p = 0; p < partitions; p++) {
                StringBuilder body = new StringBuilder("{\"records\":[");
                int n = 0;
                for (int i = from; i < Math.min(first + count, from + batch); i++) {
                    if (i % partitions != p) {
                        continue;
                    }
                    body.append(n++ == 0 ? "" : ",").append("{\"key\":\"k-").append(i).append("\",\"value\":{\"n\":").append(i)
                            .append(",\"amount\":12.50,\"pad\":\"").append("x".repeat(60)).append("\"},\"headers\":{\"seq\":\"").append(i)
                            .append("\"},\"timestamp\":\"").append(Instant.ofEpochMilli(1_790_000_000_000L + i)).append("\"}");
                }
                if (n == 0) {
                    continue;
                }
                body.append("]}");
                Response r = send(node, "POST", "/topics/" + topic + "/partitions/" + p + "/records?acks=all", body.toString(), auth);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                bodies.add(body.toString());
            }
        }
        return bodies;
    }

    private static long highWatermark(RunnelProcess node, String topic, int partition, String auth) throws IOException {
        Response r = get(node, "/topics/" + topic + "/partitions/" + partition, auth);
        return r.status() == 200 ? JSON.readTree(r.body()).path("highWatermark").asLong() : -1;
    }

    private static void awaitCopied(RunnelProcess source, RunnelProcess target, String topic, int partitions, String auth) {
        awaitCopied(source, target, topic, partitions, auth, "east");
    }

    /** Waits until every source partition is in its copy, then checks the copy record by record. */
    private static void awaitCopied(RunnelProcess source, RunnelProcess target, String topic, int partitions, String auth, String alias) {
        String copy = alias + "." + topic;
        await().atMost(COPY).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (int p = 0; p < partitions; p++) {
                assertThat(highWatermark(target, copy, p, null)).as("%s-%d", copy, p).isEqualTo(highWatermark(source, topic, p, auth));
            }
        });
        for (int p = 0; p < partitions; p++) {
            try {
                List<FetchedRecord> from = fetchAll(source, topic, p, auth);
                List<FetchedRecord> to = fetchAll(target, copy, p, null);
                assertThat(to).hasSameSizeAs(from);
                for (int i = 0; i < from.size(); i++) {
                    FetchedRecord s = from.get(i);
                    FetchedRecord t = to.get(i);
                    assertThat(t.key()).isEqualTo(s.key());
                    assertThat(t.value()).isEqualTo(s.value());
                    assertThat(t.timestamp()).isEqualTo(s.timestamp());
                    Map<String, String> headers = headers(t.headers());
                    assertThat(headers.remove("runnel.mirror.offset")).as("%s-%d at %d", copy, p, t.offset()).isEqualTo(Long.toString(s.offset()));
                    assertThat(headers.remove("runnel.mirror.source")).isEqualTo(alias);
                    assertThat(headers.remove("runnel.mirror.clusters")).isNotBlank();
                    assertThat(headers).isEqualTo(headers(s.headers()));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static List<FetchedRecord> fetchAll(RunnelProcess node, String topic, int partition, String auth) throws IOException {
        List<FetchedRecord> all = new ArrayList<>();
        long next = 0;
        long end = highWatermark(node, topic, partition, auth);
        while (next < end) {
            Response r = get(node, "/topics/" + topic + "/partitions/" + partition + "/records?offset=" + next + "&limit=10000", auth);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            RunnelProcess.FetchPage page = RunnelProcess.FetchPage.parse(r.body());
            all.addAll(page.records());
            next = page.nextOffset();
        }
        return all;
    }

    private static Map<String, String> headers(String json) {
        Map<String, String> headers = new TreeMap<>();
        JSON.readTree(json.getBytes(StandardCharsets.UTF_8)).properties().forEach(e -> headers.put(e.getKey(), e.getValue().asString()));
        return headers;
    }

    /** The target offset of the first record of the copy carrying a source offset ≥ {@code s}. */
    private static long targetOffsetOf(RunnelProcess target, String topic, int partition, long s) throws IOException {
        for (FetchedRecord r : fetchAll(target, topic, partition, null)) {
            if (Long.parseLong(headers(r.headers()).get("runnel.mirror.offset")) >= s) {
                return r.offset();
            }
        }
        return highWatermark(target, topic, partition, null);
    }
}
