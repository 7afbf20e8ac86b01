package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import io.runnel.log.FlushPolicy;
import io.runnel.log.LogConfig;
import io.runnel.log.LogReadResult;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replication with real processes: three instances, topics with replication factor 3 and
 * {@code min.insync.replicas=2}, {@code acks=all} producers on every instance.
 *
 * <ul>
 *   <li>The leader of a partition is killed with SIGKILL while producers run, then restarted;
 *       {@value #DEFAULT_FAILOVERS} times by default, {@code -Drunnel.failovers=N} (the
 *       {@code soak} profile runs 10). Afterwards every acknowledged record is readable at its
 *       offset with the same value through every instance, no offset holds two different records,
 *       and the three replicas' logs are byte-identical below the high watermark.</li>
 *   <li>A follower restarted with an empty data directory is not elected leader before it has
 *       caught up, and then catches up.</li>
 *   <li>Followers paused with SIGSTOP leave the ISR; with one paused {@code acks=all} goes on, with
 *       two it answers 503 and acknowledges nothing; resumed, all converge.</li>
 *   <li>With {@code runnel.replication.follower-flush=async}, a follower and then the leader killed
 *       with SIGKILL while producers run lose no acknowledged record, and the replicas converge.</li>
 * </ul>
 */
class ReplicationIT {
    static final int DEFAULT_FAILOVERS = 2;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final String[] ARGS = {"--runnel.replication.replica-lag-time-max=3s", "--runnel.replication.ack-timeout=5s"};

    /** An acknowledged record: where it landed and what it holds. */
    record Acked(int partition, long offset, String value) {
    }

    /** Producers on every instance, each retrying a refused request on the next instance. */
    private static final class Producers implements AutoCloseable {
        final Map<String, Acked> acked = new ConcurrentHashMap<>();
        final AtomicInteger refused = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();

        Producers(LocalCluster cluster, String topic, int count) {
            for (int t = 0; t < count; t++) {
                int id = t;
                Thread thread = new Thread(() -> run(cluster, topic, id), "producer-" + t);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void run(LocalCluster cluster, String topic, int id) {
            int target = id;
            for (int seq = 0; !stop.get(); ) {
                StringBuilder body = new StringBuilder("{\"records\":[");
                for (int i = 0; i < 5; i++) {
                    body.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(seq + i).append("\",\"value\":{\"p\":").append(id)
                            .append(",\"s\":").append(seq + i).append("}}");
                }
                body.append("]}");
                List<String> ids = cluster.ids();
                String instance = ids.get(target % ids.size());
                try {
                    ProduceAnswer answer = cluster.node(instance).produce(topic, null, body.toString());
                    List<ProduceResult> results = answer.results();
                    for (int i = 0; i < results.size(); i++) {
                        ProduceResult r = results.get(i);
                        if (r.offset() != null) {
                            String value = "{\"p\":" + id + ",\"s\":" + (seq + i) + "}";
                            Acked previous = acked.put(r.partition() + "@" + r.offset(), new Acked(r.partition(), r.offset(), value));
                            if (previous != null && !previous.value().equals(value)) {
                                throw new AssertionError("offset " + r.partition() + "@" + r.offset() + " acknowledged for "
                                        + previous.value() + " and for " + value);
                            }
                        }
                    }
                    if (answer.response().status() == 200) {
                        seq += 5;
                        continue;
                    }
                    refused.incrementAndGet();
                } catch (IOException | IllegalStateException e) {
                    refused.incrementAndGet();
                }
                target++; // retry the same records on the next instance
                sleep(100);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void createTopic(LocalCluster cluster, String topic, int partitions) throws IOException {
        RunnelProcess.Response r = cluster.node("n0").createTopic(topic, partitions,
                "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
    }

    private static List<String> isr(JsonNode partition) {
        List<String> isr = new ArrayList<>();
        partition.get("isr").forEach(i -> isr.add(i.asString()));
        return isr;
    }

    /**
     * Waits until every partition of {@code topic} has all three replicas in sync and is led by its
     * preferred replica, where preferred-leader election settles it: reads made then do not meet
     * a leadership move under way.
     */
    private static void awaitFullIsr(LocalCluster cluster, String topic, int partitions) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (int p = 0; p < partitions; p++) {
                JsonNode partition = cluster.partition(topic, p, cluster.alive());
                assertThat(isr(partition)).as("ISR of %s-%d", topic, p).hasSize(3);
                assertThat(partition.get("leader").asString()).as("leader of %s-%d", topic, p)
                        .isEqualTo(partition.get("replicas").get(0).asString());
            }
        });
    }

    @Test
    void acknowledgedRecordsSurviveLeaderKillsAndReplicasConverge() throws Exception {
        int failovers = Integer.getInteger("runnel.failovers", DEFAULT_FAILOVERS);
        String topic = "payments";
        int partitions = 3;
        try (LocalCluster cluster = LocalCluster.start("replication", 3, READY, ARGS)) {
            createTopic(cluster, topic, partitions);
            awaitFullIsr(cluster, topic, partitions);
            Producers producers = new Producers(cluster, topic, 3);
            try {
                await().atMost(SETTLE).until(() -> producers.acked.size() > 100);
                for (int round = 0; round < failovers; round++) {
                    JsonNode before = cluster.partition(topic, 0, cluster.alive());
                    String leader = before.get("leader").asString();
                    int epochAcked = producers.acked.size();
                    cluster.kill(leader);
                    List<String> others = cluster.alive();
                    await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                        JsonNode now = cluster.partition(topic, 0, others);
                        assertThat(now.get("leader").asString()).as("a new leader of %s-0 after killing %s", topic, leader)
                                .isNotEqualTo(leader).isIn(others);
                    });
                    await().atMost(SETTLE).until(() -> producers.acked.size() > epochAcked + 100);
                    cluster.restart(leader, READY);
                    awaitFullIsr(cluster, topic, partitions);
                }
            } finally {
                producers.close();
            }
            assertThat(producers.acked).hasSizeGreaterThan(100 * (failovers + 1));

            // a follower restarted on an empty disk is not elected before it has caught up
            JsonNode p0 = cluster.partition(topic, 0, cluster.alive());
            String leader = p0.get("leader").asString();
            String wiped = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
            String third = cluster.ids().stream().filter(id -> !id.equals(leader) && !id.equals(wiped)).findFirst().orElseThrow();
            // The leader is paused while the wiped instance comes back, so the latter cannot copy any
            // data before the leader is found offline: only the third replica may be elected.
            cluster.kill(wiped);
            cluster.signal(leader, "STOP");
            cluster.restartEmpty(wiped, READY);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
                JsonNode now = cluster.partition(topic, 0, List.of(third, wiped));
                assertThat(now.get("leader").asString()).isEqualTo(third);
            });
            // (Once the third leads, the wiped replica copies its log and may rejoin the ISR at once.)
            cluster.signal(leader, "CONT");
            awaitFullIsr(cluster, topic, partitions);

            verify(cluster, topic, partitions, producers.acked);
            cluster.passed();
        }
    }

    @Test
    void pausedFollowersLeaveTheIsrAndAcksAllStopsWhenTooFewRemain() throws Exception {
        String topic = "paused";
        try (LocalCluster cluster = LocalCluster.start("paused", 3, READY, ARGS)) {
            createTopic(cluster, topic, 1);
            awaitFullIsr(cluster, topic, 1);
            Map<String, Acked> acked = new HashMap<>();
            String leader = cluster.partition(topic, 0, cluster.alive()).get("leader").asString();
            List<String> followers = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
            RunnelProcess via = cluster.node(leader);
            produceOk(via, topic, "before", acked);

            cluster.signal(followers.get(0), "STOP");
            await().atMost(SETTLE).untilAsserted(() ->
                    assertThat(isr(cluster.partition(topic, 0, List.of(leader)))).containsExactlyInAnyOrder(leader, followers.get(1)));
            produceOk(via, topic, "one-paused", acked);
            String metrics = via.get("/actuator/prometheus").text();
            assertThat(metrics).containsPattern("runnel_replication_isr_shrinks_total(\\{[^}]*\\})? [1-9]")
                    .containsPattern("runnel_replication_under_replicated_partitions(\\{[^}]*\\})? [1-9]")
                    .contains("runnel_replication_max_follower_lag_records");

            cluster.signal(followers.get(1), "STOP");
            for (int i = 0; i < 3; i++) {
                ProduceAnswer refused = via.produce(topic, null, "{\"records\":[{\"value\":\"two-paused-" + i + "\"}]}");
                assertThat(refused.response().status()).as("%s", refused.response()).isEqualTo(503);
                assertThat(refused.response().text()).containsAnyOf("NOT_ENOUGH_REPLICAS_AFTER_APPEND", "NOT_ENOUGH_REPLICAS");
                assertThat(refused.results()).allSatisfy(r -> assertThat(r.offset()).as("nothing acknowledged").isNull());
            }

            cluster.signal(followers.get(0), "CONT");
            cluster.signal(followers.get(1), "CONT");
            // With both followers paused the leader had no quorum: the ISR changes it proposed meanwhile
            // commit only now, so a full ISR seen at once may be the state from before the pause.
            awaitFullIsr(cluster, topic, 1);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> produceOk(via, topic, "resumed", acked));
            awaitFullIsr(cluster, topic, 1);
            verify(cluster, topic, 1, acked);
            cluster.passed();
        }
    }

    /**
     * {@code runnel.replication.follower-flush=async}: followers count towards {@code acks=all} once
     * they have written a batch, and fsync it in the background. While producers run, a follower is
     * killed with SIGKILL (what it had written but not fsynced is left in the page cache) and
     * restarted on its data; once it is back in the ISR, the leader is killed and restarted. Every
     * acknowledged record is then readable through every instance, and the three logs are
     * byte-identical below the high watermark (a recovered follower log that kept or lost its
     * unsynced tail converged by leader epoch).
     */
    @Test
    void asyncFollowerFlushKeepsAcknowledgedRecordsThroughFollowerAndLeaderKills() throws Exception {
        String topic = "async";
        String[] args = {"--runnel.replication.replica-lag-time-max=3s", "--runnel.replication.ack-timeout=5s",
                "--runnel.replication.follower-flush=async"};
        try (LocalCluster cluster = LocalCluster.start("async-flush", 3, READY, args)) {
            createTopic(cluster, topic, 1);
            awaitFullIsr(cluster, topic, 1);
            Producers producers = new Producers(cluster, topic, 2);
            try {
                await().atMost(SETTLE).until(() -> producers.acked.size() > 30);
                String leader = cluster.partition(topic, 0, cluster.alive()).get("leader").asString();
                String follower = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();

                int beforeFollowerKill = producers.acked.size();
                cluster.kill(follower);
                await().atMost(SETTLE).until(() -> producers.acked.size() > beforeFollowerKill + 30);
                cluster.restart(follower, READY);
                awaitFullIsr(cluster, topic, 1);

                int beforeLeaderKill = producers.acked.size();
                cluster.kill(leader);
                List<String> others = cluster.alive();
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(cluster.partition(topic, 0, others).get("leader").asString()).isIn(others));
                await().atMost(SETTLE).until(() -> producers.acked.size() > beforeLeaderKill + 30);
                cluster.restart(leader, READY);
                awaitFullIsr(cluster, topic, 1);
            } finally {
                producers.close();
            }
            verify(cluster, topic, 1, producers.acked);
            cluster.passed();
        }
    }

    @Test
    void aFailedLeadersUnreplicatedTailIsTruncatedByLeaderEpochWhenItReturns() throws Exception {
        String topic = "diverge";
        try (LocalCluster cluster = LocalCluster.start("diverge", 3, READY, ARGS)) {
            createTopic(cluster, topic, 1);
            awaitFullIsr(cluster, topic, 1);
            Map<String, Acked> acked = new HashMap<>();
            String leader = cluster.partition(topic, 0, cluster.alive()).get("leader").asString();
            List<String> followers = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
            produceOk(cluster.node(leader), topic, "committed", acked);

            // The followers miss records the leader takes with acks=leader; then the leader dies.
            // The pause outlasts the leader's hold on a fetch (runnel.replication.fetch-wait, 500 ms),
            // so no fetch is under way that could still carry a record to a follower.
            followers.forEach(f -> cluster.signal(f, "STOP"));
            Thread.sleep(1500);
            Map<Long, String> onlyOnLeader = new HashMap<>();
            for (String value : List.of("lost-1", "lost-2", "lost-3")) {
                RunnelProcess.Response r = cluster.node(leader).send(cluster.node(leader)
                        .jsonPost("/topics/" + topic + "/records?acks=leader", ("{\"records\":[{\"value\":\"" + value + "\"}]}")
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).build());
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                onlyOnLeader.put(JSON.readTree(r.body()).at("/results/0/offset").asLong(), "\"" + value + "\"");
            }
            // Readers see none of them: written on the leader, not on the in-sync replicas. An offset
            // that exists there but is above the high watermark reads as empty, not out of range.
            long last = java.util.Collections.max(onlyOnLeader.keySet());
            RunnelProcess.Response notYet = cluster.node(leader).get("/topics/" + topic + "/partitions/0/records?offset=" + last);
            assertThat(notYet.status()).as("%s", notYet).isEqualTo(200);
            JsonNode page = JSON.readTree(notYet.body());
            assertThat(page.get("records")).isEmpty();
            assertThat(page.get("nextOffset").asLong()).isEqualTo(last);
            assertThat(page.get("highWatermark").asLong()).isLessThan(last);
            cluster.kill(leader);
            followers.forEach(f -> cluster.signal(f, "CONT"));

            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(cluster.partition(topic, 0, followers).get("leader").asString()).isIn(followers));
            // The new leader's epoch writes other records at the offsets the old leader had used.
            await().atMost(SETTLE).untilAsserted(() -> produceOk(cluster.node(followers.get(0)), topic, "new-1", acked));
            produceOk(cluster.node(followers.get(1)), topic, "new-2", acked);

            cluster.restart(leader, READY);
            awaitFullIsr(cluster, topic, 1);
            // The returned leader truncated (by leader epoch) what the new leader's epoch overwrote.
            Map<Long, String> now = new HashMap<>();
            for (FetchedRecord r : cluster.node(leader).fetchAll(topic, 0, 0, Duration.ofSeconds(30)).records()) {
                now.put(r.offset(), r.value());
            }
            long replaced = onlyOnLeader.entrySet().stream().filter(e -> !e.getValue().equals(now.get(e.getKey()))).count();
            assertThat(replaced).as("offsets %s the old leader had written hold other records now: %s", onlyOnLeader, now)
                    .isEqualTo(onlyOnLeader.size());
            verify(cluster, topic, 1, acked);
            cluster.passed();
        }
    }

    private static void produceOk(RunnelProcess via, String topic, String value, Map<String, Acked> acked) throws IOException {
        ProduceAnswer answer = via.produce(topic, null, "{\"records\":[{\"value\":\"" + value + "\"}]}");
        assertThat(answer.response().status()).as("%s", answer.response()).isEqualTo(200);
        ProduceResult r = answer.results().get(0);
        acked.put(r.partition() + "@" + r.offset(), new Acked(r.partition(), r.offset(), "\"" + value + "\""));
    }

    /**
     * Every acknowledged record at its offset through every instance; then, stopped, the replicas'
     * logs byte-identical below each partition's high watermark.
     */
    private static void verify(LocalCluster cluster, String topic, int partitions, Map<String, Acked> acked) throws IOException {
        Map<Integer, Long> highWatermarks = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            highWatermarks.put(p, cluster.partition(topic, p, cluster.alive()).get("highWatermark").asLong());
        }
        for (String id : cluster.alive()) {
            for (int p = 0; p < partitions; p++) {
                Map<Long, String> read = new HashMap<>();
                for (FetchedRecord r : cluster.node(id).fetchAll(topic, p, 0, Duration.ofSeconds(60)).records()) {
                    read.put(r.offset(), r.value());
                }
                for (Acked a : acked.values()) {
                    if (a.partition() == p) {
                        assertThat(read.get(a.offset())).as("%s-%d@%d via %s", topic, p, a.offset(), id).isNotNull();
                        assertThat(JSON.readTree(read.get(a.offset()))).as("%s-%d@%d via %s", topic, p, a.offset(), id)
                                .isEqualTo(JSON.readTree(a.value()));
                    }
                }
            }
        }
        for (String id : cluster.alive()) {
            cluster.node(id).stop();
        }
        for (int p = 0; p < partitions; p++) {
            List<byte[]> reference = null;
            String referenceId = null;
            for (String id : cluster.ids()) {
                List<byte[]> batches = batchesBelow(cluster.dataDir(id).resolve(topic + "-" + p), highWatermarks.get(p));
                if (reference == null) {
                    reference = batches;
                    referenceId = id;
                    continue;
                }
                assertThat(batches).as("%s-%d on %s and %s", topic, p, id, referenceId).hasSameSizeAs(reference);
                for (int i = 0; i < batches.size(); i++) {
                    assertThat(batches.get(i)).as("batch %d of %s-%d on %s and %s", i, topic, p, id, referenceId)
                            .isEqualTo(reference.get(i));
                }
            }
        }
    }

    /** The stored bytes of every batch that starts below {@code highWatermark}, read from a stopped replica's directory. */
    static List<byte[]> batchesBelow(Path dir, long highWatermark) {
        assertThat(Files.isDirectory(dir)).as("%s exists", dir).isTrue();
        List<byte[]> batches = new ArrayList<>();
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.DEFAULT, FlushPolicy.ALWAYS, Clock.systemUTC())) {
            assertThat(log.durableEnd()).as("%s holds everything below the high watermark", dir).isGreaterThanOrEqualTo(highWatermark);
            long offset = log.logStartOffset();
            while (offset < highWatermark) {
                LogReadResult r = log.readForReplication(offset, 1 << 20);
                for (RecordBatch b : r.batches()) {
                    if (b.baseOffset() >= highWatermark) {
                        break;
                    }
                    ByteBuffer buffer = b.buffer();
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    batches.add(bytes);
                    offset = b.nextOffset();
                }
            }
        }
        return batches;
    }
}
