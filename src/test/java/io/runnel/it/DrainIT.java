package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Draining an instance with real processes: four instances, a topic of replication factor 3 written
 * before the drain. {@code POST /cluster/instances/n1/drain} moves every replica and leadership of
 * n1 to the others (through the controller's reassignments); {@code GET /cluster} shows it
 * {@code draining}, then {@code drained}; no partition lists it any more; every record is still
 * readable, through every other instance. Un-drained, it is {@code online} again and a rebalance
 * gives it its share of replicas back.
 */
class DrainIT {
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode instance(LocalCluster cluster, String askId, String id) throws IOException {
        JsonNode view = JSON.readTree(cluster.node(askId).get("/cluster").body());
        for (JsonNode i : view.get("instances")) {
            if (i.get("id").asString().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no instance " + id + " in " + view);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }

    private static Response delete(RunnelProcess node, String path) throws IOException {
        return node.send(HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30)).DELETE().build());
    }

    @Test
    void aDrainedInstanceHoldsNothingAndEveryRecordIsStillReadable() throws Exception {
        String topic = "drained";
        int partitions = 6;
        String drained = "n1";
        try (LocalCluster cluster = LocalCluster.start("drain", 4, READY)) {
            assertThat(cluster.node("n0").createTopic(topic, partitions, "\"replicationFactor\":3").status()).isEqualTo(201);
            Map<Integer, List<String>> written = new TreeMap<>();
            for (int p = 0; p < partitions; p++) {
                int partition = p;
                List<String> values = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    String value = "\"p" + p + "-r" + i + "\"";
                    await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
                            cluster.node("n0").produce(topic, partition, "{\"records\":[{\"value\":" + value + "}]}").status() == 200);
                    values.add(value);
                }
                written.put(p, values);
            }
            assertThat(instance(cluster, "n0", drained).get("replicas").asInt()).as("n1 holds replicas before").isPositive();

            Response refusedUnknown = cluster.node("n2").postJson("/cluster/instances/nobody/drain", "");
            assertThat(refusedUnknown.status()).as(refusedUnknown.toString()).isEqualTo(404);
            Response accepted = cluster.node("n2").postJson("/cluster/instances/" + drained + "/drain", "");
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            Response second = cluster.node("n0").postJson("/cluster/instances/n2/drain", "");
            assertThat(second.status()).as("three instances left for replication factor 3: %s", second).isEqualTo(409);

            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() ->
                    assertThat(instance(cluster, "n0", drained).get("status").asString()).isEqualTo("drained"));
            JsonNode n1 = instance(cluster, "n3", drained);
            assertThat(n1.get("replicas").asInt()).isZero();
            assertThat(n1.get("leaders").asInt()).isZero();
            List<String> others = List.of("n0", "n2", "n3");
            for (int p = 0; p < partitions; p++) {
                JsonNode partition = cluster.partition(topic, p, others);
                assertThat(strings(partition.get("replicas"))).as("replicas of %s-%d", topic, p).hasSize(3).doesNotContain(drained);
                assertThat(partition.get("leader").asString()).isNotEqualTo(drained);
            }
            for (String reader : others) {
                for (int p = 0; p < partitions; p++) {
                    List<FetchedRecord> records = cluster.node(reader).fetchAll(topic, p, 0, Duration.ofSeconds(30)).records();
                    assertThat(records).extracting(FetchedRecord::value).as("%s-%d read through %s", topic, p, reader)
                            .containsExactlyElementsOf(written.get(p));
                }
            }

            assertThat(delete(cluster.node("n0"), "/cluster/instances/" + drained + "/drain").status()).isEqualTo(204);
            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() ->
                    assertThat(instance(cluster, "n0", drained).get("status").asString()).isEqualTo("online"));
            Response dryRun = cluster.node("n3").postJson("/cluster/rebalance?dryRun=true", "");
            assertThat(dryRun.status()).as(dryRun.toString()).isEqualTo(200);
            assertThat(JSON.readTree(dryRun.body()).get("moves").size()).as("n1 gets its share back: %s", dryRun).isPositive();
            assertThat(instance(cluster, "n0", drained).get("replicas").asInt()).as("a dry run moves nothing").isZero();
            Response run = cluster.node("n3").postJson("/cluster/rebalance", "");
            assertThat(run.status()).as(run.toString()).isEqualTo(202);
            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                for (String id : cluster.ids()) {
                    assertThat(instance(cluster, "n0", id).get("replicas").asInt()).as("replicas of %s", id).isBetween(4, 5);
                }
            });
            for (int p = 0; p < partitions; p++) {
                List<FetchedRecord> records = cluster.node(drained).fetchAll(topic, p, 0, Duration.ofSeconds(30)).records();
                assertThat(records).extracting(FetchedRecord::value).containsExactlyElementsOf(written.get(p));
            }
            cluster.passed();
        }
    }
}
