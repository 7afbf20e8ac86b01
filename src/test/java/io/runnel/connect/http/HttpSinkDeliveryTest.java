package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import io.runnel.connect.PartitionProgress;
import io.runnel.connect.RunnelApi;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import io.runnel.security.KafkaPrincipal;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.LongStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The http-sink task against a real node (this test's application, security off) and a real
 * receiver ({@link TestReceiver}): the task reads, commits and dead-letters only through the node's
 * public HTTP API, as it does when the runtime starts it.
 */
class HttpSinkDeliveryTest extends HttpScenarioTest {
    private static final Duration DELIVERED = Duration.ofSeconds(60);
    private static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.US_ASCII));

    private final HttpSinkPlugin plugin = new HttpSinkPlugin();
    private final HttpClient apiClient = HttpClient.newHttpClient();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<Task> tasks = new ArrayList<>();
    private final List<TestReceiver> receivers = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        tasks.forEach(t -> t.stop().join());
        receivers.forEach(TestReceiver::close);
        scheduler.shutdownNow();
        plugin.close();
    }

    @Test
    void deliversEveryRecordInOrderPerPartitionWithTheExactJsonSigned() throws Exception {
        createTopic("sink-order", 3);
        TestReceiver receiver = receiver(TestReceiver.Answer.NO_CONTENT);
        for (int p = 0; p < 3; p++) {
            produceExact("sink-order", p, 0, 20);
        }
        Task task = start("order", config("sink-order", receiver, Map.of("batch.max.records", "7", "webhook.secret", SECRET)));
        for (int p = 0; p < 3; p++) {
            produceExact("sink-order", p, 20, 30);
        }

        for (int p = 0; p < 3; p++) {
            int partition = p;
            await().atMost(DELIVERED).until(() -> receiver.acceptedOffsets("sink-order", partition).size() >= 30);
            assertThat(receiver.acceptedOffsets("sink-order", p)).containsExactlyElementsOf(LongStream.range(0, 30).boxed().toList());
        }
        for (TestReceiver.Received request : receiver.received()) {
            List<JsonNode> records = request.records();
            assertThat(records).hasSizeBetween(1, 7);
            JsonNode first = records.get(0);
            String id = first.path("topic").asString() + "/" + first.path("partition").asInt() + "/" + first.path("offset").asLong();
            assertThat(request.header("webhook-id")).isEqualTo(id);
            assertThat(request.header("webhook-signature")).isEqualTo(hmac(id + "." + request.header("webhook-timestamp") + "." + request.body()));
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            for (JsonNode record : records) {
                long i = record.path("offset").asLong();
                assertThat(request.body()).contains("{\"topic\":\"sink-order\",\"partition\":" + record.path("partition").asInt()
                        + ",\"offset\":" + i + ",\"timestamp\":\"");
                assertThat(request.body()).contains("\"key\":" + exactKey(i) + ",\"value\":" + exactValue(i) + ",\"headers\":{\"n\":\"" + i + "\"}}");
            }
        }
        await().atMost(DELIVERED).until(() -> task.progress().stream().allMatch(p -> p.position() == 30 && Long.valueOf(0).equals(p.lag())));
        JsonNode group = http.get("/groups/connect-order").json();
        assertThat(group.path("offsets").values().stream().map(o -> o.path("committedOffset").asLong()).toList()).containsOnly(30L);
        assertThat(meters.get("runnel.connector.delivered.records").tag("connector", "order").counters().stream()
                .mapToDouble(c -> c.count()).sum()).isEqualTo(90.0);
        assertThat(meters.get("runnel.connector.last.delivery.latency").tag("partition", "2").gauge().value()).isPositive();
        assertThat(failures).isEmpty();
    }

    @Test
    void aReceiverThatFailsThirtyPercentOfRequestsStillGetsEverythingInOrder() {
        createTopic("sink-flaky", 2);
        TestReceiver receiver = receiver((n, request) -> switch (n % 10) {
            case 1, 4 -> TestReceiver.Answer.status(500);
            case 7 -> new TestReceiver.Answer(429, Map.of("Retry-After", "1"));
            default -> TestReceiver.Answer.status(200);
        });
        start("flaky", config("sink-flaky", receiver, Map.of("batch.max.records", "5", "retry.backoff.ms", "10",
                "retry.backoff.max.ms", "50", "retry.max.attempts", "1000")));
        for (int p = 0; p < 2; p++) {
            produceExact("sink-flaky", p, 0, 60);
        }
        for (int p = 0; p < 2; p++) {
            int partition = p;
            await().atMost(DELIVERED).until(() -> receiver.acceptedOffsets("sink-flaky", partition).size() >= 60);
            assertThat(receiver.acceptedOffsets("sink-flaky", p)).containsExactlyElementsOf(LongStream.range(0, 60).boxed().toList());
        }
        assertThat(receiver.received().stream().filter(r -> !r.accepted()).count()).isPositive();
        assertThat(meters.get("runnel.connector.retries").counters().stream().mapToDouble(c -> c.count()).sum()).isPositive();
        assertThat(failures).isEmpty();
    }

    @Test
    void aReceiverThatIsDownGetsEverythingOnceItIsBack() {
        createTopic("sink-down", 1);
        TestReceiver first = receiver(TestReceiver.Answer.NO_CONTENT);
        int port = first.port();
        String url = first.url();
        Map<String, String> config = config("sink-down", first, Map.of("retry.backoff.ms", "50", "retry.backoff.max.ms", "500",
                "retry.max.attempts", "1000"));
        start("down", config);
        produceExact("sink-down", 0, 0, 10);
        await().atMost(DELIVERED).until(() -> first.acceptedOffsets("sink-down", 0).size() == 10);

        first.close();
        long downSince = System.nanoTime();
        produceExact("sink-down", 0, 10, 25);
        // down for runnel.sink.downtime.seconds (3 s; -Psoak: the minute of issue 17) and several failed attempts
        Duration downtime = Duration.ofSeconds(Long.getLong("runnel.sink.downtime.seconds", 3));
        await().atMost(DELIVERED.plus(downtime)).until(() -> failedAttempts("down") >= 3
                && System.nanoTime() - downSince >= downtime.toNanos());
        TestReceiver second = new TestReceiver(port, (n, r) -> TestReceiver.Answer.NO_CONTENT);
        receivers.add(second);
        assertThat(second.url()).isEqualTo(url);

        await().atMost(DELIVERED).until(() -> second.acceptedOffsets("sink-down", 0).size() >= 15);
        assertThat(second.acceptedOffsets("sink-down", 0)).containsExactlyElementsOf(LongStream.range(10, 25).boxed().toList());
        assertThat(failures).isEmpty();
    }

    @Test
    void aBatchTheReceiverRefusesGoesToTheDeadLetterTopicAndDeliveryGoesOn() {
        createTopic("sink-dlq", 1);
        createTopic("sink-dlq.dead", 1);
        TestReceiver receiver = receiver((n, request) -> request.body().contains("\"bad\":true")
                ? TestReceiver.Answer.status(400) : TestReceiver.Answer.NO_CONTENT);
        start("dlq", config("sink-dlq", receiver, Map.of("batch.max.records", "1", "errors.deadletterqueue.topic.name", "sink-dlq.dead")));
        produce("sink-dlq", "{\"records\":[{\"key\":\"a\",\"value\":{\"bad\":false,\"n\":0}},"
                + "{\"key\":\"b\",\"value\":{\"bad\":true,\"amount\":12.50},\"headers\":{\"origin\":\"test\"}},"
                + "{\"key\":\"c\",\"value\":{\"bad\":false,\"n\":2}},{\"key\":null,\"value\":{\"bad\":true,\"n\":3}},"
                + "{\"key\":\"e\",\"value\":{\"bad\":false,\"n\":4}}]}");

        await().atMost(DELIVERED).until(() -> receiver.acceptedOffsets("sink-dlq", 0).size() == 3);
        assertThat(receiver.acceptedOffsets("sink-dlq", 0)).containsExactly(0L, 2L, 4L);
        HttpTestClient.Response dead = fetch("sink-dlq.dead", 0, "?offset=0");
        assertThat(dead.body()).contains("\"key\":\"b\",\"value\":{\"bad\":true,\"amount\":12.50}");
        JsonNode records = dead.json().path("records");
        assertThat(records.size()).isEqualTo(2);
        JsonNode headers = records.get(0).path("headers");
        assertThat(headers.path("origin").asString()).isEqualTo("test");
        assertThat(headers.path("runnel.dlq.status").asString()).isEqualTo("400");
        assertThat(headers.path("runnel.dlq.attempts").asString()).isEqualTo("1");
        assertThat(headers.path("runnel.dlq.error").asString()).startsWith("HTTP 400");
        assertThat(headers.path("runnel.dlq.topic").asString()).isEqualTo("sink-dlq");
        assertThat(headers.path("runnel.dlq.partition").asString()).isEqualTo("0");
        assertThat(headers.path("runnel.dlq.offset").asString()).isEqualTo("1");
        assertThat(records.get(1).path("key").isNull()).isTrue();
        assertThat(records.get(1).path("headers").path("runnel.dlq.offset").asString()).isEqualTo("3");
        await().atMost(DELIVERED).until(() -> committed("dlq", "sink-dlq", 0) == 5);
        assertThat(meters.get("runnel.connector.dlq.records").counter().count()).isEqualTo(2.0);
        assertThat(failures).isEmpty();
    }

    @Test
    void aBatchTooLargeForOneDeadLetterWriteIsWrittenInParts() {
        createTopic("sink-dlq-large", 1);
        createTopic("sink-dlq-large.dead", 1);
        TestReceiver receiver = receiver(TestReceiver.Answer.status(400));
        start("dlq-large", config("sink-dlq-large", receiver, Map.of("batch.max.records", "100", "batch.linger.ms", "10000",
                "errors.deadletterqueue.topic.name", "sink-dlq-large.dead")));
        String pad = "x".repeat(1000);
        for (int part = 0; part < 4; part++) {
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int i = 0; i < 25; i++) {
                body.append(i == 0 ? "" : ",").append("{\"value\":{\"n\":").append(part * 25 + i).append(",\"pad\":\"").append(pad).append("\"}}");
            }
            produce("sink-dlq-large", body.append("]}").toString());
        }
        // 100 records of about 1 kB: more than this node takes in one request (MAX_REQUEST_BYTES)
        await().atMost(DELIVERED).until(() -> committed("dlq-large", "sink-dlq-large", 0) == 100);
        assertThat(receiver.received()).allMatch(r -> r.records().size() == 100);
        List<Long> dead = new ArrayList<>();
        for (long offset = 0; offset < 100; ) {
            JsonNode answer = fetch("sink-dlq-large.dead", 0, "?offset=" + offset).json();
            answer.path("records").forEach(r -> dead.add(r.path("value").path("n").asLong()));
            offset = answer.path("nextOffset").asLong();
        }
        assertThat(dead).containsExactlyElementsOf(LongStream.range(0, 100).boxed().toList());
        assertThat(failures).isEmpty();
    }

    @Test
    void aRecordWhoseTransformFailsGoesToTheDeadLetterTopicAndTheRestIsDeliveredMapped() {
        createTopic("sink-cel", 1);
        createTopic("sink-cel.dead", 1);
        TestReceiver receiver = receiver(TestReceiver.Answer.NO_CONTENT);
        start("cel", config("sink-cel", receiver, Map.of("batch.max.records", "10", "errors.deadletterqueue.topic.name", "sink-cel.dead",
                "transforms.filter", "value.n != 3", "transforms.map.value", "{'n': value.n, 'amount': value.amount}")));
        produce("sink-cel", "{\"records\":[{\"value\":{\"n\":0,\"amount\":12.50}},{\"value\":{\"n\":1,\"amount\":1.10}},"
                + "{\"key\":\"b\",\"value\":{\"amount\":2}},{\"value\":{\"n\":3,\"amount\":3}},{\"value\":{\"n\":4,\"amount\":4.0}}]}");

        await().atMost(DELIVERED).until(() -> committed("cel", "sink-cel", 0) == 5);
        assertThat(receiver.acceptedOffsets("sink-cel", 0)).containsExactly(0L, 1L, 4L);
        String delivered = String.join("", receiver.received().stream().map(TestReceiver.Received::body).toList());
        assertThat(delivered).contains("\"value\":{\"n\":0,\"amount\":12.50}", "\"value\":{\"n\":1,\"amount\":1.10}",
                "\"value\":{\"n\":4,\"amount\":4.0}");
        JsonNode dead = fetch("sink-cel.dead", 0, "?offset=0").json().path("records");
        assertThat(dead.size()).isEqualTo(1);
        assertThat(dead.get(0).path("key").asString()).isEqualTo("b");
        assertThat(dead.get(0).path("value").path("amount").asInt()).isEqualTo(2);
        assertThat(dead.get(0).path("headers").path("runnel.dlq.offset").asString()).isEqualTo("2");
        assertThat(dead.get(0).path("headers").path("runnel.dlq.status").asString()).isEqualTo("none");
        assertThat(dead.get(0).path("headers").path("runnel.dlq.error").asString()).startsWith("transform: 'filter' failed");
        assertThat(failures).isEmpty();
    }

    @Test
    void withoutADeadLetterTopicATransformFailureFailsTheTaskAtItsRecord() {
        createTopic("sink-cel-fail", 1);
        TestReceiver receiver = receiver(TestReceiver.Answer.NO_CONTENT);
        Task task = start("cel-fail", config("sink-cel-fail", receiver, Map.of("transforms.filter", "value.n > 0")));
        produce("sink-cel-fail", "{\"records\":[{\"value\":{\"n\":0}},{\"value\":{\"n\":1}},{\"value\":{\"m\":2}},{\"value\":{\"n\":3}}]}");

        await().atMost(DELIVERED).until(() -> !failures.isEmpty());
        assertThat(failures.get(0).getMessage()).contains("could not transform sink-cel-fail/0 offset 2").contains("'filter' failed")
                .contains("keeps its place at offset 2");
        await().atMost(DELIVERED).until(() -> committed("cel-fail", "sink-cel-fail", 0) == 2);
        assertThat(receiver.acceptedOffsets("sink-cel-fail", 0)).containsExactly(1L);
        assertThat(task.progress().get(0).position()).isEqualTo(2);
    }

    @Test
    void withoutADeadLetterTopicTheTaskFailsAndKeepsItsPlace() {
        createTopic("sink-fail", 1);
        TestReceiver receiver = receiver((n, request) -> request.body().contains("\"n\":2")
                ? TestReceiver.Answer.status(422) : TestReceiver.Answer.NO_CONTENT);
        Task task = start("fail", config("sink-fail", receiver, Map.of("batch.max.records", "2",
                "http.headers.Authorization", "Bearer top-secret-token")));
        produce("sink-fail", "{\"records\":[{\"value\":{\"n\":0}},{\"value\":{\"n\":1}},{\"value\":{\"n\":2}},{\"value\":{\"n\":3}}]}");

        await().atMost(DELIVERED).until(() -> !failures.isEmpty());
        assertThat(failures.get(0).getMessage()).contains("HTTP 422").contains("sink-fail/0 offsets 2-3")
                .contains("keeps its place at offset 2").doesNotContain("top-secret-token");
        // the first batch's commit runs beside the failing delivery; the position never passes 2
        await().atMost(DELIVERED).until(() -> committed("fail", "sink-fail", 0) == 2);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> committed("fail", "sink-fail", 0) == 2);
        PartitionProgress progress = task.progress().get(0);
        assertThat(progress.position()).isEqualTo(2);
        assertThat(progress.error()).contains("HTTP 422");
        assertThat(receiver.received().get(0).header("Authorization")).isEqualTo("Bearer top-secret-token");
    }

    @Test
    void afterStopNoRequestReachesTheReceiverAndANewTaskResendsOnlyTheBatchInFlight() {
        createTopic("sink-restart", 1);
        TestReceiver receiver = receiver(TestReceiver.Answer.NO_CONTENT);
        Map<String, String> config = config("sink-restart", receiver, Map.of("batch.max.records", "100"));
        Task first = start("restart", config);
        produceExact("sink-restart", 0, 0, 10);
        await().atMost(DELIVERED).until(() -> committed("restart", "sink-restart", 0) == 10);

        receiver.behave((n, request) -> TestReceiver.Answer.HANG);
        produceExact("sink-restart", 0, 10, 15);
        await().atMost(DELIVERED).until(() -> receiver.received().stream().anyMatch(r -> !r.accepted()));
        first.stop().join();
        tasks.remove(first);
        int seen = receiver.received().size();
        produceExact("sink-restart", 0, 15, 20);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> receiver.received().size() == seen);
        assertThat(committed("restart", "sink-restart", 0)).isEqualTo(10);

        receiver.behave((n, request) -> TestReceiver.Answer.NO_CONTENT);
        start("restart", config);
        await().atMost(DELIVERED).until(() -> committed("restart", "sink-restart", 0) == 20);
        List<Long> offsets = receiver.received().stream().flatMap(r -> r.records().stream()).map(r -> r.path("offset").asLong()).toList();
        // every offset once, except the batch that was in flight at the stop (10-14), which came twice
        List<Long> expected = new ArrayList<>(LongStream.range(0, 15).boxed().toList());
        expected.addAll(LongStream.range(10, 20).boxed().toList());
        assertThat(offsets).containsExactlyElementsOf(expected);
    }

    @Test
    void aReceiverThatNeverAnswersDelaysOnlyItsOwnConnector() {
        createTopic("sink-hung", 1);
        createTopic("sink-live", 2);
        TestReceiver hung = receiver((n, request) -> TestReceiver.Answer.HANG);
        TestReceiver live = receiver(TestReceiver.Answer.NO_CONTENT);
        start("hung", config("sink-hung", hung, Map.of("http.timeout.ms", "600000")));
        start("live", config("sink-live", live, Map.of("batch.max.records", "3")));
        produceExact("sink-hung", 0, 0, 5);
        await().atMost(DELIVERED).until(() -> !hung.received().isEmpty());
        for (int round = 0; round < 3; round++) {
            for (int p = 0; p < 2; p++) {
                produceExact("sink-live", p, round * 10, round * 10 + 10);
            }
            int delivered = (round + 1) * 10;
            await().atMost(DELIVERED).until(() -> live.acceptedOffsets("sink-live", 0).size() == delivered
                    && live.acceptedOffsets("sink-live", 1).size() == delivered);
        }
        assertThat(hung.received()).hasSize(1);
    }

    @Test
    void tasksSplitThePartitionsByHashAndANewPartitionMovesNoOther() {
        createTopic("sink-split-b", 1);
        createTopic("sink-split-a", 2);
        TestReceiver receiver = receiver(TestReceiver.Answer.NO_CONTENT);
        Map<String, String> config = config("sink-split-b,sink-split-a", receiver, Map.of("tasks.max", "2"));
        Task first = start("split", 0, 2, config);
        Task second = start("split", 1, 2, config);
        // floorMod(31 * topic.hashCode() + p, 2): a/0 → 0, a/1 → 1, b/0 → 1 (and b/1 → 0 once it exists)
        await().atMost(DELIVERED).until(() -> first.progress().size() == 1 && second.progress().size() == 2);
        assertThat(first.progress()).extracting(p -> p.topic() + "/" + p.partition()).containsExactly("sink-split-a/0");
        assertThat(second.progress()).extracting(p -> p.topic() + "/" + p.partition()).containsExactly("sink-split-a/1", "sink-split-b/0");

        assertThat(http.patch("/topics/sink-split-b", "{\"partitions\":2}").status()).isEqualTo(200);
        // b/1 is task 0's, found at its next listing; no partition changed hands
        await().atMost(DELIVERED).until(() -> first.progress().size() == 2);
        assertThat(first.progress()).extracting(p -> p.topic() + "/" + p.partition()).containsExactly("sink-split-a/0", "sink-split-b/1");
        assertThat(second.progress()).extracting(p -> p.topic() + "/" + p.partition()).containsExactly("sink-split-a/1", "sink-split-b/0");
        produceExact("sink-split-b", 1, 0, 3);
        produceExact("sink-split-a", 1, 0, 2);
        produceExact("sink-split-b", 0, 0, 1);
        await().atMost(DELIVERED).until(() -> receiver.acceptedOffsets("sink-split-b", 1).size() == 3
                && receiver.acceptedOffsets("sink-split-a", 1).size() == 2 && receiver.acceptedOffsets("sink-split-b", 0).size() == 1);
        assertThat(failures).isEmpty();
    }

    @Test
    void theShippedReceiverScriptVerifiesTheSignaturesAndPrintsTheExactRecords() throws Exception {
        Path script = Path.of("scripts/webhook-receiver.py");
        assumeTrue(Files.isExecutable(script) && new ProcessBuilder("python3", "--version").start().waitFor() == 0,
                "python3 is needed to run scripts/webhook-receiver.py");
        createTopic("sink-script", 1);
        int scriptPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            scriptPort = free.getLocalPort();
        }
        Process receiver = new ProcessBuilder("python3", script.toString(), "--port", Integer.toString(scriptPort), "--secret", SECRET)
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8))
                .lines().forEach(lines::add), "webhook-receiver-output");
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(DELIVERED).until(() -> lines.stream().anyMatch(l -> l.startsWith("listening on")));
            Map<String, String> config = new HashMap<>(Map.of("connector.class", "http-sink", "topics", "sink-script",
                    "http.url", "http://127.0.0.1:" + scriptPort + "/orders", "webhook.secret", SECRET, "batch.max.records", "2"));
            start("script", config);
            produceExact("sink-script", 0, 0, 3);
            await().atMost(DELIVERED).until(() -> committed("script", "sink-script", 0) == 3);
            assertThat(lines).contains("batch sink-script/0/0: 2 record(s) signature ok -> 204",
                    "batch sink-script/0/2: 1 record(s) signature ok -> 204",
                    "  sink-script/0/2 key=" + exactKey(2) + " value=" + exactValue(2));
            assertThat(lines).noneMatch(l -> l.startsWith("REFUSED"));
        } finally {
            receiver.destroy();
            receiver.waitFor();
        }
    }

    // ---- helpers

    private TestReceiver receiver(TestReceiver.Answer always) {
        return receiver((n, request) -> always);
    }

    private TestReceiver receiver(TestReceiver.Behaviour behaviour) {
        TestReceiver receiver = TestReceiver.answering(behaviour);
        receivers.add(receiver);
        return receiver;
    }

    private static Map<String, String> config(String topic, TestReceiver receiver, Map<String, String> more) {
        Map<String, String> config = new HashMap<>(Map.of("connector.class", "http-sink", "topics", topic, "http.url", receiver.url(),
                "topics.refresh.ms", "1000"));
        config.putAll(more);
        return config;
    }

    private Task start(String connector, Map<String, String> config) {
        return start(connector, 0, 1, config);
    }

    private Task start(String connector, int number, int of, Map<String, String> config) {
        assertThat(plugin.validate(config)).isEmpty();
        RunnelApi api = new RunnelApi(apiClient, URI.create("http://127.0.0.1:" + port), Map.of());
        TaskContext context = new TaskContext(connector, number, of, config, KafkaPrincipal.user("tester"), api, "connect-" + connector,
                failures::add, meters, scheduler);
        Task task = plugin.start(context);
        tasks.add(task);
        return task;
    }

    /** Produces records {@code from..to-1} to one partition, each with a key, value and header that {@link #exactKey} etc. name. */
    private void produceExact(String topic, int partition, long from, long to) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (long i = from; i < to; i++) {
            body.append(i == from ? "" : ",").append("{\"key\":").append(exactKey(i)).append(",\"value\":").append(exactValue(i))
                    .append(",\"headers\":{\"n\":\"").append(i).append("\"}}");
        }
        HttpTestClient.Response r = http.post("/topics/" + topic + "/partitions/" + partition + "/records", body.append("]}").toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("results").get(0).path("offset").asLong()).isEqualTo(from);
    }

    private static String exactKey(long i) {
        return "{\"id\":" + i + ",\"big\":123456789012345678901234567890}";
    }

    private static String exactValue(long i) {
        return "{\"n\":" + i + ",\"amount\":12.50,\"tiny\":1.0000000000000000000001,\"text\":\"caf\u00e9 \\\"q\\\"\"}";
    }

    private long committed(String connector, String topic, int partition) {
        HttpTestClient.Response group = http.get("/groups/connect-" + connector);
        if (group.status() == 404) {
            return -1;
        }
        for (JsonNode o : group.json().path("offsets")) {
            if (o.path("topic").asString().equals(topic) && o.path("partition").asInt() == partition && o.path("committedOffset").isNumber()) {
                return o.path("committedOffset").asLong();
            }
        }
        return -1;
    }

    private double failedAttempts(String connector) {
        return meters.find("runnel.connector.failures").tag("connector", connector).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static String hmac(String signed) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }
}
