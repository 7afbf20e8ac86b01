package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An {@code http-sink} connector in a cluster of three real processes, delivering to a receiver in this JVM, while
 * the instance running its task is killed with SIGKILL: the controller places the task on another instance, which
 * resumes from the committed offsets. Every acknowledged record reaches the receiver, in offset order within its
 * partition; an offset arrives twice only when the batch holding it was in flight at the kill (at most one batch per
 * partition: progress is committed after each 2xx, before the next batch of that partition is sent).
 */
class ConnectorFailoverIT {
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PARTITIONS = 3;

    /** One POST the receiver got: the (partition, offset, value) of each record in it, in order. */
    record Delivery(List<Integer> partitions, List<Long> offsets, List<String> values) {
    }

    /** A webhook receiver answering 200 to every batch and keeping what it got. */
    static final class Receiver implements AutoCloseable {
        final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        final HttpServer server;

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                JsonNode records = JSON.readTree(body).get("records");
                List<Integer> partitions = new ArrayList<>();
                List<Long> offsets = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (JsonNode r : records) {
                    partitions.add(r.get("partition").asInt());
                    offsets.add(r.get("offset").asLong());
                    values.add(r.get("value").toString());
                }
                deliveries.add(new Delivery(partitions, offsets, values));
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        /** Offset → value of every record received, per partition. */
        Map<Integer, Map<Long, String>> received() {
            Map<Integer, Map<Long, String>> all = new TreeMap<>();
            for (Delivery d : deliveries) {
                for (int i = 0; i < d.offsets().size(); i++) {
                    all.computeIfAbsent(d.partitions().get(i), p -> new TreeMap<>()).put(d.offsets().get(i), d.values().get(i));
                }
            }
            return all;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static JsonNode status(LocalCluster cluster, String name) throws IOException {
        for (String id : cluster.alive()) {
            try {
                Response r = cluster.node(id).get("/connectors/" + name + "/status");
                if (r.status() == 200) {
                    return JSON.readTree(r.body());
                }
            } catch (IOException e) {
                // try the next instance
            }
        }
        throw new IOException("no instance answered the status of " + name);
    }

    private static Response putConfig(RunnelProcess node, String name, String json) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(node.baseUri().resolve("/connectors/" + name + "/config"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
        return node.send(request);
    }

    /** Produces {@code count} records to each partition through the live instances; returns offset → value acknowledged. */
    private static void produce(LocalCluster cluster, String topic, int from, int count, Map<Integer, Map<Long, String>> acked) {
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            for (int i = from; i < from + count; i += 10) {
                StringBuilder body = new StringBuilder("{\"records\":[");
                List<String> values = new ArrayList<>();
                for (int j = i; j < i + 10; j++) {
                    String value = "\"p" + partition + "-" + j + "\"";
                    values.add(value);
                    body.append(j == i ? "" : ",").append("{\"value\":").append(value).append('}');
                }
                String json = body.append("]}").toString();
                ProduceAnswer answer = await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                    List<String> alive = cluster.alive();
                    return cluster.node(alive.get(Math.floorMod(partition, alive.size()))).produce(topic, partition, json);
                }, a -> a.status() == 200);
                for (int k = 0; k < values.size(); k++) {
                    acked.computeIfAbsent(partition, x -> new ConcurrentHashMap<>()).put(answer.results().get(k).offset(), values.get(k));
                }
            }
        }
    }

    @Test
    void aKilledTaskInstanceHandsItsTaskOverAndNothingAcknowledgedIsSkipped() throws Exception {
        String topic = "orders";
        try (Receiver receiver = new Receiver(); LocalCluster cluster = LocalCluster.start("connect-failover", 3, READY)) {
            Response created = cluster.node("n0").createTopic(topic, PARTITIONS,
                    "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}");
            assertThat(created.status()).as("%s", created).isEqualTo(201);
            Map<Integer, Map<Long, String>> acked = new ConcurrentHashMap<>();
            produce(cluster, topic, 0, 100, acked);

            Response put = putConfig(cluster.node("n1"), "orders-hook", "{\"connector.class\":\"http-sink\",\"topics\":\"" + topic
                    + "\",\"http.url\":\"" + receiver.url() + "\",\"batch.max.records\":\"20\",\"retry.backoff.ms\":\"100\"}");
            assertThat(put.status()).as("%s", put).isEqualTo(201);
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                    assertThat(receiver.received()).isEqualTo(acked));
            JsonNode before = status(cluster, "orders-hook");
            String worker = before.get("tasks").get(0).get("worker_id").asString();
            assertThat(before.get("tasks").get(0).get("state").asString()).isEqualTo("RUNNING");

            produce(cluster, topic, 100, 100, acked);
            cluster.kill(worker);
            produce(cluster, topic, 200, 100, acked);

            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
                JsonNode task = status(cluster, "orders-hook").get("tasks").get(0);
                assertThat(task.get("worker_id").asString()).isNotEqualTo(worker);
                assertThat(task.get("state").asString()).isEqualTo("RUNNING");
            });
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(receiver.received()).as("every acknowledged record, at its offset").isEqualTo(acked));

            // Within a partition offsets only go up, except once: the batch in flight when the task's instance died.
            Map<Integer, Long> highest = new TreeMap<>();
            Map<Integer, Integer> resends = new TreeMap<>();
            for (Delivery d : receiver.deliveries) {
                int p = d.partitions().get(0);
                assertThat(d.partitions()).as("one partition per batch").containsOnly(p);
                for (int i = 1; i < d.offsets().size(); i++) {
                    assertThat(d.offsets().get(i)).as("offsets within a batch").isEqualTo(d.offsets().get(i - 1) + 1);
                }
                long first = d.offsets().get(0);
                long top = highest.getOrDefault(p, -1L);
                if (first <= top) {
                    resends.merge(p, 1, Integer::sum);
                } else {
                    assertThat(first).as("no gap in partition %d", p).isEqualTo(top + 1);
                }
                highest.put(p, Math.max(top, d.offsets().get(d.offsets().size() - 1)));
            }
            assertThat(resends.values()).as("batches sent again, per partition").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1));
            cluster.passed();
        }
    }
}
