package io.runnel.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import io.runnel.partition.Partition;
import io.runnel.partition.LogManager;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Reading over real HTTP: where a fetch starts (offset, earliest, latest, timestamp) and long polling. */
class FetchScenarioTest extends HttpScenarioTest {
    /** Generous bound for a 200 ms long poll with nothing to read to answer. */
    private static final long WOKEN_WITHIN_MS = 5_000;
    /** How long the test waits for a woken poll's answer: well below the 30 s it would wait unwoken. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);

    @Autowired
    LogManager logs;

    @Test
    void offsetsAndFetchesByTimestampStartAtTheFirstRecordAtOrAfterIt() {
        createTopic("timed", 1);
        produce("timed", "{\"records\":[{\"value\":\"a\",\"timestamp\":1000},{\"value\":\"b\",\"timestamp\":\"1970-01-01T00:00:02.000Z\"},"
                + "{\"value\":\"c\",\"timestamp\":3000},{\"value\":\"d\",\"timestamp\":\"1970-01-01T00:00:04.000Z\"}]}");
        String offsets = "/topics/timed/partitions/0/offsets?timestamp=";

        assertThat(http.get(offsets + "0").json().toString()).isEqualTo("{\"offset\":0,\"timestamp\":\"1970-01-01T00:00:01.000Z\"}");
        assertThat(http.get(offsets + "2000").json().toString()).isEqualTo("{\"offset\":1,\"timestamp\":\"1970-01-01T00:00:02.000Z\"}");
        assertThat(http.get(offsets + "1500").json().path("offset").asLong()).isEqualTo(1);
        assertThat(http.get(offsets + "1970-01-01T00:00:02.500Z").json().toString())
                .isEqualTo("{\"offset\":2,\"timestamp\":\"1970-01-01T00:00:03.000Z\"}");
        JsonNode none = http.get(offsets + "4001").json();
        assertThat(none.path("offset").asLong()).as("the high watermark when no record is that late").isEqualTo(4);
        assertThat(none.path("timestamp").isNull()).isTrue();

        JsonNode fromTime = fetch("timed", 0, "?timestamp=2500").json();
        assertThat(fromTime.path("records")).extracting(r -> r.path("value").asString()).containsExactly("c", "d");
        assertThat(fromTime.path("records").get(0).path("timestamp").asString()).isEqualTo("1970-01-01T00:00:03.000Z");
        assertThat(fetch("timed", 0, "?timestamp=1970-01-01T00:00:02.000Z").json().path("records"))
                .extracting(r -> r.path("value").asString()).containsExactly("b", "c", "d");
        JsonNode tooLate = fetch("timed", 0, "?timestamp=5000").json();
        assertThat(tooLate.path("records")).isEmpty();
        assertThat(tooLate.path("nextOffset").asLong()).isEqualTo(4);
    }

    @Test
    void earliestIsTheDefaultAndLatestStartsAtTheHighWatermark() {
        createTopic("latest", 1);
        produce("latest", "{\"records\":[{\"value\":1},{\"value\":2}]}");
        assertThat(fetch("latest", 0, "").json().path("records")).hasSize(2);
        assertThat(fetch("latest", 0, "?offset=earliest").json().path("records")).hasSize(2);

        JsonNode latest = fetch("latest", 0, "?offset=latest").json();
        assertThat(latest.path("records")).isEmpty();
        assertThat(latest.path("nextOffset").asLong()).isEqualTo(2);
        assertThat(latest.path("highWatermark").asLong()).isEqualTo(2);

        produce("latest", "{\"records\":[{\"value\":3}]}");
        Map<String, String> third = rawRecords(fetch("latest", 0, "?offset=" + latest.path("nextOffset").asLong()).body()).get(0);
        assertThat(third.get("offset")).isEqualTo("2");
        assertThat(third.get("value")).isEqualTo("3");
    }

    /**
     * The produce comes only once the poll waits on the partition, and the poll waits far longer
     * ({@code waitMs} 30 s) than the test does for its answer: a record in that answer was delivered
     * by the wake-up, not by a read before waiting nor by {@code waitMs} running out.
     */
    @Test
    void longPollAnswersWithARecordProducedWhileItWaits() throws Exception {
        createTopic("poll", 1);
        Partition partition = logs.partition("poll", 0).orElseThrow();
        CompletableFuture<HttpTestClient.Response> waiting =
                http.sendAsync(http.request("/topics/poll/partitions/0/records?offset=0&waitMs=30000").GET().build());
        await().atMost(ANSWER_WITHIN).until(() -> partition.waiterCount() == 1);
        assertThat(waiting).isNotDone();

        produce("poll", "{\"records\":[{\"key\":\"late\",\"value\":{\"arrived\":true}}]}");
        HttpTestClient.Response answer = waiting.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        Map<String, String> record = rawRecords(answer.body()).get(0);
        assertThat(record.get("offset")).isEqualTo("0");
        assertThat(record.get("key")).isEqualTo("\"late\"");
        assertThat(record.get("value")).isEqualTo("{\"arrived\":true}");
        assertThat(answer.json().path("nextOffset").asLong()).isEqualTo(1);
        assertThat(partition.waiterCount()).as("the woken poll no longer waits").isZero();
    }

    @Test
    void longPollWithNothingProducedAnswersWithNoRecords() {
        createTopic("quiet", 1);
        produce("quiet", "{\"records\":[{\"value\":1}]}");
        long started = System.nanoTime();
        HttpTestClient.Response answer = fetch("quiet", 0, "?offset=1&waitMs=200");
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(answer.json().path("records")).isEmpty();
        assertThat(answer.json().path("nextOffset").asLong()).isEqualTo(1);
        assertThat(answer.json().path("highWatermark").asLong()).isEqualTo(1);
        assertThat(elapsedMs).isLessThan(WOKEN_WITHIN_MS);
    }
}
