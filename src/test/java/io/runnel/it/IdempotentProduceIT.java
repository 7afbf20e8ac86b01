package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An {@code Idempotency-Key} retry is safe on any instance and across a failover, with real
 * processes: three instances, a topic of 3 partitions with replication factor 3, {@code acks=all},
 * a request with keyed and null-key records. A is not the leader of partition 0, B is, C is the
 * third instance:
 * <ol>
 *   <li>produce through A; retry through B: the same answer (offsets and timestamps), marked
 *       replayed, and the high watermarks do not move;</li>
 *   <li>the same key with other records through B: {@code 422 IDEMPOTENCY_KEY_REUSED}, nothing
 *       written;</li>
 *   <li>SIGKILL the leader of partition 0; once every partition has a leader among the others,
 *       retry through C: still the same answer, and every record is in the log exactly once.</li>
 * </ol>
 */
class IdempotentProduceIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final String[] ARGS = {"--runnel.replication.replica-lag-time-max=3s", "--runnel.replication.ack-timeout=5s"};
    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 3;
    private static final String KEY = "order-2026-12-07-0001";
    private static final String BODY = "{\"records\":[{\"key\":\"alice\",\"value\":{\"n\":1}},{\"value\":{\"n\":2}},"
            + "{\"key\":\"bob\",\"value\":{\"n\":3}},{\"value\":{\"n\":4}},{\"value\":{\"n\":5}},{\"key\":\"carol\",\"value\":{\"n\":6}}]}";
    private static final int RECORDS = 6;

    @Test
    void aRetryThroughAnyInstanceAndAfterAFailoverWritesNothingTwice() throws Exception {
        try (LocalCluster cluster = LocalCluster.start("idempotent", 3, READY, ARGS)) {
            RunnelProcess.Response created = cluster.node("n0").createTopic(TOPIC, PARTITIONS,
                    "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}");
            assertThat(created.status()).as("%s", created).isEqualTo(201);
            awaitFullIsr(cluster);
            String leader = cluster.partition(TOPIC, 0, cluster.alive()).get("leader").asString();
            List<String> others = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
            String a = others.get(0);
            String b = leader;
            String c = others.get(1);

            ProduceAnswer first = cluster.node(a).produce(TOPIC, null, BODY, KEY);
            assertThat(first.status()).as("first produce through %s: %s", a, first.response()).isEqualTo(200);
            assertThat(first.response().header("Idempotent-Replayed")).isEmpty();
            JsonNode results = JSON.readTree(first.response().body()).get("results");
            // A leader that changed since the answer (a busy machine can make one) shows its high watermark only
            // once its followers fetched again: the records are acknowledged, so it gets there.
            long[] highWatermarks = awaitHighWatermarks(cluster, RECORDS);
            assertThat(sum(highWatermarks)).isEqualTo(RECORDS);

            ProduceAnswer retry = cluster.node(b).produce(TOPIC, null, BODY, KEY);
            assertReplayed(retry, results, "retry through " + b);
            assertThat(awaitHighWatermarks(cluster, RECORDS)).as("high watermarks after the retry through %s", b)
                    .containsExactly(highWatermarks);

            ProduceAnswer reused = cluster.node(b).produce(TOPIC, null, BODY.replace("\"n\":6", "\"n\":7"), KEY);
            assertThat(reused.status()).as("%s", reused.response()).isEqualTo(422);
            assertThat(reused.problemCode()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
            assertThat(awaitHighWatermarks(cluster, RECORDS)).as("high watermarks after the refused reuse").containsExactly(highWatermarks);

            cluster.kill(leader);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (int p = 0; p < PARTITIONS; p++) {
                    JsonNode now = cluster.partition(TOPIC, p, others);
                    assertThat(now.get("leader").asString()).as("leader of %s-%d after killing %s", TOPIC, p, leader).isIn(others);
                }
            });
            // Until the dead replica leaves the ISR, acks=all may answer 503; the retry is safe to repeat.
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertReplayed(cluster.node(c).produce(TOPIC, null, BODY, KEY), results, "retry through " + c + " after the failover"));

            List<String> values = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                List<FetchedRecord> read = cluster.node(c).fetchAll(TOPIC, p, 0, Duration.ofSeconds(30)).records();
                assertThat((long) read.size()).as("records of %s-%d", TOPIC, p).isEqualTo(highWatermarks[p]);
                read.forEach(r -> values.add(JSON.readTree(r.value()).get("n").asString()));
            }
            assertThat(values).as("each record once").containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6");
            cluster.passed();
        }
    }

    private static void assertReplayed(ProduceAnswer answer, JsonNode firstResults, String what) throws IOException {
        assertThat(answer.status()).as("%s: %s", what, answer.response()).isEqualTo(200);
        assertThat(answer.response().header("Idempotent-Replayed")).as(what).contains("true");
        assertThat(JSON.readTree(answer.response().body()).get("results")).as("%s: same offsets and timestamps", what)
                .isEqualTo(firstResults);
    }

    /**
     * The high watermarks once they add up to at least {@code total}; a larger sum (a record written twice) is
     * returned at once, so the caller's comparison fails.
     */
    private static long[] awaitHighWatermarks(LocalCluster cluster, long total) {
        long[][] seen = new long[1][];
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            long[] hw = new long[PARTITIONS];
            List<String> leaders = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                JsonNode partition = cluster.partition(TOPIC, p, cluster.alive());
                hw[p] = partition.get("highWatermark").asLong();
                leaders.add(partition.get("leader").asString());
            }
            seen[0] = hw;
            assertThat(sum(hw)).as("high watermarks %s, leaders %s", java.util.Arrays.toString(hw), leaders)
                    .isGreaterThanOrEqualTo(total);
        });
        return seen[0];
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            total += v;
        }
        return total;
    }

    private static void awaitFullIsr(LocalCluster cluster) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(cluster.partition(TOPIC, p, cluster.alive()).get("isr")).as("ISR of %s-%d", TOPIC, p).hasSize(3);
            }
        });
    }
}
