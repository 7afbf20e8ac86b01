package io.runnel.stream;

import static io.runnel.stream.StreamHttpTest.createTopic;
import static io.runnel.stream.StreamHttpTest.produce;
import static io.runnel.stream.StreamHttpTest.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.HttpTestClient;
import io.runnel.RunnelApplication;
import io.runnel.connect.RunnelApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chunk protocol's crash cases on a real node, without processes: a first {@link PartitionStream} stops between
 * its steps for a real reason (an output topic missing, so one write of the chunk lands and the other is refused), or
 * the committed state is left as a crash would leave it; a second instance — the successor a restart or failover
 * starts — replays the committed intent. Every output must be there exactly once, in input order.
 */
class ChunkReplayTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dataDir;
    private static ConfigurableApplicationContext app;
    private static HttpTestClient http;
    private static RunnelApi api;
    private static ScheduledExecutorService scheduler;

    @BeforeAll
    static void start() {
        app = new SpringApplicationBuilder(RunnelApplication.class)
                .run("--server.port=0", "--runnel.data-dir=" + dataDir, "--runnel.node.id=runnel-0", "--spring.main.banner-mode=off");
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        http = new HttpTestClient(port);
        api = new RunnelApi(HttpClient.newHttpClient(), URI.create("http://localhost:" + port), Map.of());
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() {
        scheduler.shutdownNow();
        app.close();
    }

    private static PartitionStream partitionStream(String name, StreamDefinition d, List<Throwable> failures) {
        StreamContext ctx = new StreamContext(name, "1", d, StreamEvaluators.compile(d), StreamPlugin.groupOf(name), api, JSON, failures::add,
                new SimpleMeterRegistry(), scheduler);
        return new PartitionStream(ctx, 0);
    }

    /** Records {@code n} = {@code from} to {@code to - 1}, even ones on side a, odd ones on side b. */
    private static void fill(String topic, int from, int to) {
        StringBuilder records = new StringBuilder();
        for (int i = from; i < to; i++) {
            records.append(i == from ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":{\"n\":").append(i)
                    .append(",\"side\":\"").append(i % 2 == 0 ? "a" : "b").append("\"}}");
        }
        produce(http, topic, records.toString());
    }

    private static List<Integer> ns(String topic) {
        return records(http, topic, 0).stream().map(r -> r.path("value").path("n").asInt()).toList();
    }

    private static JsonNode committed(String name) {
        return http.get("/groups/" + StreamPlugin.groupOf(name)).json().path("offsets").path(0);
    }

    @Test
    void aSuccessorReplaysAPartlyWrittenChunkAndWritesEachOutputOnce() throws Exception {
        createTopic(http, "replay-in", 1);
        createTopic(http, "replay-a", 1);
        fill("replay-in", 0, 300);
        StreamDefinition d = new StreamDefinition("replay-in", "'replay-' + value.side", null, null, null, "earliest", null);

        List<Throwable> failures = new CopyOnWriteArrayList<>();
        PartitionStream first = partitionStream("replay", d, failures);
        first.start();
        await().atMost(WAIT).until(() -> !failures.isEmpty());
        assertThat(failures.get(0)).hasMessageContaining("replay-b");
        await().atMost(WAIT).untilAsserted(() -> assertThat(ns("replay-a")).hasSize(150));
        first.stop().get();
        JsonNode intent = committed("replay");
        assertThat(intent.path("committedOffset").asLong()).isZero();
        assertThat(intent.path("metadata").asString()).isEqualTo("end=300");

        createTopic(http, "replay-b", 1);
        fill("replay-in", 300, 310); // more input after the unfinished chunk: the replay must stop at its end, then go on
        List<Throwable> none = new CopyOnWriteArrayList<>();
        PartitionStream successor = partitionStream("replay", d, none);
        successor.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(committed("replay").path("committedOffset").asLong()).isEqualTo(310));
        successor.stop().get();
        assertThat(none).isEmpty();
        List<Integer> a = ns("replay-a");
        List<Integer> b = ns("replay-b");
        assertThat(a).hasSize(155).isSorted().doesNotHaveDuplicates();
        assertThat(b).hasSize(155).isSorted().doesNotHaveDuplicates();
        assertThat(committed("replay").path("metadata").isMissingNode() || committed("replay").path("metadata").isNull()
                || committed("replay").path("metadata").asString().isEmpty()).isTrue();
    }

    @Test
    void aSuccessorOfACrashAfterTheWritesBeforeTheLastCommitWritesNothingAgain() throws Exception {
        createTopic(http, "again-in", 1);
        createTopic(http, "again-out", 1);
        fill("again-in", 0, 100);
        StreamDefinition d = new StreamDefinition("again-in", "again-out", "value.n % 3 == 0", null, null, "earliest", null);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        PartitionStream first = partitionStream("again", d, failures);
        first.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(committed("again").path("committedOffset").asLong()).isEqualTo(100));
        first.stop().get();
        assertThat(ns("again-out")).hasSize(34);

        // as a crash between the writes and the last commit leaves it: the intent committed, the outputs written
        HttpTestClient.Response reset = http.put("/groups/" + StreamPlugin.groupOf("again") + "/offsets",
                "{\"offsets\":[{\"topic\":\"again-in\",\"partition\":0,\"offset\":0,\"metadata\":\"end=100\"}]}");
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);
        PartitionStream successor = partitionStream("again", d, failures);
        successor.start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(committed("again").path("metadata").asString("")).isEmpty());
        successor.stop().get();
        assertThat(failures).isEmpty();
        assertThat(committed("again").path("committedOffset").asLong()).isEqualTo(100);
        assertThat(ns("again-out")).hasSize(34).isSorted().doesNotHaveDuplicates();
    }
}
