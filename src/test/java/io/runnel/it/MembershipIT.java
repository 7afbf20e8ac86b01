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
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Membership lives in the metadata quorum, not in the peer list. Three instances form a cluster and
 * hold a topic and a group's committed offset; two more start with empty data dirs and a peer list of
 * themselves plus one existing instance: they join (through that one), the voters grow to five one
 * at a time, the cluster id stays, and the topic and offsets are readable through them. One of them,
 * holding no replicas, is removed: the voters go back to three and it is gone from {@code /cluster}
 * for good, although it is still running, and restarted with its old data dir it refuses to start.
 * An instance holding replicas cannot be removed. Finally an
 * original instance restarted with a different peer list starts and keeps its group and data.
 */
class MembershipIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private LocalCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode json(Response r) {
        return JSON.readTree(r.body());
    }

    private JsonNode clusterSeenBy(String id) throws IOException {
        Response r = cluster.node(id).get("/cluster");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return json(r);
    }

    private static List<String> ids(JsonNode view, String status) {
        List<String> ids = new ArrayList<>();
        view.get("instances").forEach(i -> {
            if (status == null || i.get("status").asString().equals(status)) {
                ids.add(i.get("id").asString());
            }
        });
        return ids;
    }

    private static List<String> voters(JsonNode view) {
        return StreamSupport.stream(view.get("voters").spliterator(), false).map(JsonNode::asString).toList();
    }

    private long committedOffset(String via) throws IOException {
        JsonNode group = json(cluster.node(via).get("/groups/billing"));
        for (JsonNode o : group.get("offsets")) {
            if (o.get("topic").asString().equals("orders") && o.get("partition").asInt() == 0) {
                return o.get("committedOffset").asLong();
            }
        }
        return -1;
    }

    private void assertReadable(String via, int records) {
        await().atMost(SETTLE).ignoreExceptions().untilAsserted(() -> {
            List<FetchedRecord> read = cluster.node(via).fetchAll("orders", 0, 0, Duration.ofSeconds(20)).records();
            assertThat(read).hasSize(records);
        });
    }

    @Test
    void instancesJoinThroughAnyPeerLeaveWhenRemovedAndKeepTheirGroupWithAnotherPeerList() throws Exception {
        cluster = LocalCluster.start("membership", 3, READY);
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode view = clusterSeenBy("n0");
            assertThat(ids(view, "online")).containsExactly("n0", "n1", "n2");
            assertThat(view.get("clusterId").isNull()).isFalse();
            assertThat(voters(view)).containsExactly("n0", "n1", "n2");
        });
        String clusterId = clusterSeenBy("n0").get("clusterId").asString();

        // --- a replicated topic with records and a committed group offset
        Response created = cluster.node("n1").createTopic("orders", 1, "\"replicationFactor\":3");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        for (int i = 0; i < 5; i++) {
            assertThat(cluster.node("n2").produce("orders", 0, "{\"records\":[{\"value\":" + i + "}]}").status()).isEqualTo(200);
        }
        String commit = "{\"offsets\":[{\"topic\":\"orders\",\"partition\":0,\"offset\":3}]}";
        Response committed = cluster.node("n0").send(HttpRequest.newBuilder(cluster.node("n0").baseUri().resolve("/groups/billing/offsets"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(commit)).build());
        assertThat(committed.status()).as("%s", committed).isEqualTo(200);

        // --- two new instances, each knowing itself and one existing instance, join
        cluster.add("n3", "n0", List.of("n1")).awaitReady(READY);
        cluster.add("n4", "n0", List.of("n2")).awaitReady(READY);
        await().atMost(SETTLE).untilAsserted(() -> {
            for (String id : List.of("n0", "n3", "n4")) {
                JsonNode view = clusterSeenBy(id);
                assertThat(ids(view, "online")).containsExactly("n0", "n1", "n2", "n3", "n4");
                assertThat(voters(view)).containsExactly("n0", "n1", "n2", "n3", "n4");
                assertThat(view.get("clusterId").asString()).isEqualTo(clusterId);
            }
        });
        assertReadable("n3", 5);
        assertReadable("n4", 5);
        assertThat(committedOffset("n4")).isEqualTo(3);

        // --- an instance holding replicas is not removed; one holding none is, and stays out
        Response refused = cluster.node("n3").send(HttpRequest.newBuilder(cluster.node("n3").baseUri().resolve("/cluster/instances/n0"))
                .DELETE().build());
        assertThat(refused.status()).as("%s", refused).isEqualTo(409);
        assertThat(refused.text()).contains("INSTANCE_NOT_EMPTY");
        Response unknown = cluster.node("n3").send(HttpRequest.newBuilder(cluster.node("n3").baseUri().resolve("/cluster/instances/n9"))
                .DELETE().build());
        assertThat(unknown.status()).as("%s", unknown).isEqualTo(404);
        Response removed = cluster.node("n0").send(HttpRequest.newBuilder(cluster.node("n0").baseUri().resolve("/cluster/instances/n4"))
                .DELETE().build());
        assertThat(removed.status()).as("%s", removed).isEqualTo(204);
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode view = clusterSeenBy("n1");
            assertThat(ids(view, null)).containsExactly("n0", "n1", "n2", "n3");
            assertThat(voters(view)).hasSize(3);
        });
        // still running, n4 heart-beats on, and is refused: it does not come back
        await().during(Duration.ofSeconds(3)).atMost(SETTLE).until(() -> !ids(clusterSeenBy("n1"), null).contains("n4"));
        assertThat(cluster.node("n4").isAlive()).isTrue();
        cluster.kill("n4");

        // --- restarted with its old data dir, the removed instance refuses to start, saying why
        RunnelProcess again = cluster.startAgain("n4");
        await().atMost(SETTLE).until(() -> !again.isAlive());
        assertThat(again.logTail(400)).contains("was removed from the cluster");
        assertThat(ids(clusterSeenBy("n1"), null)).doesNotContain("n4");

        // --- an original instance restarted with another peer list keeps its group and its data
        assertThat(cluster.stop("n2", Duration.ofSeconds(30))).isTrue();
        cluster.restartWithPeers("n2", List.of("n2", "n3"), READY);
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode view = clusterSeenBy("n2");
            assertThat(view.get("clusterId").asString()).isEqualTo(clusterId);
            assertThat(ids(view, "online")).containsExactly("n0", "n1", "n2", "n3");
        });
        assertReadable("n2", 5);
        assertThat(committedOffset("n2")).isEqualTo(3);
        cluster.passed();
    }
}
