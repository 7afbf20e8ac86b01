package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * An {@code http-sink} connector as a user drives it, through {@code /connectors} on a real node, the runtime
 * starting the real task: it delivers what is there, shows its progress, pauses (its task stops, the group keeps
 * its place), resumes from there without resending what was delivered, and once deleted is gone with its group.
 */
class HttpSinkConnectorHttpTest extends HttpScenarioTest {
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private TestReceiver receiver;

    @Autowired
    MeterRegistry meters;

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private void produceTo(String topic, int partition, int from, int count) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = from; i < from + count; i++) {
            body.append(i == from ? "" : ",").append("{\"value\":{\"n\":").append(i).append("}}");
        }
        HttpTestClient.Response produced = http.post("/topics/" + topic + "/partitions/" + partition + "/records", body + "]}");
        assertThat(produced.status()).as(produced.body()).isEqualTo(200);
    }

    private JsonNode status(String name) {
        HttpTestClient.Response r = http.get("/connectors/" + name + "/status");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void deliversPausesResumesWithoutResendingAndIsGoneOnceDeleted() {
        String topic = "sink-rest";
        String name = "rest-hook";
        createTopic(topic, 2);
        receiver = TestReceiver.answering((n, request) -> TestReceiver.Answer.NO_CONTENT);
        for (int p = 0; p < 2; p++) {
            produceTo(topic, p, 0, 5);
        }

        HttpTestClient.Response created = http.put("/connectors/" + name + "/config", "{\"connector.class\":\"http-sink\",\"topics\":\""
                + topic + "\",\"http.url\":\"" + receiver.url() + "\",\"batch.max.records\":\"3\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("type").asString()).isEqualTo("sink");
        await().atMost(SETTLE).untilAsserted(() -> {
            for (int p = 0; p < 2; p++) {
                assertThat(receiver.acceptedOffsets(topic, p)).containsExactly(0L, 1L, 2L, 3L, 4L);
            }
        });
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode status = status(name);
            assertThat(status.at("/connector/state").asString()).isEqualTo("RUNNING");
            assertThat(status.at("/tasks/0/state").asString()).isEqualTo("RUNNING");
            assertThat(status.path("partitions")).hasSize(2).allSatisfy(p -> {
                assertThat(p.path("position").asLong()).isEqualTo(5);
                assertThat(p.path("lag").asLong()).isZero();
            });
        });
        JsonNode offsets = http.get("/connectors/" + name + "/offsets").json().path("offsets");
        assertThat(offsets).hasSize(2).allSatisfy(o -> assertThat(o.at("/offset/kafka_offset").asLong()).isEqualTo(5));

        assertThat(http.put("/connectors/" + name + "/pause", "").status()).isEqualTo(202);
        await().atMost(SETTLE).untilAsserted(() -> assertThat(status(name).at("/tasks/0/state").asString()).isEqualTo("PAUSED"));
        for (int p = 0; p < 2; p++) {
            produceTo(topic, p, 5, 5);
        }
        await().atMost(SETTLE).untilAsserted(() -> assertThat(status(name).path("partitions"))
                .allSatisfy(p -> assertThat(p.path("lag").asLong()).as("records wait while paused").isEqualTo(5)));

        assertThat(http.put("/connectors/" + name + "/resume", "").status()).isEqualTo(202);
        List<Long> all = LongStream.range(0, 10).boxed().toList();
        await().atMost(SETTLE).untilAsserted(() -> {
            for (int p = 0; p < 2; p++) {
                assertThat(receiver.acceptedOffsets(topic, p)).as("each offset once, in order").isEqualTo(all);
            }
        });

        assertThat(http.delete("/connectors/" + name).status()).isEqualTo(204);
        assertThat(http.get("/connectors/" + name).status()).isEqualTo(404);
        assertThat(http.get("/connectors").json()).noneMatch(n -> n.asString().equals(name));
        await().atMost(SETTLE).untilAsserted(() -> assertThat(http.get("/groups/connect-" + name).status())
                .as("the connector's group is deleted with it").isEqualTo(404));
        assertThat(meters.find("runnel.connector.delivered.records").tag("connector", name).meters()).as("its task's meters").isEmpty();
        assertThat(meters.isClosed()).as("the application's registry outlives the task's meters").isFalse();
    }

    @Test
    void aBadTransformIsRefusedWithItsPosition() {
        HttpTestClient.Response refused = http.put("/connectors/bad-transform/config", "{\"connector.class\":\"http-sink\",\"topics\":"
                + "\"t\",\"http.url\":\"http://127.0.0.1:9/\",\"transforms.filter\":\"value.n >\\n  (1 +\","
                + "\"transforms.map.value\":\"timestamp + 'x'\"}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().path("code").asString()).isEqualTo("INVALID_CONNECTOR_CONFIG");
        assertThat(refused.json().at("/errors/transforms.filter").asString()).startsWith("not a valid CEL expression: line 2, column 7: ");
        assertThat(refused.json().at("/errors/transforms.map.value").asString())
                .startsWith("not a valid CEL expression: line 1, column 11: found no matching overload for '_+_'");
        assertThat(http.get("/connectors/bad-transform").status()).isEqualTo(404);
    }

    @Test
    void transformsDeliverOnlyAndExactlyTheMappedRecordsAndCountTheDroppedOnesAsDone() {
        String topic = "sink-transforms";
        String name = "transform-hook";
        createTopic(topic, 1);
        receiver = TestReceiver.answering((n, request) -> TestReceiver.Answer.NO_CONTENT);
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 10; i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":").append(i).append(",\"value\":{\"n\":").append(i)
                    .append(",\"big\":12345678901234567890,\"price\":1.10,\"skip\":true}}");
        }
        assertThat(http.post("/topics/" + topic + "/partitions/0/records", body + "]}").status()).isEqualTo(200);

        HttpTestClient.Response created = http.put("/connectors/" + name + "/config", "{\"connector.class\":\"http-sink\",\"topics\":\""
                + topic + "\",\"http.url\":\"" + receiver.url() + "\",\"batch.max.records\":\"3\","
                + "\"transforms.filter\":\"value.n % 2 == 0\",\"transforms.map.key\":\"'k' + string(key)\","
                + "\"transforms.map.value\":\"{'n': value.n, 'big': value.big, 'price': value.price}\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(SETTLE).untilAsserted(() -> assertThat(status(name).path("partitions")).hasSize(1)
                .allSatisfy(p -> assertThat(p.path("position").asLong()).as("dropped records count as done").isEqualTo(10)));
        assertThat(receiver.acceptedOffsets(topic, 0)).containsExactly(0L, 2L, 4L, 6L, 8L);
        String delivered = String.join("", receiver.received().stream().filter(TestReceiver.Received::accepted)
                .map(TestReceiver.Received::body).toList());
        for (int i = 0; i < 10; i += 2) {
            assertThat(delivered).contains("\"key\":\"k" + i + "\",\"value\":{\"n\":" + i + ",\"big\":12345678901234567890,\"price\":1.10}");
        }
        assertThat(delivered).doesNotContain("skip");
        assertThat(http.delete("/connectors/" + name).status()).isEqualTo(204);
    }
}
