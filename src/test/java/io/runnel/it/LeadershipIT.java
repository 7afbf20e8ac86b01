package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Where leadership goes when an instance stops and comes back, with real processes: three
 * instances, replication factor 3.
 *
 * <ul>
 *   <li>Preferred-leader election: an instance killed with SIGKILL loses its leaderships to the
 *       others; restarted, once it is back in the ISRs, the controller gives each back to it (it is
 *       their first replica).</li>
 *   <li>A paused controller (SIGSTOP, so calls to it hang rather than fail) loses its partitions to
 *       the others, whose new controller must commit its own decisions meanwhile; resumed, it gets
 *       its leaderships back.</li>
 *   <li>Controlled shutdown: the leader of a partition written with {@code acks=all} and
 *       {@code min.insync.replicas=2} is stopped with SIGTERM; it hands the leadership to an
 *       in-sync follower before it exits and drops no follower from the ISR, so writes go on after
 *       a short pause (printed, not asserted); it restarts and rejoins, and every acknowledged
 *       record is there, through every instance.</li>
 *   <li>A rolling restart: each instance in turn stopped with SIGTERM and started again while every
 *       partition is written with {@code acks=all}; writes go on throughout (the longest pause per
 *       partition is printed), nothing acknowledged is lost, and the leaderships end where they
 *       began, at the preferred replicas.</li>
 * </ul>
 */
class LeadershipIT {
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private static List<String> isr(JsonNode partition) {
        List<String> isr = new ArrayList<>();
        partition.get("isr").forEach(i -> isr.add(i.asString()));
        return isr;
    }

    private static void awaitFullIsr(LocalCluster cluster, String topic, int partitions) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            for (int p = 0; p < partitions; p++) {
                assertThat(isr(cluster.partition(topic, p, cluster.alive()))).as("ISR of %s-%d", topic, p).hasSize(3);
            }
        });
    }

    private static Map<Integer, String> leaders(LocalCluster cluster, String topic, int partitions) {
        Map<Integer, String> leaders = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            leaders.put(p, cluster.partition(topic, p, cluster.alive()).get("leader").asString());
        }
        return leaders;
    }

    @Test
    void leadershipsComeBackToARestartedInstanceOnceItIsInSync() throws Exception {
        String topic = "home";
        int partitions = 6;
        try (LocalCluster cluster = LocalCluster.start("preferred", 3, READY)) {
            assertThat(cluster.node("n0").createTopic(topic, partitions, "\"replicationFactor\":3").status()).isEqualTo(201);
            awaitFullIsr(cluster, topic, partitions);
            for (int p = 0; p < partitions; p++) {
                assertThat(cluster.node("n0").produce(topic, p, "{\"records\":[{\"value\":\"before-" + p + "\"}]}").status())
                        .isEqualTo(200);
            }
            Map<Integer, String> preferred = leaders(cluster, topic, partitions);
            String victim = "n1";
            assertThat(preferred).as("each instance leads its share").containsValue(victim);

            cluster.kill(victim);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                    assertThat(leaders(cluster, topic, partitions)).doesNotContainValue(victim));
            for (int p = 0; p < partitions; p++) {
                assertThat(cluster.node("n0").produce(topic, p, "{\"records\":[{\"value\":\"away-" + p + "\"}]}").status())
                        .isEqualTo(200);
            }

            long restartedAt = System.nanoTime();
            cluster.restart(victim, READY);
            awaitFullIsr(cluster, topic, partitions);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                    assertThat(leaders(cluster, topic, partitions)).isEqualTo(preferred));
            System.out.printf("LeadershipIT: %s led its partitions again %d ms after its restart began%n", victim,
                    (System.nanoTime() - restartedAt) / 1_000_000);
            for (int p = 0; p < partitions; p++) {
                List<FetchedRecord> records = cluster.node(victim).fetchAll(topic, p, 0, Duration.ofSeconds(30)).records();
                assertThat(records).extracting(FetchedRecord::value).containsExactly("\"before-" + p + "\"", "\"away-" + p + "\"");
            }
            cluster.passed();
        }
    }

    @Test
    void aPausedControllersPartitionsFailOverAndItsLeadershipsComeBackWhenItResumes() throws Exception {
        String topic = "paused";
        int partitions = 3;
        try (LocalCluster cluster = LocalCluster.start("paused-controller", 3, READY)) {
            assertThat(cluster.node("n0").createTopic(topic, partitions, "\"replicationFactor\":3").status()).isEqualTo(201);
            awaitFullIsr(cluster, topic, partitions);
            String controller = await().atMost(SETTLE).ignoreExceptions().until(() -> cluster.controller("n0").orElse(null),
                    id -> id != null);
            Map<Integer, String> preferred = leaders(cluster, topic, partitions);
            assertThat(preferred).as("the controller leads a partition").containsValue(controller);
            List<String> others = cluster.ids().stream().filter(id -> !id.equals(controller)).toList();

            // Paused, not gone: its connections stay open and calls to it hang instead of failing.
            cluster.signal(controller, "STOP");
            try {
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
                    for (int p = 0; p < partitions; p++) {
                        assertThat(cluster.partition(topic, p, others).get("leader").asString())
                                .as("leader of %s-%d with %s paused", topic, p, controller).isIn(others);
                    }
                });
                for (int p = 0; p < partitions; p++) {
                    assertThat(cluster.node(others.get(0)).produce(topic, p, "{\"records\":[{\"value\":\"while-paused\"}]}")
                            .status()).isEqualTo(200);
                }
            } finally {
                cluster.signal(controller, "CONT");
            }
            awaitFullIsr(cluster, topic, partitions);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                    assertThat(leaders(cluster, topic, partitions)).isEqualTo(preferred));
            cluster.passed();
        }
    }

    /**
     * An {@code acks=all} producer of one partition, retrying each record until it is acknowledged;
     * it writes through one instance and moves to the next when that one fails to answer.
     */
    private static final class Producer implements AutoCloseable {
        final Map<Long, String> acked = new ConcurrentHashMap<>();
        final AtomicLong longestPauseMs = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile long pauseFromNanos;
        final Thread thread;

        Producer(LocalCluster cluster, String topic, int partition, String firstVia) {
            thread = new Thread(() -> run(cluster, topic, partition, firstVia), "producer-" + partition);
            thread.setDaemon(true);
            thread.start();
        }

        private void run(LocalCluster cluster, String topic, int partition, String firstVia) {
            long lastAck = System.nanoTime();
            int via = cluster.ids().indexOf(firstVia);
            for (int seq = 0; !stop.get(); ) {
                String value = "{\"p\":" + partition + ",\"s\":" + seq + "}";
                try {
                    ProduceAnswer answer = cluster.node(cluster.ids().get(via % cluster.ids().size()))
                            .produce(topic, partition, "{\"records\":[{\"value\":" + value + "}]}");
                    if (answer.response().status() == 200) {
                        ProduceResult r = answer.results().get(0);
                        acked.put(r.offset(), value);
                        long now = System.nanoTime();
                        if (lastAck >= pauseFromNanos) {
                            longestPauseMs.accumulateAndGet((now - lastAck) / 1_000_000, Math::max);
                        }
                        lastAck = now;
                        seq++;
                        continue;
                    }
                } catch (IOException | RuntimeException e) {
                    via++; // no answer from this instance: write through the next
                }
                sleep(50);
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

    @Test
    void aLeaderStoppedWithSigtermHandsItsPartitionOverAndNothingAcknowledgedIsLost() throws Exception {
        String topic = "orders";
        try (LocalCluster cluster = LocalCluster.start("controlled", 3, READY)) {
            assertThat(cluster.node("n0").createTopic(topic, 1, "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}")
                    .status()).isEqualTo(201);
            awaitFullIsr(cluster, topic, 1);
            String leader = cluster.partition(topic, 0, cluster.alive()).get("leader").asString();
            List<String> others = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();

            Producer producer = new Producer(cluster, topic, 0, others.get(0));
            try {
                await().atMost(SETTLE).until(() -> producer.acked.size() >= 50);
                int ackedBefore = producer.acked.size();
                producer.pauseFromNanos = System.nanoTime();
                RunnelProcess stopped = cluster.node(leader);
                long stopping = System.nanoTime();
                assertThat(cluster.stop(leader, Duration.ofSeconds(60))).as("%s exits by itself after SIGTERM", leader).isTrue();
                long stopMs = (System.nanoTime() - stopping) / 1_000_000;

                String log = Files.readString(stopped.logFile());
                assertThat(log).as("the leadership was handed over before %s stopped", leader)
                        .contains("Controlled shutdown: handed 1 leaderships over")
                        .as("no follower dropped on the way out").doesNotContain("drop lagging");
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
                    JsonNode after = cluster.partition(topic, 0, others);
                    assertThat(after.get("leader").asString()).as("led by an in-sync follower").isIn(others);
                    assertThat(isr(after)).as("both followers still in sync").containsExactlyInAnyOrderElementsOf(others);
                });
                await().atMost(SETTLE).until(() -> producer.acked.size() >= ackedBefore + 50);
                System.out.printf("LeadershipIT: %s stopped in %d ms; the longest pause between acknowledged writes was %d ms%n",
                        leader, stopMs, producer.longestPauseMs.get());

                cluster.restart(leader, READY);
                awaitFullIsr(cluster, topic, 1);
                int ackedAtRestart = producer.acked.size();
                await().atMost(SETTLE).until(() -> producer.acked.size() >= ackedAtRestart + 20);
            } finally {
                producer.close();
            }

            AcknowledgedRecords.assertReadable(cluster, topic, 0, producer.acked, cluster.alive());
            cluster.passed();
        }
    }

    @Test
    void aRollingRestartWithSigtermKeepsEveryPartitionWritableLosesNothingAndEndsWithPreferredLeaders() throws Exception {
        String topic = "rolling";
        int partitions = 3;
        try (LocalCluster cluster = LocalCluster.start("rolling", 3, READY)) {
            assertThat(cluster.node("n0").createTopic(topic, partitions,
                    "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}").status()).isEqualTo(201);
            awaitFullIsr(cluster, topic, partitions);
            Map<Integer, String> preferred = leaders(cluster, topic, partitions);
            List<Producer> producers = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                producers.add(new Producer(cluster, topic, p, cluster.ids().get(p)));
            }
            try {
                await().atMost(SETTLE).until(() -> producers.stream().allMatch(pr -> pr.acked.size() >= 20));
                producers.forEach(pr -> pr.pauseFromNanos = System.nanoTime());
                for (String id : cluster.ids()) {
                    assertThat(cluster.stop(id, Duration.ofSeconds(60))).as("%s exits by itself after SIGTERM", id).isTrue();
                    cluster.restart(id, READY);
                    awaitFullIsr(cluster, topic, partitions);
                    await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                            assertThat(leaders(cluster, topic, partitions)).isEqualTo(preferred));
                }
                List<Integer> before = producers.stream().map(pr -> pr.acked.size()).toList();
                await().atMost(SETTLE).until(() -> {
                    for (int p = 0; p < partitions; p++) {
                        if (producers.get(p).acked.size() < before.get(p) + 10) {
                            return false;
                        }
                    }
                    return true;
                });
            } finally {
                for (Producer pr : producers) {
                    pr.close();
                }
            }
            for (int p = 0; p < partitions; p++) {
                System.out.printf("LeadershipIT: rolling restart, %s-%d: %d records acknowledged, longest pause %d ms%n", topic, p,
                        producers.get(p).acked.size(), producers.get(p).longestPauseMs.get());
                AcknowledgedRecords.assertReadable(cluster, topic, p, producers.get(p).acked, cluster.alive());
            }
            cluster.passed();
        }
    }
}
