package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Partition reassignment with real processes: four instances, a topic with replication factor 3 and
 * {@code min.insync.replicas=2}, written with {@code acks=all} throughout.
 *
 * <ul>
 *   <li>The partition moves from its three replicas to two of them and the fourth instance, its leader
 *       leaving: while the new replica is paused (SIGSTOP) the reassignment is listed as running and a
 *       second request is refused with {@code 409}; resumed, the new replica catches up, the leadership
 *       moves into the target, the old leader is dropped and deletes its copy. Every acknowledged record
 *       is then read at its offset through every instance, no offset was acknowledged for two records,
 *       and the target replicas' logs are byte-identical below the high watermark.</li>
 *   <li>The leader is killed with SIGKILL as soon as the reassignment runs, the new replica still
 *       copying a log of several megabytes: the normal election picks an in-sync replica, the new
 *       replica catches up from it and the reassignment completes, nothing acknowledged lost.</li>
 * </ul>
 */
class ReassignmentIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final String[] ARGS = {"--runnel.replication.replica-lag-time-max=3s", "--runnel.replication.ack-timeout=5s"};

    /** An acknowledged record: where it landed and what it holds. */
    record Acked(long offset, String value) {
    }

    /** One {@code acks=all} producer to partition 0, retrying a refused request on the next instance. */
    private static final class Producer implements AutoCloseable {
        final Map<Long, Acked> acked = new ConcurrentHashMap<>();
        final List<String> conflicts = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        /** Instances not to send to (paused ones, whose calls would only time out). */
        final java.util.Set<String> avoid = ConcurrentHashMap.newKeySet();
        final Thread thread;

        Producer(LocalCluster cluster, String topic, int maxBatches) {
            thread = new Thread(() -> run(cluster, topic, maxBatches), "producer-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        private void run(LocalCluster cluster, String topic, int maxBatches) {
            int target = 0;
            for (int seq = 0, batches = 0; !stop.get() && batches < maxBatches; batches++) {
                StringBuilder body = new StringBuilder("{\"records\":[");
                for (int i = 0; i < 5; i++) {
                    body.append(i == 0 ? "" : ",").append("{\"value\":{\"s\":").append(seq + i).append("}}");
                }
                body.append("]}");
                List<String> alive = cluster.alive().stream().filter(id -> !avoid.contains(id)).toList();
                String instance = alive.get(Math.floorMod(target, alive.size()));
                try {
                    ProduceAnswer answer = cluster.node(instance).produce(topic, 0, body.toString());
                    List<ProduceResult> results = answer.results();
                    for (int i = 0; i < results.size(); i++) {
                        ProduceResult r = results.get(i);
                        if (r.offset() != null) {
                            String value = "{\"s\":" + (seq + i) + "}";
                            Acked previous = acked.put(r.offset(), new Acked(r.offset(), value));
                            if (previous != null && !previous.value().equals(value)) {
                                conflicts.add("offset " + r.offset() + " acknowledged for " + previous.value() + " and " + value);
                            }
                        }
                    }
                    if (answer.response().status() == 200) {
                        seq += 5;
                        continue;
                    }
                } catch (IOException | IllegalStateException e) {
                    // the instance is down or paused: the next one
                }
                target++;
                sleep(100);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }

    /** Creates a one-partition topic (RF 3, min.insync.replicas 2) and waits until its first replica leads a full ISR. */
    private static JsonNode createTopic(LocalCluster cluster, String topic) throws IOException {
        RunnelProcess.Response r = cluster.node("n0").createTopic(topic, 1,
                "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            JsonNode p = cluster.partition(topic, 0, cluster.alive());
            assertThat(strings(p.get("isr"))).hasSize(3);
            assertThat(p.get("leader").asString()).isEqualTo(p.get("replicas").get(0).asString());
        });
        return cluster.partition(topic, 0, cluster.alive());
    }

    /** The replicas minus the leader, then the instance that holds no replica: the leader must hand over. */
    private static List<String> targetWithoutLeader(LocalCluster cluster, JsonNode partition) {
        List<String> replicas = strings(partition.get("replicas"));
        List<String> target = new ArrayList<>(replicas.subList(1, 3));
        target.add(cluster.ids().stream().filter(id -> !replicas.contains(id)).findFirst().orElseThrow());
        return target;
    }

    private static RunnelProcess.Response putReplicas(LocalCluster cluster, String via, String topic, List<String> replicas)
            throws IOException {
        String body = "{\"replicas\":[\"" + String.join("\",\"", replicas) + "\"]}";
        RunnelProcess node = cluster.node(via);
        HttpRequest request = node.jsonPost("/topics/" + topic + "/partitions/0/replicas", body.getBytes(StandardCharsets.UTF_8))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        return node.send(request);
    }

    private static JsonNode reassignments(LocalCluster cluster, String via) throws IOException {
        RunnelProcess.Response r = cluster.node(via).get("/reassignments");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return JSON.readTree(r.body()).get("reassignments");
    }

    /** Waits until the partition is on {@code target} with all of it in sync and no reassignment is listed. */
    private static void awaitMoved(LocalCluster cluster, String topic, List<String> target) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            JsonNode p = cluster.partition(topic, 0, target);
            assertThat(strings(p.get("replicas"))).isEqualTo(target);
            assertThat(strings(p.get("isr"))).containsExactlyInAnyOrderElementsOf(target);
            assertThat(target).contains(p.get("leader").asString());
            assertThat(reassignments(cluster, target.get(0))).isEmpty();
        });
    }

    /**
     * Every acknowledged record at its offset through every live instance, no offset acknowledged twice; then,
     * stopped, the target replicas' logs byte-identical below the high watermark.
     */
    private static void verify(LocalCluster cluster, String topic, Producer producer, List<String> target) throws IOException {
        assertThat(producer.conflicts).as("offsets acknowledged for two records").isEmpty();
        long highWatermark = cluster.partition(topic, 0, target).get("highWatermark").asLong();
        for (String id : cluster.alive()) {
            Map<Long, String> read = new HashMap<>();
            for (FetchedRecord r : cluster.node(id).fetchAll(topic, 0, 0, Duration.ofSeconds(60)).records()) {
                read.put(r.offset(), r.value());
            }
            for (Acked a : producer.acked.values()) {
                assertThat(read.get(a.offset())).as("%s-0@%d via %s", topic, a.offset(), id).isNotNull();
                assertThat(JSON.readTree(read.get(a.offset()))).as("%s-0@%d via %s", topic, a.offset(), id)
                        .isEqualTo(JSON.readTree(a.value()));
            }
        }
        for (String id : cluster.alive()) {
            cluster.node(id).stop();
        }
        List<byte[]> reference = ReplicationIT.batchesBelow(cluster.dataDir(target.get(0)).resolve(topic + "-0"), highWatermark);
        assertThat(reference).isNotEmpty();
        for (String id : target.subList(1, target.size())) {
            List<byte[]> batches = ReplicationIT.batchesBelow(cluster.dataDir(id).resolve(topic + "-0"), highWatermark);
            assertThat(batches).as("%s-0 on %s and %s", topic, id, target.get(0)).hasSameSizeAs(reference);
            for (int i = 0; i < batches.size(); i++) {
                assertThat(batches.get(i)).as("batch %d of %s-0 on %s and %s", i, topic, id, target.get(0)).isEqualTo(reference.get(i));
            }
        }
    }

    @Test
    void aPartitionMovesWhileWrittenAndItsOldLeaderDropsItsCopy() throws Exception {
        String topic = "moving";
        try (LocalCluster cluster = LocalCluster.start("reassign", 4, READY, ARGS)) {
            JsonNode before = createTopic(cluster, topic);
            String oldLeader = before.get("leader").asString();
            List<String> target = targetWithoutLeader(cluster, before);
            String stays = target.get(0);
            String added = target.get(2);
            assertThat(Files.isDirectory(cluster.dataDir(oldLeader).resolve(topic + "-0"))).isTrue();
            assertThat(Files.exists(cluster.dataDir(added).resolve(topic + "-0"))).isFalse();

            Producer producer = new Producer(cluster, topic, 100_000);
            try {
                await().atMost(SETTLE).until(() -> producer.acked.size() > 100);
                // The new replica is paused, so the reassignment cannot complete before it is resumed.
                producer.avoid.add(added);
                cluster.signal(added, "STOP");
                RunnelProcess.Response accepted = putReplicas(cluster, stays, topic, target);
                assertThat(accepted.status()).as("%s", accepted).isEqualTo(202);
                JsonNode answer = JSON.readTree(accepted.body());
                assertThat(strings(answer.get("target"))).isEqualTo(target);
                assertThat(answer.get("state").asString()).isIn("queued", "running");

                await().atMost(SETTLE).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                    JsonNode listed = reassignments(cluster, stays);
                    assertThat(listed).hasSize(1);
                    assertThat(listed.get(0).get("state").asString()).isEqualTo("running");
                    assertThat(strings(listed.get(0).get("adding"))).containsExactly(added);
                    assertThat(strings(listed.get(0).get("removing"))).containsExactly(oldLeader);
                    assertThat(strings(listed.get(0).get("replicas"))).containsExactlyInAnyOrder(oldLeader, stays, target.get(1), added);
                });
                JsonNode inCluster = JSON.readTree(cluster.node(stays).get("/cluster").body()).get("reassignments");
                assertThat(inCluster).as("/cluster lists the reassignment in progress").hasSize(1);
                assertThat(inCluster.get(0).get("topic").asString()).isEqualTo(topic);
                RunnelProcess.Response again = putReplicas(cluster, oldLeader, topic, List.of(oldLeader, stays, target.get(1)));
                assertThat(again.status()).as("%s", again).isEqualTo(409);
                assertThat(again.text()).contains("REASSIGNMENT_IN_PROGRESS");
                int ackedWhilePaused = producer.acked.size();
                await().atMost(SETTLE).until(() -> producer.acked.size() > ackedWhilePaused + 50);

                cluster.signal(added, "CONT");
                producer.avoid.remove(added);
                awaitMoved(cluster, topic, target);
                int ackedWhenMoved = producer.acked.size();
                await().atMost(SETTLE).until(() -> producer.acked.size() > ackedWhenMoved + 50);
            } finally {
                producer.close();
            }
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                    assertThat(Files.exists(cluster.dataDir(oldLeader).resolve(topic + "-0"))).as("the old leader's copy").isFalse());
            verify(cluster, topic, producer, target);
            cluster.passed();
        }
    }

    @Test
    void aReassignmentCompletesAfterItsLeaderIsKilledMidway() throws Exception {
        String topic = "failover";
        try (LocalCluster cluster = LocalCluster.start("reassign-kill", 4, READY, ARGS)) {
            JsonNode before = createTopic(cluster, topic);
            String leader = before.get("leader").asString();
            List<String> target = targetWithoutLeader(cluster, before);
            String added = target.get(2);
            // Several megabytes first, so the new replica needs a while to copy the log.
            String value = "x".repeat(1000);
            StringBuilder big = new StringBuilder("{\"records\":[");
            for (int i = 0; i < 100; i++) {
                big.append(i == 0 ? "" : ",").append("{\"value\":\"").append(value).append("\"}");
            }
            String preload = big.append("]}").toString();
            for (int i = 0; i < 80; i++) {
                ProduceAnswer answer = cluster.node(leader).produce(topic, 0, preload);
                assertThat(answer.response().status()).as("%s", answer.response()).isEqualTo(200);
            }

            Producer producer = new Producer(cluster, topic, 100_000);
            boolean addedInSyncAtKill;
            try {
                await().atMost(SETTLE).until(() -> producer.acked.size() > 50);
                RunnelProcess.Response accepted = putReplicas(cluster, added, topic, target);
                assertThat(accepted.status()).as("%s", accepted).isEqualTo(202);
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                        assertThat(reassignments(cluster, added).get(0).get("state").asString()).isEqualTo("running"));
                addedInSyncAtKill = strings(cluster.partition(topic, 0, List.of(added)).get("isr")).contains(added);
                cluster.kill(leader);

                await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() ->
                        assertThat(cluster.partition(topic, 0, target).get("leader").asString()).isNotEqualTo(leader));
                awaitMoved(cluster, topic, target);
                int ackedWhenMoved = producer.acked.size();
                await().atMost(SETTLE).until(() -> producer.acked.size() > ackedWhenMoved + 50);
            } finally {
                producer.close();
            }
            System.out.printf("ReassignmentIT: %s was %sin the ISR when the leader %s was killed%n", added,
                    addedInSyncAtKill ? "already " : "not yet ", leader);
            verify(cluster, topic, producer, target);
            cluster.passed();
        }
    }
}
