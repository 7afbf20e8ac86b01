package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A re-keying stream on a real single node that is killed with SIGKILL mid-way while records keep coming, and
 * started again on the same data: every acknowledged input record has its output exactly once, and within each output
 * partition the outputs of one input partition are in input order. The stream writes each output's input partition
 * and offset into its value, so the check needs no other bookkeeping.
 */
class StreamFailoverIT {
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int INPUT_PARTITIONS = 4;
    private static final int OUTPUT_PARTITIONS = 3;
    private static final int BATCH = 100;
    private static final int BATCHES = 120;

    private static Response put(RunnelProcess node, String path, String json) throws IOException {
        return node.send(HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());
    }

    /** Produces batch {@code b} until acknowledged (an Idempotency-Key makes the retries safe); returns (partition, offset) pairs. */
    private static List<String> produceBatch(AtomicReference<RunnelProcess> node, int b) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < BATCH; i++) {
            int n = b * BATCH + i;
            body.append(i == 0 ? "" : ",").append("{\"key\":\"in-").append(n).append("\",\"value\":{\"n\":").append(n).append("}}");
        }
        String json = body.append("]}").toString();
        ProduceAnswer answer = await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> node.get().produce("in", null, json, "batch-" + b), a -> a.status() == 200);
        return answer.results().stream().map(r -> r.partition() + "/" + r.offset()).toList();
    }

    @Test
    void aKilledNodesStreamResumesAndWritesEveryOutputOnceInInputOrder() throws Exception {
        Path data = RunnelProcess.newDataDir("stream-failover");
        AtomicReference<RunnelProcess> node = new AtomicReference<>(RunnelProcess.startReady("stream-failover", data, READY));
        try {
            assertThat(node.get().createTopic("in", INPUT_PARTITIONS, "").status()).isEqualTo(201);
            assertThat(node.get().createTopic("out", OUTPUT_PARTITIONS, "").status()).isEqualTo(201);
            Response created = put(node.get(), "/streams/rekey", "{\"from\":\"in\",\"to\":\"out\",\"startFrom\":\"earliest\","
                    + "\"map\":{\"key\":\"'k' + string(int(value.n) % 11)\",\"value\":\"{'n': value.n, 'p': partition, 'o': offset}\"}}");
            assertThat(created.status()).as("%s", created).isEqualTo(201);

            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producer = new Thread(() -> {
                for (int b = 0; b < BATCHES && producing.get(); b++) {
                    acked.addAll(produceBatch(node, b));
                }
            });
            producer.start();
            await().atMost(SETTLE).until(() -> acked.size() >= BATCHES * BATCH / 3);
            node.get().kill();
            node.set(RunnelProcess.startReady("stream-failover", data, READY));
            producer.join(SETTLE.toMillis());
            assertThat(producer.isAlive()).isFalse();
            assertThat(acked).hasSize(BATCHES * BATCH);

            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                long total = 0;
                for (int p = 0; p < OUTPUT_PARTITIONS; p++) {
                    total += node.get().fetchAll("out", p, 0, SETTLE).records().size();
                }
                assertThat(total).isGreaterThanOrEqualTo(acked.size());
            });
            Map<String, Integer> seen = new HashMap<>();
            for (int p = 0; p < OUTPUT_PARTITIONS; p++) {
                Map<Long, Long> lastOffsetOfInput = new HashMap<>();
                for (RunnelProcess.FetchedRecord r : node.get().fetchAll("out", p, 0, SETTLE).records()) {
                    JsonNode v = JSON.readTree(r.value());
                    long inputPartition = v.path("p").asLong();
                    long inputOffset = v.path("o").asLong();
                    seen.merge(inputPartition + "/" + inputOffset, 1, Integer::sum);
                    Long before = lastOffsetOfInput.put(inputPartition, inputOffset);
                    assertThat(before == null || before < inputOffset).as("input order of partition %d in output %d", inputPartition, p).isTrue();
                    assertThat(r.key()).isEqualTo("\"k" + v.path("n").asLong() % 11 + "\"");
                }
            }
            List<String> duplicated = new ArrayList<>();
            seen.forEach((input, times) -> {
                if (times > 1) {
                    duplicated.add(input);
                }
            });
            assertThat(duplicated).as("inputs written more than once").isEmpty();
            assertThat(seen.keySet()).as("every acknowledged input, once").isEqualTo(acked);
            assertThat(node.get().get("/streams/rekey").text()).contains("\"state\":\"RUNNING\"");
        } finally {
            node.get().kill();
            RunnelProcess.deleteRecursively(data);
        }
    }
}
