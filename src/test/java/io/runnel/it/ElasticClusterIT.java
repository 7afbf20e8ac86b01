package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A cluster grows from 3 instances to 5 and shrinks back to 3 while it is written, with real processes.
 *
 * <p>Three instances hold two topics (replication factor 3, {@code min.insync.replicas=2}) and a group's
 * committed offset. Two {@code acks=all} producers, one per topic, write batches of null-key records
 * throughout, each request with its own {@code Idempotency-Key}, retried (on the next instance) after a
 * {@code 503}, a timeout or no answer, as a client would. Two instances with empty data dirs join through
 * one peer each; once {@code /cluster} shows five online instances and five voters, a rebalance gives them
 * replicas. Then, as the Helm scaling hook does, the highest ordinal first and one at a time, each is
 * drained, removed and stopped, until {@code /cluster} shows three instances and three voters. Afterwards:
 * every acknowledged record is read at its offset with its value through each remaining instance, no
 * offset was acknowledged for two records, both topics and the committed offset are there, the cluster
 * id is the one of the start, and every partition is on the three remaining instances with a full ISR.
 * The longest pause between acknowledged writes and the number of retries are printed, not asserted.
 */
class ElasticClusterIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final Duration PRODUCE_TIMEOUT = Duration.ofSeconds(15);
    private static final String TOPIC_CONFIG = "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}";
    private static final Map<String, Integer> TOPICS = Map.of("alpha", 6, "beta", 2);
    private static final List<String> ORIGINAL = List.of("n0", "n1", "n2");
    private static final List<String> ALL = List.of("n0", "n1", "n2", "n3", "n4");

    /**
     * An {@code acks=all} producer of one topic: requests of a few null-key records, each retried with its
     * {@code Idempotency-Key} until it is acknowledged whole, through the instances of {@code via} in turn.
     * A request still unanswered when it is stopped is given up (nothing of it counts as acknowledged).
     */
    private static final class Producer implements AutoCloseable {
        private static final int RECORDS_PER_REQUEST = 4;
        final String topic;
        final AtomicInteger requestsAcknowledged = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicLong longestGapMs = new AtomicLong();
        final List<String> unexpected = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Producer(LocalCluster cluster, String topic, List<String> via, AcknowledgedRecords acked, Duration maxRun) {
            this.topic = topic;
            thread = new Thread(() -> run(cluster, via, acked, System.nanoTime() + maxRun.toNanos()), "producer-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        private boolean running(long deadline) {
            return !stop.get() && System.nanoTime() < deadline;
        }

        private void run(LocalCluster cluster, List<String> via, AcknowledgedRecords acked, long deadline) {
            long lastAck = System.nanoTime();
            int target = 0;
            for (int request = 0; running(deadline); request++) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
                    values.add("{\"t\":\"" + topic + "\",\"r\":" + request + ",\"i\":" + i + "}");
                }
                byte[] body = ("{\"records\":[{\"value\":" + String.join("},{\"value\":", values) + "}]}").getBytes(StandardCharsets.UTF_8);
                String key = topic + "-" + request;
                for (int attempt = 0; running(deadline); attempt++) {
                    if (attempt > 0) {
                        retries.incrementAndGet();
                    }
                    List<String> instances = List.copyOf(via);
                    String instance = instances.get(Math.floorMod(target, instances.size()));
                    try {
                        RunnelProcess node = cluster.node(instance);
                        ProduceAnswer answer = ProduceAnswer.of(node.send(node.jsonPost("/topics/" + topic + "/records", body)
                                .timeout(PRODUCE_TIMEOUT).header("Idempotency-Key", key).build()));
                        List<ProduceResult> results = answer.results();
                        int withOffset = 0;
                        for (int i = 0; i < results.size() && i < values.size(); i++) {
                            if (results.get(i).offset() != null) {
                                acked.add(topic, results.get(i).partition(), results.get(i).offset(), values.get(i));
                                withOffset++;
                            }
                        }
                        if (answer.status() == 200 && withOffset == values.size()) {
                            long now = System.nanoTime();
                            longestGapMs.accumulateAndGet((now - lastAck) / 1_000_000, Math::max);
                            lastAck = now;
                            requestsAcknowledged.incrementAndGet();
                            break;
                        }
                        if (answer.status() != 503) {
                            unexpected.add(key + " through " + instance + ": " + answer.response());
                            break;
                        }
                    } catch (IOException | IllegalStateException e) {
                        // no answer (timed out, refused) or the instance is gone: retry through the next
                    }
                    target++;
                    pause(100);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(PRODUCE_TIMEOUT.toMillis() * 2);
            assertThat(thread.isAlive()).as("producer of %s stopped", topic).isFalse();
        }
    }

    /** A producer's back-off between two attempts, as a client's. */
    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode json(Response r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode view(LocalCluster cluster, String via) throws IOException {
        return json(cluster.node(via).get("/cluster"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }

    /** Instance ids of a {@code /cluster} view with {@code status}, or all of them when it is null. */
    private static List<String> instances(JsonNode view, String status) {
        List<String> ids = new ArrayList<>();
        for (JsonNode i : view.get("instances")) {
            if (status == null || i.get("status").asString().equals(status)) {
                ids.add(i.get("id").asString());
            }
        }
        return ids;
    }

    private static JsonNode instance(JsonNode view, String id) {
        for (JsonNode i : view.get("instances")) {
            if (i.get("id").asString().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no instance " + id + " in " + view);
    }

    private static Response delete(RunnelProcess node, String path) throws IOException {
        return node.send(HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30)).DELETE().build());
    }

    private static long committedOffset(LocalCluster cluster, String via, String group, String topic, int partition)
            throws IOException {
        for (JsonNode o : json(cluster.node(via).get("/groups/" + group)).get("offsets")) {
            if (o.get("topic").asString().equals(topic) && o.get("partition").asInt() == partition) {
                return o.get("committedOffset").asLong();
            }
        }
        return -1;
    }

    /** Waits until every partition of every topic has its replicas within {@code instances} and all of them in its ISR. */
    private static void awaitPlacedWithFullIsr(LocalCluster cluster, List<String> instances) {
        await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
            for (Map.Entry<String, Integer> topic : TOPICS.entrySet()) {
                for (int p = 0; p < topic.getValue(); p++) {
                    JsonNode partition = cluster.partition(topic.getKey(), p, instances);
                    assertThat(strings(partition.get("replicas"))).as("replicas of %s-%d", topic.getKey(), p)
                            .hasSize(3).isSubsetOf(instances);
                    assertThat(strings(partition.get("isr"))).as("ISR of %s-%d", topic.getKey(), p)
                            .containsExactlyInAnyOrderElementsOf(strings(partition.get("replicas")));
                }
            }
        });
    }

    @Test
    void growingFromThreeToFiveAndBackUnderAcksAllLoadLosesNothing() throws Exception {
        try (LocalCluster cluster = LocalCluster.start("elastic", 3, READY)) {
            // --- 1. three instances, two topics, a committed group offset, the cluster id
            await().atMost(SETTLE).ignoreExceptions().untilAsserted(() -> {
                JsonNode view = view(cluster, "n0");
                assertThat(instances(view, "online")).containsExactlyElementsOf(ORIGINAL);
                assertThat(strings(view.get("voters"))).containsExactlyElementsOf(ORIGINAL);
                assertThat(view.get("clusterId").isNull()).isFalse();
            });
            String clusterId = view(cluster, "n0").get("clusterId").asString();
            for (Map.Entry<String, Integer> topic : TOPICS.entrySet()) {
                Response created = cluster.node("n0").createTopic(topic.getKey(), topic.getValue(), TOPIC_CONFIG);
                assertThat(created.status()).as("%s", created).isEqualTo(201);
            }
            awaitPlacedWithFullIsr(cluster, ORIGINAL);
            AcknowledgedRecords acked = new AcknowledgedRecords();
            for (int i = 0; i < 5; i++) {
                String value = "{\"t\":\"alpha\",\"first\":" + i + "}";
                ProduceAnswer answer = cluster.node("n1").produce("alpha", 0, "{\"records\":[{\"value\":" + value + "}]}");
                assertThat(answer.status()).as("%s", answer.response()).isEqualTo(200);
                acked.add("alpha", 0, answer.results().get(0).offset(), value);
            }
            String commit = "{\"offsets\":[{\"topic\":\"alpha\",\"partition\":0,\"offset\":3}]}";
            Response committed = cluster.node("n2").send(HttpRequest.newBuilder(cluster.node("n2").baseUri().resolve("/groups/billing/offsets"))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(commit)).build());
            assertThat(committed.status()).as("%s", committed).isEqualTo(200);

            // --- 2. acks=all producers, through the instances a client knows of
            List<String> via = new CopyOnWriteArrayList<>(ORIGINAL);
            List<Producer> producers = new ArrayList<>();
            for (String topic : TOPICS.keySet()) {
                producers.add(new Producer(cluster, topic, via, acked, Duration.ofMinutes(6)));
            }
            try {
                await().atMost(SETTLE).until(() -> producers.stream().allMatch(p -> p.requestsAcknowledged.get() >= 20));

                // --- 3. grow: two instances with empty data dirs join through one peer each, a rebalance gives them replicas
                cluster.add("n3", "n0", List.of("n1")).awaitReady(READY);
                cluster.add("n4", "n0", List.of("n2")).awaitReady(READY);
                await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                    JsonNode view = view(cluster, "n0");
                    assertThat(instances(view, "online")).containsExactlyElementsOf(ALL);
                    assertThat(strings(view.get("voters"))).containsExactlyInAnyOrderElementsOf(ALL);
                });
                via.addAll(List.of("n3", "n4"));
                Response rebalance = cluster.node("n3").postJson("/cluster/rebalance", "");
                assertThat(rebalance.status()).as("%s", rebalance).isEqualTo(202);
                await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                    JsonNode view = view(cluster, "n0");
                    for (String id : List.of("n3", "n4")) {
                        assertThat(instance(view, id).get("replicas").asInt()).as("replicas of %s", id).isPositive();
                    }
                    assertThat(json(cluster.node("n0").get("/reassignments")).get("reassignments")).isEmpty();
                });
                awaitPlacedWithFullIsr(cluster, ALL);
                int grown = producers.stream().mapToInt(p -> p.requestsAcknowledged.get()).sum();
                await().atMost(SETTLE).until(() -> producers.stream().mapToInt(p -> p.requestsAcknowledged.get()).sum() >= grown + 20);

                // --- 4. shrink as the scaling hook does: the highest ordinal first, one at a time
                for (String leaving : List.of("n4", "n3")) {
                    Response drain = cluster.node("n0").postJson("/cluster/instances/" + leaving + "/drain", "");
                    assertThat(drain.status()).as("drain %s: %s", leaving, drain).isEqualTo(202);
                    await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                        JsonNode i = instance(view(cluster, "n0"), leaving);
                        assertThat(i.get("status").asString()).as("status of %s", leaving).isEqualTo("drained");
                        assertThat(i.get("replicas").asInt()).isZero();
                        assertThat(i.get("leaders").asInt()).isZero();
                    });
                    via.remove(leaving);
                    Response removed = delete(cluster.node("n0"), "/cluster/instances/" + leaving);
                    assertThat(removed.status()).as("remove %s: %s", leaving, removed).isEqualTo(204);
                    assertThat(cluster.stop(leaving, Duration.ofSeconds(60))).as("%s exits by itself after SIGTERM", leaving).isTrue();
                }
                await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                    for (String id : ORIGINAL) {
                        JsonNode view = view(cluster, id);
                        assertThat(instances(view, null)).as("instances seen by %s", id).containsExactlyElementsOf(ORIGINAL);
                        assertThat(instances(view, "online")).as("online instances seen by %s", id).containsExactlyElementsOf(ORIGINAL);
                        assertThat(strings(view.get("voters"))).as("voters seen by %s", id).containsExactlyInAnyOrderElementsOf(ORIGINAL);
                    }
                });
                int shrunk = producers.stream().mapToInt(p -> p.requestsAcknowledged.get()).sum();
                await().atMost(SETTLE).until(() -> producers.stream().mapToInt(p -> p.requestsAcknowledged.get()).sum() >= shrunk + 20);
            } finally {
                for (Producer producer : producers) {
                    producer.close();
                }
            }

            // --- 5. nothing acknowledged lost, nothing acknowledged twice, everything still there
            for (Producer producer : producers) {
                System.out.printf("ElasticClusterIT: %s: %d requests (%d records) acknowledged, %d retries, longest gap between "
                                + "two acknowledged writes %d ms%n", producer.topic, producer.requestsAcknowledged.get(),
                        acked.count(producer.topic), producer.retries.get(), producer.longestGapMs.get());
                assertThat(producer.unexpected).as("answers other than 200 and 503 to %s", producer.topic).isEmpty();
            }
            assertThat(acked.conflicts()).as("offsets acknowledged for two records").isEmpty();
            awaitPlacedWithFullIsr(cluster, ORIGINAL);
            for (String topic : TOPICS.keySet()) {
                acked.assertReadable(cluster, topic, ORIGINAL);
            }
            System.out.printf("ElasticClusterIT: acknowledged records written more than once: %d%n", duplicates(cluster, acked));
            for (String id : ORIGINAL) {
                JsonNode topics = json(cluster.node(id).get("/topics")).get("topics");
                Map<String, Integer> listed = new HashMap<>();
                topics.forEach(t -> listed.put(t.get("name").asString(), t.get("partitions").asInt()));
                assertThat(listed).as("topics seen by %s", id).isEqualTo(TOPICS);
                assertThat(committedOffset(cluster, id, "billing", "alpha", 0)).as("committed offset seen by %s", id).isEqualTo(3);
                assertThat(view(cluster, id).get("clusterId").asString()).as("cluster id seen by %s", id).isEqualTo(clusterId);
            }
            cluster.passed();
        }
    }

    /** How many acknowledged values the logs hold at more than one offset (a retry written again), read through n0. */
    private static int duplicates(LocalCluster cluster, AcknowledgedRecords acked) throws IOException {
        int duplicates = 0;
        for (Map.Entry<String, Integer> topic : TOPICS.entrySet()) {
            for (int p = 0; p < topic.getValue(); p++) {
                Map<String, Integer> seen = new HashMap<>();
                for (FetchedRecord r : cluster.node("n0").fetchAll(topic.getKey(), p, 0, Duration.ofSeconds(60)).records()) {
                    seen.merge(RunnelProcess.compactJson(r.value()), 1, Integer::sum);
                }
                for (String value : acked.of(topic.getKey(), p).values()) {
                    if (seen.getOrDefault(value, 0) > 1) {
                        duplicates++;
                    }
                }
            }
        }
        return duplicates;
    }
}
