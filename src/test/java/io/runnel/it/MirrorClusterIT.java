package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchPage;
import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code mirror-source} between two real 3-instance clusters, exactly once while the target instance running the
 * task and the source's partition leader are killed (SIGKILL) mid-copy: the task moves to another target instance
 * and resumes from the copy's tail, the source elects a new leader and the source instance the connector talks to
 * forwards to it. Every source record is then in the copy exactly once, in order: the {@code runnel.mirror.offset}
 * headers of each target partition are exactly 0..n-1.
 */
class MirrorClusterIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final String[] ARGS = {"--runnel.replication.replica-lag-time-max=3s", "--runnel.replication.ack-timeout=5s"};
    private static final int PARTITIONS = 2;

    @Test
    void killingTheTasksInstanceAndTheSourceLeaderCopiesEveryRecordExactlyOnce() throws Exception {
        try (LocalCluster source = LocalCluster.start("mirror-src", 3, READY, ARGS);
             LocalCluster target = LocalCluster.start("mirror-dst", 3, READY, ARGS)) {
            assertThat(source.node("n0").createTopic("orders", PARTITIONS, "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}")
                    .status()).isEqualTo(201);
            await().atMost(SETTLE).untilAsserted(() -> {
                for (int p = 0; p < PARTITIONS; p++) {
                    assertThat(source.partition("orders", p, source.alive()).path("isr").size()).isEqualTo(3);
                }
            });
            String sourceLeader = source.partition("orders", 0, source.alive()).path("leader").asString();
            String sourceEntry = source.ids().stream().filter(id -> !id.equals(sourceLeader)).findFirst().orElseThrow();
            List<String> producers = source.ids().stream().filter(id -> !id.equals(sourceLeader)).toList();
            long produced = produce(source.node(sourceEntry), 0, 2_000);

            String config = JSON.writeValueAsString(java.util.Map.of("connector.class", "mirror-source",
                    "source.url", source.node(sourceEntry).baseUri().toString(), "source.alias", "east", "topics", "orders",
                    "refresh.topics.interval.seconds", "2"));
            Response put = send(target.node("n0"), "PUT", "/connectors/m/config", config);
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            String worker = awaitRunningOn(target, null);
            await().atMost(SETTLE).until(() -> highWatermark(target, "east.orders", 0) > 0);

            // more records, and kill -9 the task's instance while it copies them
            produced = produce(source.node(sourceEntry), produced, 10_000);
            target.kill(worker);
            String moved = awaitRunningOn(target, worker);
            assertThat(moved).isNotEqualTo(worker);

            // kill -9 the source's leader of partition 0 while producing goes on through the others
            produced = produce(source.node(sourceEntry), produced, 4_000);
            source.kill(sourceLeader);
            await().atMost(SETTLE).untilAsserted(() -> assertThat(source.partition("orders", 0, producers).path("leader").asString())
                    .isIn(producers));
            long total = produce(source.node(producers.get(1)), produced, 4_000);

            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                long expected = highWatermarkOn(source, producers, "orders", p);
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(highWatermark(target, "east.orders", partition)).isEqualTo(expected));
                String reader = target.alive().get(0);
                FetchPage copy = target.node(reader).fetchAll("east.orders", p, 0, SETTLE);
                long next = 0;
                for (FetchedRecord r : copy.records()) {
                    long sourceOffset = JSON.readTree(r.headers()).path("runnel.mirror.offset").asLong(-1);
                    assertThat(sourceOffset).as("east.orders-%d at %d", p, r.offset()).isEqualTo(next++);
                }
            }
            assertThat(total).isEqualTo(20_000);
            // Every instance answers with the running task's positions, not only the one it runs on.
            for (String id : target.alive()) {
                await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    JsonNode offsets = JSON.readTree(target.node(id).get("/connectors/m/offsets").body()).path("offsets");
                    assertThat(offsets).as("offsets as %s reports them", id).hasSize(PARTITIONS);
                    for (JsonNode o : offsets) {
                        int p = o.at("/partition/kafka_partition").asInt();
                        assertThat(o.at("/offset/kafka_offset").asLong()).as("next source offset of orders-%d, asked %s", p, id)
                                .isEqualTo(highWatermarkOn(source, producers, "orders", p));
                    }
                });
            }
            source.passed();
            target.passed();
        }
    }

    /** Waits until task 0 of {@code m} runs on an instance other than {@code not}; returns it. */
    private static String awaitRunningOn(LocalCluster cluster, String not) {
        String[] on = new String[1];
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            String ask = cluster.alive().get(0);
            JsonNode status = JSON.readTree(cluster.node(ask).get("/connectors/m/status").body());
            JsonNode task = status.path("tasks").path(0);
            assertThat(task.path("state").asString()).isEqualTo("RUNNING");
            assertThat(task.path("worker_id").asString()).isNotEqualTo(not).isIn(cluster.alive());
            on[0] = task.path("worker_id").asString();
        });
        return on[0];
    }

    /** Produces {@code count} records numbered from {@code first}, 500 per request, alternating partitions; retries a 503. */
    private static long produce(RunnelProcess node, long first, int count) throws IOException {
        for (long from = first; from < first + count; from += 500) {
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (long i = from; i < from + 500; i++) {
                body.append(i == from ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":{\"n\":").append(i).append("}}");
            }
            body.append("]}");
            int partition = (int) ((from / 500) % PARTITIONS);
            String key = "it-" + from;
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).until(() ->
                    node.produce("orders", partition, body.toString(), key).status() == 200);
        }
        return first + count;
    }

    private static Response send(RunnelProcess node, String method, String path, String body) throws IOException {
        return node.send(HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static long highWatermark(LocalCluster cluster, String topic, int partition) {
        return highWatermarkOn(cluster, cluster.alive(), topic, partition);
    }

    private static long highWatermarkOn(LocalCluster cluster, List<String> askable, String topic, int partition) {
        try {
            return cluster.partition(topic, partition, askable).path("highWatermark").asLong();
        } catch (IllegalStateException e) {
            return -1;
        }
    }
}
