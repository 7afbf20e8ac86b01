package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three real instances on loopback form one cluster: the metadata quorum elects a controller,
 * topics spread their leaders evenly, and every instance answers every call by forwarding to the
 * partition's leader or the group coordinator. Then the controller is killed with SIGKILL: a new
 * one is elected, topic administration and groups keep working (members re-join, committed
 * offsets are kept), replicated partitions the dead instance led move to a new leader that serves
 * every acknowledged record, a partition whose only replica it was answers
 * {@code 503 LEADER_NOT_AVAILABLE}, and the restarted instance catches up the metadata it missed,
 * rejoins the in-sync replicas and serves its own partition again.
 */
class ClusterIT {
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

    private RunnelProcess node(String id) {
        return cluster.node(id);
    }

    /** The running instances. */
    private List<RunnelProcess> nodes() {
        return cluster.alive().stream().map(cluster::node).toList();
    }

    private static JsonNode json(Response r) {
        return JSON.readTree(r.body());
    }

    private static JsonNode cluster(RunnelProcess n) throws IOException {
        Response r = n.get("/cluster");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return json(r);
    }

    private static List<String> online(JsonNode cluster) {
        List<String> ids = new ArrayList<>();
        cluster.get("instances").forEach(i -> {
            if (i.get("status").asString().equals("online")) {
                ids.add(i.get("id").asString());
            }
        });
        return ids;
    }

    /**
     * Every expected record becomes readable at its offset. A new leader shows them once its high
     * watermark has caught up, i.e. after the other in-sync replicas' first fetch from it.
     */
    private static void assertReadable(RunnelProcess via, int partition, Map<Long, String> expected) {
        // A read that meets a leadership move (a failover, or leadership back to a returned
        // preferred replica) answers 503 for a moment: retried like any client would.
        await().atMost(SETTLE).ignoreExceptions().untilAsserted(() -> {
            List<FetchedRecord> records = via.fetchAll("orders", partition, 0, Duration.ofSeconds(30)).records();
            assertThat(records.stream().collect(Collectors.toMap(FetchedRecord::offset, r -> JSON.readTree(r.value()))))
                    .containsAllEntriesOf(expected.entrySet().stream()
                            .collect(Collectors.toMap(Map.Entry::getKey, e -> JSON.readTree(e.getValue()))));
        });
    }

    @Test
    void formsForwardsSurvivesTheControllersDeathAndCatchesUp() throws Exception {
        cluster = LocalCluster.start("cluster", 3, READY, "--runnel.topics.auto-create=true",
                "--runnel.storage.retention-check-interval=500ms");

        // --- the cluster forms: one id, one controller, three instances online, seen alike everywhere
        await().atMost(SETTLE).untilAsserted(() -> {
            for (RunnelProcess n : nodes()) {
                JsonNode c = cluster(n);
                assertThat(c.get("controller").isNull()).isFalse();
                assertThat(online(c)).containsExactly("n0", "n1", "n2");
            }
        });
        JsonNode first = cluster(node("n0"));
        for (RunnelProcess n : nodes()) {
            JsonNode c = cluster(n);
            assertThat(c.get("clusterId").asString()).isEqualTo(first.get("clusterId").asString());
            assertThat(c.get("controller").asString()).isEqualTo(first.get("controller").asString());
        }
        String controller = first.get("controller").asString();

        // --- internal calls need the secret and are not in the public API document
        Response internal = node("n1").get("/internal/topics/none/offsets");
        assertThat(internal.status()).as("%s", internal).isEqualTo(401);
        assertThat(internal.text()).contains("\"code\":\"UNAUTHORIZED\"");
        assertThat(node("n1").get("/v3/api-docs").text()).doesNotContain("/internal");

        // --- a topic with 6 partitions spreads its leaders 2/2/2 and its 3 replicas over all
        assertThat(node("n2").createTopic("solo", 3, "\"replicationFactor\":1").status()).isEqualTo(201);
        Response created = node("n1").createTopic("orders", 6, "");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        JsonNode description = json(created);
        assertThat(description.get("replicationFactor").asInt()).isEqualTo(3);
        Map<String, Long> leaders = new TreeMap<>();
        Map<Integer, String> leaderOf = new HashMap<>();
        for (JsonNode p : description.get("partitions")) {
            leaders.merge(p.get("leader").asString(), 1L, Long::sum);
            leaderOf.put(p.get("partition").asInt(), p.get("leader").asString());
            assertThat(p.get("replicas")).hasSize(3);
        }
        assertThat(leaders).containsExactly(Map.entry("n0", 2L), Map.entry("n1", 2L), Map.entry("n2", 2L));
        await().atMost(SETTLE).untilAsserted(() -> {
            for (RunnelProcess n : nodes()) {
                assertThat(json(n.get("/topics/orders")).get("partitions")).hasSize(6);
            }
        });

        // --- a topic created by its first produce gets the same defaults as one created by the admin
        // API: replication factor min(3, live instances), not 1
        ProduceAnswer autoCreated = node("n2").produce("auto-created", null, "{\"records\":[{\"key\":\"k\",\"value\":1}]}");
        assertThat(autoCreated.response().status()).as("%s", autoCreated.response()).isEqualTo(200);
        JsonNode auto = json(node("n0").get("/topics/auto-created"));
        assertThat(auto.get("replicationFactor").asInt()).as("%s", auto).isEqualTo(3);
        assertThat(auto.get("partitions").get(0).get("replicas")).hasSize(3);

        // --- produce through every instance; every record lands at its leader, readable from everywhere
        Map<Integer, Map<Long, String>> written = new HashMap<>();
        for (RunnelProcess n : nodes()) {
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int i = 0; i < 30; i++) {
                body.append(i == 0 ? "" : ",").append("{\"key\":\"k-").append(n.name()).append('-').append(i)
                        .append("\",\"value\":{\"via\":\"").append(n.name()).append("\",\"i\":").append(i).append("}}");
            }
            ProduceAnswer answer = n.produce("orders", null, body.append("]}").toString());
            assertThat(answer.response().status()).as("%s", answer.response()).isEqualTo(200);
            for (int i = 0; i < 30; i++) {
                RunnelProcess.ProduceResult r = answer.results().get(i);
                assertThat(r.offset()).as("record %d via %s: %s", i, n.name(), r).isNotNull();
                written.computeIfAbsent(r.partition(), p -> new HashMap<>())
                        .put(r.offset(), "{\"via\":\"" + n.name() + "\",\"i\":" + i + "}");
            }
        }
        for (RunnelProcess n : nodes()) {
            for (int p = 0; p < 6; p++) {
                Map<Long, String> expected = written.getOrDefault(p, Map.of());
                List<FetchedRecord> records = n.fetchAll("orders", p, 0, Duration.ofSeconds(30)).records();
                assertThat(records).as("partition %d read via %s", p, n.name()).hasSize(expected.size());
                for (FetchedRecord r : records) {
                    assertThat(JSON.readTree(r.value())).isEqualTo(JSON.readTree(expected.get(r.offset())));
                }
            }
        }
        // the leader's own description counts what every instance wrote
        long total = 0;
        for (JsonNode p : json(node("n2").get("/topics/orders")).get("partitions")) {
            total += p.get("highWatermark").asLong();
        }
        assertThat(total).isEqualTo(90);

        // --- a long poll through an instance that does not lead the partition is answered by the leader's append
        int polled = 0;
        String notLeader = cluster.alive().stream().filter(id -> !id.equals(leaderOf.get(0))).findFirst().orElseThrow();
        long end = written.getOrDefault(polled, Map.of()).size();
        java.util.concurrent.CompletableFuture<Response> poll = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return node(notLeader).get("/topics/orders/partitions/0/records?offset=" + end + "&waitMs=20000");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(300);
        assertThat(node("n0").produce("orders", 0, "{\"records\":[{\"value\":\"woken\"}]}").response().status()).isEqualTo(200);
        Response woken = poll.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(woken.status()).as("%s", woken).isEqualTo(200);
        assertThat(woken.text()).contains("\"woken\"");

        // --- Server-Sent Events through an instance that does not lead the partition stream from the leader
        java.net.http.HttpClient sseClient = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<java.util.stream.Stream<String>> stream = sseClient.send(
                HttpRequest.newBuilder(node(notLeader).baseUri().resolve("/topics/orders/partitions/0/records?offset=earliest"))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        try (java.util.stream.Stream<String> lines = stream.body()) {
            List<String> events = lines.filter(l -> l.startsWith("id:") || l.startsWith("data:")).limit(2).toList();
            assertThat(events).hasSize(2);
            assertThat(events.get(0)).isEqualTo("id:0");
            JsonNode record = JSON.readTree(events.get(1).substring("data:".length()));
            assertThat(record.get("offset").asLong()).isZero();
            assertThat(record.get("value")).isEqualTo(JSON.readTree(written.get(0).get(0L)));
        }

        // --- groups: join on one instance, read on another, commit on the third: the controller coordinates
        Response joined = node("n0").postJson("/groups/billing/members", "{\"topics\":[\"orders\"],\"sessionTimeoutMs\":60000,\"autoOffsetReset\":\"earliest\"}");
        assertThat(joined.status()).as("%s", joined).isEqualTo(201);
        String member = json(joined).get("memberId").asString();
        int generation = json(joined).get("generation").asInt();
        assertThat(json(joined).get("assignment")).hasSize(6);
        Response read = node("n1").get("/groups/billing/members/" + member + "/records?limit=1000&waitMs=0");
        assertThat(read.status()).as("%s", read).isEqualTo(200);
        JsonNode records = json(read).get("records");
        assertThat(records.size()).isGreaterThan(0);
        JsonNode firstRecord = records.get(0);
        String commit = "{\"memberId\":\"" + member + "\",\"generation\":" + generation + ",\"offsets\":[{\"topic\":\"orders\","
                + "\"partition\":" + firstRecord.get("partition").asInt() + ",\"offset\":" + (firstRecord.get("offset").asLong() + 1) + "}]}";
        Response committed = node("n2").send(HttpRequest.newBuilder(node("n2").baseUri().resolve("/groups/billing/offsets"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(commit)).build());
        assertThat(committed.status()).as("%s", committed).isEqualTo(200);

        // --- a group member whose position in a partition led elsewhere falls below the log start
        // (retention) reads on from the committed offset or its reset policy, not nothing forever
        assertThat(node("n0").createTopic("trimmed", 3, "\"replicationFactor\":1,\"configs\":{\"segment.bytes\":\"1024\","
                + "\"retention.bytes\":\"1024\"}").status()).isEqualTo(201);
        int trimmed = -1;
        for (JsonNode p : json(node("n0").get("/topics/trimmed")).get("partitions")) {
            if (!p.get("leader").asString().equals(controller)) {
                trimmed = p.get("partition").asInt();
            }
        }
        int trimmedPartition = trimmed;
        assertThat(node("n1").produce("trimmed", trimmedPartition, "{\"records\":[{\"value\":\"first\"}]}").response().status())
                .isEqualTo(200);
        Response trimmerJoined = node("n0").postJson("/groups/trimmer/members",
                "{\"topics\":[\"trimmed\"],\"sessionTimeoutMs\":60000,\"autoOffsetReset\":\"earliest\"}");
        assertThat(trimmerJoined.status()).as("%s", trimmerJoined).isEqualTo(201);
        String trimmer = json(trimmerJoined).get("memberId").asString();
        String trimmerRead = "/groups/trimmer/members/" + trimmer + "/records?limit=1000&waitMs=0";
        JsonNode firstRead = json(node("n1").get(trimmerRead)).get("records");
        assertThat(firstRead).hasSize(1); // the member's position is now 1
        for (int request = 0; request < 5; request++) { // one batch each: segments roll between them, and retention deletes all but the last
            StringBuilder filler = new StringBuilder("{\"records\":[");
            for (int i = 0; i < 20; i++) {
                filler.append(i == 0 ? "" : ",").append("{\"value\":\"filler-").append(i).append("-").append("x".repeat(40)).append("\"}");
            }
            assertThat(node("n2").produce("trimmed", trimmedPartition, filler.append("]}").toString()).response().status()).isEqualTo(200);
        }
        await().atMost(SETTLE).untilAsserted(() -> assertThat(json(node("n0").get("/topics/trimmed/partitions/" + trimmedPartition))
                .get("logStartOffset").asLong()).isGreaterThan(1));
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode resumed = json(node("n2").get(trimmerRead)).get("records");
            assertThat(resumed.size()).as("records after retention passed the position").isGreaterThan(0);
            assertThat(resumed.get(0).get("partition").asInt()).isEqualTo(trimmedPartition);
            assertThat(resumed.get(0).get("value").asString()).startsWith("filler-");
        });

        // --- kill the controller: a new one is elected among the others
        cluster.kill(controller);
        List<String> survivors = cluster.alive();
        await().atMost(SETTLE).untilAsserted(() -> {
            for (String id : survivors) {
                JsonNode c = cluster(node(id));
                assertThat(c.get("controller").isNull()).isFalse();
                assertThat(c.get("controller").asString()).isIn(survivors);
                assertThat(online(c)).doesNotContain(controller).hasSize(2);
            }
        });

        // admin keeps working, with the two live instances
        Response after = node(survivors.get(0)).createTopic("after", 2, "\"replicationFactor\":2");
        assertThat(after.status()).as("%s", after).isEqualTo(201);
        Response tooMany = node(survivors.get(1)).createTopic("too-many", 1, "\"replicationFactor\":3");
        assertThat(tooMany.status()).as("%s", tooMany).isEqualTo(422);

        // a partition whose only replica was the dead instance answers 503 LEADER_NOT_AVAILABLE
        int soloDead = -1;
        for (JsonNode p : json(node(survivors.get(0)).get("/topics/solo")).get("partitions")) {
            if (p.get("leader").asString().equals(controller)) {
                soloDead = p.get("partition").asInt();
            }
        }
        assertThat(soloDead).as("one solo partition per instance").isNotNegative();
        Response unavailable = node(survivors.get(0)).get("/topics/solo/partitions/" + soloDead + "/records");
        assertThat(unavailable.status()).as("%s", unavailable).isEqualTo(503);
        assertThat(unavailable.text()).contains("LEADER_NOT_AVAILABLE");

        // the replicated partitions it led have a new leader, which serves every acknowledged record
        int deadLed = leaderOf.entrySet().stream().filter(e -> e.getValue().equals(controller)).findFirst().orElseThrow().getKey();
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode p = json(node(survivors.get(1)).get("/topics/orders/partitions/" + deadLed));
            assertThat(p.get("leader").asString()).isIn(survivors);
        });
        assertReadable(node(survivors.get(1)), deadLed, written.getOrDefault(deadLed, Map.of()));

        // groups: the old member is unknown to the new controller; it joins again and finds its commit
        await().atMost(SETTLE).untilAsserted(() -> {
            Response stale = node(survivors.get(0)).postJson("/groups/billing/members/" + member + "/heartbeat", "{}");
            assertThat(stale.status()).as("%s", stale).isEqualTo(404);
        });
        Response rejoined = node(survivors.get(1)).postJson("/groups/billing/members", "{\"topics\":[\"orders\"]}");
        assertThat(rejoined.status()).as("%s", rejoined).isEqualTo(201);
        JsonNode group = json(node(survivors.get(0)).get("/groups/billing"));
        Optional<JsonNode> kept = java.util.stream.StreamSupport.stream(group.get("offsets").spliterator(), false)
                .filter(o -> o.get("partition").asInt() == firstRecord.get("partition").asInt()).findFirst();
        assertThat(kept).as("%s", group).isPresent();
        assertThat(kept.get().get("committedOffset").asLong()).isEqualTo(firstRecord.get("offset").asLong() + 1);

        // --- the dead instance comes back on its ports and data: it catches up and serves its partitions again
        RunnelProcess back = cluster.restart(controller, READY);
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode c = cluster(back);
            assertThat(online(c)).containsExactly("n0", "n1", "n2");
            assertThat(back.get("/topics/after").status()).isEqualTo(200);
        });
        // it follows again: back in every ISR of the replicated topic, and its solo partition serves again
        await().atMost(SETTLE).untilAsserted(() -> {
            for (JsonNode p : json(back.get("/topics/orders")).get("partitions")) {
                assertThat(p.get("isr")).as("%s", p).hasSize(3);
            }
        });
        assertThat(back.get("/topics/solo/partitions/" + soloDead + "/records").status()).isEqualTo(200);
        assertReadable(back, deadLed, written.getOrDefault(deadLed, Map.of()));

        cluster.passed();
    }
}
