package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Committed group offsets survive {@code kill -9}: every commit the server acknowledged is there
 * after a restart on the same data, the group resumes from it, and nothing below it is delivered
 * again while nothing at or above it is skipped. Runs the packaged jar as a child process.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GroupOffsetsCrashIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 400;

    @Test
    void acknowledgedCommitsSurviveSigkillAndTheGroupResumesFromThem() throws IOException {
        Path data = RunnelProcess.newDataDir("group-offsets-crash");
        Map<Integer, Long> acknowledged = new HashMap<>();
        try (RunnelProcess node = RunnelProcess.startReady("group-offsets-1", data, READY)) {
            assertThat(node.createTopic("events", PARTITIONS, "").status()).isEqualTo(201);
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int i = 0; i < RECORDS; i++) {
                body.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":").append(i).append('}');
            }
            assertThat(node.produce("events", null, body.append("]}").toString()).status()).isEqualTo(200);

            JsonNode member = json(node.postJson("/groups/g/members",
                    "{\"topics\":[\"events\"],\"autoOffsetReset\":\"earliest\",\"sessionTimeoutMs\":30000}"));
            String memberId = member.path("memberId").asString();
            int generation = member.path("generation").asInt();
            // Read everything once, then commit a different point in each partition, each commit acknowledged.
            JsonNode read = json(node.get("/groups/g/members/" + memberId + "/records?limit=10000"));
            assertThat(read.path("records").size()).isEqualTo(RECORDS);
            for (int p = 0; p < PARTITIONS; p++) {
                long hw = json(node.get("/topics/events/partitions/" + p)).path("highWatermark").asLong();
                long commit = hw * (p + 1) / (PARTITIONS + 1);
                RunnelProcess.Response answer = node.send(java.net.http.HttpRequest.newBuilder(node.baseUri().resolve("/groups/g/offsets"))
                        .header("Content-Type", "application/json")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"memberId\":\"" + memberId + "\",\"generation\":"
                                + generation + ",\"offsets\":[{\"topic\":\"events\",\"partition\":" + p + ",\"offset\":" + commit + "}]}"))
                        .build());
                assertThat(answer.status()).as("commit answer %s", answer).isEqualTo(200);
                acknowledged.put(p, commit);
            }
            node.kill();
        }

        try (RunnelProcess node = RunnelProcess.startReady("group-offsets-2", data, READY)) {
            JsonNode group = json(node.get("/groups/g"));
            assertThat(group.path("state").asString()).as("members are not kept across a restart").isEqualTo("Empty");
            Map<Integer, Long> committed = new HashMap<>();
            group.path("offsets").forEach(o -> committed.put(o.path("partition").asInt(), o.path("committedOffset").asLong()));
            assertThat(committed).isEqualTo(acknowledged);

            // A new member starts exactly at the committed offsets: nothing below is redelivered, nothing above skipped.
            String memberId = json(node.postJson("/groups/g/members",
                    "{\"topics\":[\"events\"],\"autoOffsetReset\":\"earliest\"}")).path("memberId").asString();
            JsonNode read = json(node.get("/groups/g/members/" + memberId + "/records?limit=10000"));
            Map<Integer, Long> first = new HashMap<>();
            Map<Integer, Integer> counts = new HashMap<>();
            read.path("records").forEach(r -> {
                int p = r.path("partition").asInt();
                first.merge(p, r.path("offset").asLong(), Math::min);
                counts.merge(p, 1, Integer::sum);
            });
            for (int p = 0; p < PARTITIONS; p++) {
                long hw = json(node.get("/topics/events/partitions/" + p)).path("highWatermark").asLong();
                assertThat(counts.getOrDefault(p, 0)).as("records of partition %d from its commit", p)
                        .isEqualTo((int) (hw - acknowledged.get(p)));
                if (hw > acknowledged.get(p)) {
                    assertThat(first.get(p)).as("first offset read in partition %d", p).isEqualTo(acknowledged.get(p));
                }
            }
        }
        RunnelProcess.deleteRecursively(data);
    }

    private static JsonNode json(RunnelProcess.Response r) {
        assertThat(r.status()).as("answer %s", r).isBetween(200, 299);
        return JSON.readTree(r.body());
    }
}
