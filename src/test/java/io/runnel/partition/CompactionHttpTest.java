package io.runnel.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A compacted topic over real HTTP: updates of a few keys and a tombstone are compacted by the
 * cleaner, and fetches, Server-Sent Events and group reads from the start see the latest value of
 * every key at increasing offsets; a keyless record is refused.
 */
class CompactionHttpTest extends HttpScenarioTest {
    private static final int KEYS = 5;
    private static final int ROUNDS = 40;

    @Autowired
    MeterRegistry meters;

    /** One record as read: its offset, key (JSON text) and value (JSON text, "null" for a tombstone). */
    record Read(long offset, String key, String value) {
    }

    @Test
    void compactedTopicKeepsTheLatestValueOfEveryKeyForEveryReader() throws Exception {
        String topic = "compacted-updates";
        HttpTestClient.Response created = http.post("/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"configs\":{"
                + "\"cleanup.policy\":\"compact\",\"segment.bytes\":\"1024\",\"min.cleanable.dirty.ratio\":\"0.01\","
                + "\"min.compaction.lag.ms\":\"0\",\"delete.retention.ms\":\"86400000\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("configs").path("cleanup.policy").asString()).isEqualTo("compact");

        Map<String, String> latest = new HashMap<>();
        int produced = 0;
        for (int round = 0; round < ROUNDS; round++) {
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int k = 0; k < KEYS; k++) {
                String value = "{\"round\":" + round + ",\"pad\":\"" + "x".repeat(20) + "\"}";
                body.append(k == 0 ? "" : ",").append("{\"key\":\"k").append(k).append("\",\"value\":").append(value).append('}');
                latest.put("\"k" + k + "\"", value);
                produced++;
            }
            produce(topic, body.append("]}").toString());
        }
        produce(topic, "{\"records\":[{\"key\":\"k0\",\"value\":null}]}");
        latest.put("\"k0\"", "null");
        produced++;

        // A keyless record is refused, alone or among keyed ones, and nothing is written.
        long hw = highWatermarks(topic)[0];
        assertProblem(http.post("/topics/" + topic + "/records", "{\"records\":[{\"value\":1}]}"));
        assertProblem(http.post("/topics/" + topic + "/records", "{\"records\":[{\"key\":\"k1\",\"value\":1},{\"key\":null,\"value\":2}]}"));
        assertThat(highWatermarks(topic)[0]).isEqualTo(hw);

        int total = produced;
        await().atMost(Duration.ofSeconds(30)).until(() -> readAll(topic).size() < total / 2);

        List<Read> all = readAll(topic);
        assertIncreasing(all);
        assertThat(lastValues(all)).isEqualTo(latest);

        // A fetch at an offset compaction removed answers from the next one that remains.
        long previous = -1; // the log start offset stays 0: compaction never moves it
        boolean gapSeen = false;
        for (Read r : all) {
            if (r.offset() > previous + 1) {
                JsonNode page = fetch(topic, 0, "?offset=" + (previous + 1) + "&limit=1").json();
                assertThat(page.path("records").get(0).path("offset").asLong()).isEqualTo(r.offset());
                assertThat(page.path("nextOffset").asLong()).isEqualTo(r.offset() + 1);
                gapSeen = true;
                break;
            }
            previous = r.offset();
        }
        assertThat(gapSeen).as("compaction removed offsets between remaining records").isTrue();

        List<Read> streamed = streamUntil(topic, all.get(all.size() - 1).offset());
        assertIncreasing(streamed);
        assertThat(lastValues(streamed)).isEqualTo(latest);

        List<Read> grouped = readAsGroup(topic, "compacted-readers", all.get(all.size() - 1).offset());
        assertIncreasing(grouped);
        assertThat(lastValues(grouped)).isEqualTo(latest);

        Counter reclaimed = meters.find("runnel.cleaner.bytes.reclaimed").tag("topic", topic).counter();
        assertThat(reclaimed).isNotNull();
        assertThat(reclaimed.count()).isPositive();
        assertThat(meters.find("runnel.cleaner.last.clean.time").tag("topic", topic).gauge().value()).isPositive();
        assertThat(meters.find("runnel.cleaner.errors").tag("topic", topic).counter().count()).isZero();
        assertThat(meters.find("runnel.cleaner.dirty.ratio").tag("topic", topic).gauge()).isNotNull();

        // Deleting the topic stops its cleaning first; its meters go with it.
        assertThat(http.delete("/topics/" + topic).status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.find("runnel.cleaner.dirty.ratio").tag("topic", topic).gauge() == null);
        assertThat(http.get("/topics/" + topic).status()).isEqualTo(404);
    }

    @Test
    void dirtyDataOlderThanMaxCompactionLagIsCleanedWhateverTheRatio() {
        String topic = "compacted-lagging";
        HttpTestClient.Response created = http.post("/topics", "{\"name\":\"" + topic + "\",\"partitions\":1,\"configs\":{"
                + "\"cleanup.policy\":\"compact\",\"segment.bytes\":\"1024\",\"min.cleanable.dirty.ratio\":\"1\","
                + "\"max.compaction.lag.ms\":\"1\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        Map<String, String> latest = new HashMap<>();
        int first = produceRounds(topic, 0, latest);
        await().atMost(Duration.ofSeconds(30)).until(() -> readAll(topic).size() < first / 2);

        // Now part of the log is clean, so the dirty ratio stays below 1: only the lag gets these cleaned.
        int kept = readAll(topic).size();
        int second = produceRounds(topic, ROUNDS, latest);
        await().atMost(Duration.ofSeconds(30)).until(() -> readAll(topic).size() < kept + second / 2);
        List<Read> all = readAll(topic);
        assertIncreasing(all);
        assertThat(lastValues(all)).isEqualTo(latest);
    }

    /** Produces {@link #ROUNDS} rounds of updates of every key, one request a round; returns the records produced. */
    private int produceRounds(String topic, int firstRound, Map<String, String> latest) {
        for (int round = firstRound; round < firstRound + ROUNDS; round++) {
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int k = 0; k < KEYS; k++) {
                String value = "{\"round\":" + round + "}";
                body.append(k == 0 ? "" : ",").append("{\"key\":\"k").append(k).append("\",\"value\":").append(value).append('}');
                latest.put("\"k" + k + "\"", value);
            }
            produce(topic, body.append("]}").toString());
        }
        return ROUNDS * KEYS;
    }

    @Test
    void compactionConfigsAreAcceptedShownAndReset() {
        String topic = "compacted-configs";
        HttpTestClient.Response created = http.post("/topics", "{\"name\":\"" + topic + "\",\"configs\":{"
                + "\"cleanup.policy\":\"compact,delete\",\"min.cleanable.dirty.ratio\":\"0.25\",\"min.compaction.lag.ms\":\"1000\","
                + "\"max.compaction.lag.ms\":\"60000\",\"delete.retention.ms\":\"0\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode configs = created.json().path("configs");
        assertThat(configs.path("cleanup.policy").asString()).isEqualTo("compact,delete");
        assertThat(configs.path("min.cleanable.dirty.ratio").asString()).isEqualTo("0.25");
        assertThat(configs.path("min.compaction.lag.ms").asString()).isEqualTo("1000");
        assertThat(configs.path("max.compaction.lag.ms").asString()).isEqualTo("60000");
        assertThat(configs.path("delete.retention.ms").asString()).isEqualTo("0");
        assertProblem(http.post("/topics/" + topic + "/records", "{\"records\":[{\"value\":1}]}"));

        HttpTestClient.Response reset = http.patch("/topics/" + topic, "{\"configs\":{\"cleanup.policy\":null,"
                + "\"min.cleanable.dirty.ratio\":null,\"max.compaction.lag.ms\":null,\"delete.retention.ms\":null}}");
        assertThat(reset.status()).as(reset.body()).isEqualTo(200);
        JsonNode defaults = http.get("/topics/" + topic).json().path("configs");
        assertThat(defaults.path("cleanup.policy").asString()).isEqualTo("delete");
        assertThat(defaults.path("min.cleanable.dirty.ratio").asString()).isEqualTo("0.5");
        assertThat(defaults.path("max.compaction.lag.ms").asString()).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(defaults.path("delete.retention.ms").asString()).isEqualTo("86400000");
        produce(topic, "{\"records\":[{\"value\":1}]}"); // keyless records are fine again
    }

    private static void assertProblem(HttpTestClient.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.json().path("code").asString()).isEqualTo("INVALID_RECORD");
    }

    private static void assertIncreasing(List<Read> reads) {
        for (int i = 1; i < reads.size(); i++) {
            assertThat(reads.get(i).offset()).isGreaterThan(reads.get(i - 1).offset());
        }
    }

    private static Map<String, String> lastValues(List<Read> reads) {
        Map<String, String> last = new HashMap<>();
        reads.forEach(r -> last.put(r.key(), r.value()));
        return last;
    }

    private static Read read(JsonNode record) {
        return new Read(record.path("offset").asLong(), record.path("key").toString(), record.path("value").toString());
    }

    /** Every record from the log start to the high watermark, by fetches. */
    private List<Read> readAll(String topic) {
        List<Read> reads = new ArrayList<>();
        JsonNode page = fetch(topic, 0, "?offset=earliest&limit=7").json();
        while (true) {
            page.path("records").forEach(r -> reads.add(read(r)));
            if (page.path("nextOffset").asLong() >= page.path("highWatermark").asLong() || page.path("records").isEmpty()) {
                return reads;
            }
            page = fetch(topic, 0, "?offset=" + page.path("nextOffset").asLong() + "&limit=7").json();
        }
    }

    /** The records of an SSE stream from offset 0 up to {@code lastOffset}, read within a bounded time. */
    private List<Read> streamUntil(String topic, long lastOffset) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/topics/" + topic + "/partitions/0/stream?offset=0"))
                .header("Accept", "text/event-stream").build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (InputStream in = response.body()) {
            CompletableFuture<List<Read>> events = CompletableFuture.supplyAsync(() -> {
                List<Read> reads = new ArrayList<>();
                try {
                    BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.startsWith("data:")) {
                            Read r = read(HttpTestClient.JSON.readTree(line.substring(5).strip()));
                            reads.add(r);
                            if (r.offset() >= lastOffset) {
                                return reads;
                            }
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return reads;
            });
            return events.get(20, TimeUnit.SECONDS);
        }
    }

    /** The records one group member reads from the start up to {@code lastOffset}, a few at a time. */
    private List<Read> readAsGroup(String topic, String group, long lastOffset) {
        HttpTestClient.Response joined = http.post("/groups/" + group + "/members",
                "{\"topics\":[\"" + topic + "\"],\"autoOffsetReset\":\"earliest\"}");
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        String member = joined.json().path("memberId").asString();
        List<Read> reads = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            HttpTestClient.Response r = http.get("/groups/" + group + "/members/" + member + "/records?limit=3&commit=auto&waitMs=100");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode records = r.json().path("records");
            assertThat(records.size()).isLessThanOrEqualTo(3);
            records.forEach(rec -> reads.add(read(rec)));
            return !reads.isEmpty() && reads.get(reads.size() - 1).offset() >= lastOffset;
        });
        return reads;
    }
}
