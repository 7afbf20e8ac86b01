package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchPage;
import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import io.runnel.it.RunnelProcess.Response;
import io.runnel.log.BatchBuilder;
import io.runnel.log.RecordBatch;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A compacted topic (replication factor 3, {@code min.insync.replicas=2}) on three real instances
 * whose cleaners run every second:
 *
 * <ul>
 *   <li>updates of a few keys and tombstones, all acknowledged with {@code acks=all}, are compacted
 *       on the leader: a read from offset 0 returns fewer records than were produced, at strictly
 *       increasing offsets, with the latest value of every key;</li>
 *   <li>replicas clean independently: every instance's own {@code runnel_cleaner_bytes_reclaimed}
 *       meter for the partition grows, followers' included;</li>
 *   <li>the leader refuses a forwarded append ({@code /internal/...}, with the cluster secret) whose
 *       batch has fewer records than offsets — only compaction writes such batches — with
 *       {@code 400 INVALID_REQUEST}, and writes nothing;</li>
 *   <li>a follower killed with SIGKILL and restarted on an empty disk refetches the compacted log as
 *       the leader holds it, rejoins the ISR and, made leader by killing the old one (the controller
 *       elects the first in-sync replica in replica order), serves a valid log: strictly increasing
 *       offsets, the latest record of every key (tombstones included, {@code delete.retention.ms} is
 *       a day) at the offset it was acknowledged at, and it takes new {@code acks=all} records.</li>
 * </ul>
 */
class CompactionClusterIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final String[] ARGS = {"--runnel.replication.replica-lag-time-max=3s", "--runnel.replication.ack-timeout=5s",
            "--runnel.storage.cleaner-interval=1s"};
    private static final String TOPIC = "changelog";
    private static final int KEYS = 4;
    private static final int ROUNDS = 30;
    private static final Pattern RECLAIMED = Pattern.compile(
            "^runnel_cleaner_bytes_reclaimed(?:_total)?\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);

    /** The latest acknowledged record of a key: its offset and value (JSON text, {@code null} for a tombstone). */
    record Latest(long offset, String value) {
    }

    @Test
    void replicasCompactIndependentlyAndAFollowerRefetchingACompactedLogEndsValid() throws Exception {
        try (LocalCluster cluster = LocalCluster.start("compaction", 3, READY, ARGS)) {
            Response created = cluster.node("n0").createTopic(TOPIC, 1, "\"replicationFactor\":3,\"configs\":{"
                    + "\"min.insync.replicas\":\"2\",\"cleanup.policy\":\"compact\",\"segment.bytes\":\"1024\","
                    + "\"min.cleanable.dirty.ratio\":\"0.01\",\"min.compaction.lag.ms\":\"0\",\"delete.retention.ms\":\"86400000\"}");
            assertThat(created.status()).as("%s", created).isEqualTo(201);
            awaitFullIsr(cluster);
            JsonNode partition = cluster.partition(TOPIC, 0, cluster.alive());
            String leader = partition.get("leader").asString();
            List<String> replicas = new ArrayList<>();
            partition.get("replicas").forEach(r -> replicas.add(r.asString()));

            // --- updates of a few keys, a tombstone that a later update overrides, and a final tombstone
            Map<String, Latest> latest = new TreeMap<>();
            int produced = 0;
            for (int round = 0; round < ROUNDS; round++) {
                StringBuilder body = new StringBuilder("{\"records\":[");
                for (int k = 0; k < KEYS; k++) {
                    body.append(k == 0 ? "" : ",").append("{\"key\":\"k").append(k).append("\",\"value\":")
                            .append(value(k, round)).append('}');
                }
                produced += produce(cluster.node(leader), body.append("]}").toString(), latest);
                if (round == ROUNDS / 2) {
                    produced += produce(cluster.node(leader), "{\"records\":[{\"key\":\"k2\",\"value\":null}]}", latest);
                }
            }
            produced += produce(cluster.node(leader), "{\"records\":[{\"key\":\"k3\",\"value\":null}]}", latest);
            assertThat(latest.get("\"k3\"").value()).isEqualTo("null");
            int total = produced;

            // --- the leader's log is compacted, and every replica has caught up
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                    .until(() -> readAll(cluster.node(leader)).size() < total / 2);
            awaitFullIsr(cluster);
            assertValid(readAll(cluster.node(leader)), latest, "via " + leader);

            // --- each replica cleans on its own: every instance's meter shows bytes reclaimed
            for (String id : cluster.ids()) {
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertThat(reclaimed(cluster.node(id))).as("bytes compaction reclaimed on %s", id).isPositive());
            }

            // --- the leader refuses a forwarded batch with fewer records than offsets
            refusesSparseForwardedAppend(cluster, leader);

            // --- a follower refetches the compacted log from scratch, then leads
            String wiped = replicas.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
            String third = replicas.stream().filter(id -> !id.equals(leader) && !id.equals(wiped)).findFirst().orElseThrow();
            cluster.kill(wiped);
            cluster.restartEmpty(wiped, READY);
            awaitFullIsr(cluster);
            cluster.kill(leader);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() ->
                    assertThat(cluster.partition(TOPIC, 0, List.of(wiped, third)).get("leader").asString())
                            .as("the leader after killing %s", leader).isEqualTo(wiped));
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                    assertValid(readAll(cluster.node(wiped)), latest, "via " + wiped));
            assertThat(readAll(cluster.node(wiped))).as("the refetched log stays compacted").hasSizeLessThan(total / 2);

            // the new leader goes on taking acks=all records after the compacted range it fetched
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    produce(cluster.node(wiped), "{\"records\":[{\"key\":\"k0\",\"value\":" + value(0, ROUNDS) + "}]}", latest));
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertValid(readAll(cluster.node(wiped)), latest, "via " + wiped);
                assertValid(readAll(cluster.node(third)), latest, "via " + third);
            });
            cluster.passed();
        }
    }

    private static String value(int key, int round) {
        return "{\"key\":" + key + ",\"round\":" + round + ",\"pad\":\"" + "x".repeat(40) + "\"}";
    }

    /**
     * Produces {@code body} with {@code acks=all}, asserts it was acknowledged, and records each
     * record as its key's latest; returns the number of records.
     */
    private static int produce(RunnelProcess via, String body, Map<String, Latest> latest) throws IOException {
        ProduceAnswer answer = via.produce(TOPIC, null, body);
        assertThat(answer.status()).as("%s", answer.response()).isEqualTo(200);
        JsonNode records = JSON.readTree(body).get("records");
        assertThat(answer.results()).hasSize(records.size());
        for (int i = 0; i < records.size(); i++) {
            ProduceResult r = answer.results().get(i);
            assertThat(r.offset()).as("%s", answer.response()).isNotNull();
            latest.put(records.get(i).get("key").toString(), new Latest(r.offset(), records.get(i).get("value").toString()));
        }
        return records.size();
    }

    /** Every record from offset 0 to the high watermark, through {@code via}; offsets may have gaps (compaction). */
    private static List<FetchedRecord> readAll(RunnelProcess via) throws IOException {
        List<FetchedRecord> all = new ArrayList<>();
        long next = 0;
        long highWatermark = -1;
        while (highWatermark < 0 || next < highWatermark) {
            Response r = via.get("/topics/" + TOPIC + "/partitions/0/records?offset=" + next + "&limit=50");
            assertThat(r.status()).as("fetch at %d via %s: %s", next, via, r).isEqualTo(200);
            FetchPage page = FetchPage.parse(r.body());
            if (highWatermark < 0) {
                highWatermark = page.highWatermark();
            }
            all.addAll(page.records());
            if (page.records().isEmpty()) {
                assertThat(page.nextOffset()).as("an empty page below the high watermark %d", highWatermark)
                        .isGreaterThanOrEqualTo(highWatermark);
                break;
            }
            assertThat(page.nextOffset()).isGreaterThan(page.records().get(page.records().size() - 1).offset());
            next = page.nextOffset();
        }
        return all;
    }

    /**
     * Offsets strictly increase; the last record of every key is its latest acknowledged one, at
     * the offset it was acknowledged at; no key appears that was never produced.
     */
    private static void assertValid(List<FetchedRecord> read, Map<String, Latest> latest, String where) {
        for (int i = 1; i < read.size(); i++) {
            assertThat(read.get(i).offset()).as("offsets %s", where).isGreaterThan(read.get(i - 1).offset());
        }
        Map<String, FetchedRecord> last = new TreeMap<>();
        for (FetchedRecord r : read) {
            last.put(JSON.readTree(r.key()).toString(), r);
        }
        assertThat(last.keySet()).as("keys %s", where).isEqualTo(latest.keySet());
        for (Map.Entry<String, Latest> e : latest.entrySet()) {
            FetchedRecord r = last.get(e.getKey());
            assertThat(r.offset()).as("offset of the latest record of %s %s", e.getKey(), where).isEqualTo(e.getValue().offset());
            assertThat(JSON.readTree(r.value())).as("latest value of %s %s", e.getKey(), where)
                    .isEqualTo(JSON.readTree(e.getValue().value()));
        }
    }

    /** The sum of {@code runnel_cleaner_bytes_reclaimed} for the topic on one instance. */
    private static double reclaimed(RunnelProcess instance) throws IOException {
        Response r = instance.get("/actuator/prometheus");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        double sum = 0;
        Matcher m = RECLAIMED.matcher(r.text());
        while (m.find()) {
            if (m.group(1).contains("topic=\"" + TOPIC + "\"")) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /**
     * Posts to the leader, as another instance would forward a produce request, a valid batch
     * that covers two offsets with one record: refused as {@code 400 INVALID_REQUEST}, nothing
     * written.
     */
    private static void refusesSparseForwardedAppend(LocalCluster cluster, String leader) throws IOException {
        JsonNode before = cluster.partition(TOPIC, 0, List.of(leader));
        String from = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        ByteBuffer batch = new BatchBuilder(0, null, 128) // the density check comes before the epoch check
                .add(System.currentTimeMillis(), "\"k0\"".getBytes(StandardCharsets.UTF_8),
                        "{\"sparse\":true}".getBytes(StandardCharsets.UTF_8), null)
                .build().buffer();
        batch.putInt(22, 1); // RecordBatch.LAST_OFFSET_DELTA_OFFSET: the one record spans offsets 0..1
        RecordBatch sparse = new RecordBatch(batch);
        batch.putInt(12, sparse.computeCrc()); // RecordBatch.CRC_OFFSET
        assertThat(sparse.isValid()).isTrue();
        assertThat(sparse.isDense()).isFalse();
        byte[] body = new byte[batch.remaining()];
        batch.duplicate().get(body);

        RunnelProcess via = cluster.node(leader);
        HttpRequest request = HttpRequest.newBuilder(via.baseUri().resolve("/internal/partitions/" + TOPIC + "/0/append?acks=all"))
                .timeout(Duration.ofSeconds(30))
                .header("Runnel-Cluster-Secret", LocalCluster.SECRET)
                .header("Runnel-Forwarded-By", from)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        Response refused = via.send(request);
        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("code").asString()).as("%s", refused).isEqualTo("INVALID_REQUEST");
        assertThat(problem.path("detail").asString()).as("%s", refused).contains("one record per offset");
        assertThat(cluster.partition(TOPIC, 0, List.of(leader)).get("highWatermark").asLong())
                .as("nothing written").isEqualTo(before.get("highWatermark").asLong());
    }

    /** Waits until the partition has all three replicas in sync. */
    private static void awaitFullIsr(LocalCluster cluster) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(cluster.partition(TOPIC, 0, cluster.alive()).get("isr")).as("ISR of %s-0", TOPIC).hasSize(3));
    }
}
