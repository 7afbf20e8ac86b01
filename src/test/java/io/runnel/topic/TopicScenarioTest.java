package io.runnel.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import java.nio.file.Files;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A topic's life over real HTTP: create, list, describe, grow, reconfigure, delete. */
class TopicScenarioTest extends HttpScenarioTest {

    @Test
    void topicIsCreatedListedGrownReconfiguredAndDeletedWithItsData() {
        HttpTestClient.Response created = http.post("/topics",
                "{\"name\":\"life\",\"partitions\":2,\"replicationFactor\":1,\"configs\":{\"retention.ms\":\"86400000\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/topics/life");
        JsonNode description = created.json();
        assertThat(description.path("name").asString()).isEqualTo("life");
        assertThat(description.path("replicationFactor").asInt()).isEqualTo(1);
        assertThat(description.path("configs").path("retention.ms").asString()).isEqualTo("86400000");
        assertThat(description.path("configs").path("cleanup.policy").asString()).isEqualTo("delete");
        assertThat(description.path("partitions")).hasSize(2);
        JsonNode p1 = description.path("partitions").get(1);
        assertThat(p1.path("partition").asInt()).isEqualTo(1);
        assertThat(p1.path("leader").asString()).isEqualTo(NODE_ID);
        assertThat(p1.path("replicas").toString()).isEqualTo("[\"" + NODE_ID + "\"]");
        assertThat(p1.path("isr").toString()).isEqualTo("[\"" + NODE_ID + "\"]");
        assertThat(p1.path("logStartOffset").asLong()).isZero();
        assertThat(p1.path("highWatermark").asLong()).isZero();

        JsonNode listed = StreamSupport.stream(http.get("/topics").json().path("topics").spliterator(), false)
                .filter(t -> t.path("name").asString().equals("life")).findFirst().orElseThrow();
        assertThat(listed.toString()).isEqualTo("{\"name\":\"life\",\"partitions\":2,\"replicationFactor\":1}");
        assertThat(http.get("/topics/life").json()).isEqualTo(description);
        assertThat(http.get("/topics/life/partitions").json().path("partitions")).isEqualTo(description.path("partitions"));
        assertThat(http.get("/topics/life/partitions/1").json()).isEqualTo(p1);

        produce("life", "{\"records\":[{\"value\":\"kept\",\"partition\":0}]}");

        HttpTestClient.Response grown = http.patch("/topics/life",
                "{\"partitions\":4,\"configs\":{\"retention.bytes\":\"1048576\",\"retention.ms\":null}}");
        assertThat(grown.status()).as(grown.body()).isEqualTo(200);
        assertThat(grown.json().path("partitions")).hasSize(4);
        assertThat(grown.json().path("configs").path("retention.bytes").asString()).isEqualTo("1048576");
        assertThat(grown.json().path("configs").path("retention.ms").asString()).as("reset to the default").isEqualTo("604800000");
        assertThat(highWatermarks("life")).containsExactly(1, 0, 0, 0);
        assertThat(DATA_DIR.resolve("life-3")).isDirectory();
        HttpTestClient.Response intoNew = http.post("/topics/life/partitions/3/records", "{\"records\":[{\"value\":3}]}");
        assertThat(intoNew.status()).as(intoNew.body()).isEqualTo(200);
        assertThat(http.get("/topics/life").json().path("configs")).isEqualTo(grown.json().path("configs"));

        HttpTestClient.Response deleted = http.delete("/topics/life");
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(http.get("/topics/life").status()).isEqualTo(404);
        assertThat(http.get("/topics").body()).doesNotContain("\"life\"");
        for (int p = 0; p < 4; p++) {
            assertThat(Files.exists(DATA_DIR.resolve("life-" + p))).as("life-%d removed", p).isFalse();
        }

        createTopic("life", 1);
        assertThat(highWatermarks("life")).as("a topic created again starts empty").containsExactly(0);
        assertThat(fetch("life", 0, "").json().path("records")).isEmpty();
    }

    @Test
    void topicCreatedWithOnlyANameGetsServerDefaults() {
        HttpTestClient.Response created = http.post("/topics", "{\"name\":\"defaults\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("partitions")).hasSize(1);
        assertThat(created.json().path("replicationFactor").asInt()).isEqualTo(1);
        assertThat(created.json().path("configs").path("retention.ms").asString()).isEqualTo("604800000");
        assertThat(created.json().path("configs").path("max.message.bytes").asString()).isEqualTo("1048576");
    }
}
