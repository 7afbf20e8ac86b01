package io.runnel.consume;

import static io.runnel.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestHttp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Server-Sent Event streams of partition records over real HTTP: catching up then following,
 * resuming after {@code Last-Event-ID}, and the exact shape of each event. Every stream is read
 * on its own thread into a queue that the test polls with a timeout, so no wait is unbounded.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SseHttpTest {
    /** Longest wait for one event that is already there or was just produced. */
    private static final long EVENT_TIMEOUT_SECONDS = 10;
    /**
     * Longest wait for a stream's status and headers: generous, yet well below the 15 s keep-alive,
     * so a server that sent nothing before the first record or keep-alive fails.
     */
    private static final long HEADERS_TIMEOUT_SECONDS = 5;

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dataDir.toString());
    }

    @LocalServerPort
    int port;

    private TestHttp http;
    private final List<InputStream> openStreams = new ArrayList<>();
    private static final AtomicInteger NAMES = new AtomicInteger();

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    @AfterEach
    void closeStreams() throws IOException {
        for (InputStream in : openStreams) {
            in.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /** One event as received: its fields (last value wins, data lines joined by newlines) and its raw lines. */
    record Event(Map<String, String> fields, List<String> lines) {
        String id() {
            return fields.get("id");
        }

        String data() {
            return fields.get("data");
        }
    }

    /** An open event stream: events are parsed on a reader thread and handed over through a queue. */
    final class EventStream {
        final HttpResponse<InputStream> response;
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final BlockingQueue<String> comments = new LinkedBlockingQueue<>();

        EventStream(HttpResponse<InputStream> response) {
            this.response = response;
            openStreams.add(response.body());
            Thread reader = new Thread(this::parse, "sse-test-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void parse() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                Map<String, String> fields = new LinkedHashMap<>();
                List<String> lines = new ArrayList<>();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        // As in the SSE spec, a block without data (e.g. only a retry: field) dispatches no event.
                        if (fields.containsKey("data")) {
                            events.add(new Event(fields, lines));
                        }
                        fields = new LinkedHashMap<>();
                        lines = new ArrayList<>();
                    } else if (line.startsWith(":")) {
                        comments.add(line);
                    } else {
                        lines.add(line);
                        int colon = line.indexOf(':');
                        String name = colon < 0 ? line : line.substring(0, colon);
                        String value = colon < 0 ? "" : line.substring(colon + 1);
                        value = value.startsWith(" ") ? value.substring(1) : value;
                        fields.merge(name, value, (a, b) -> name.equals("data") ? a + "\n" + b : b);
                    }
                }
            } catch (IOException e) {
                // the test closed the stream
            }
        }

        Event next() throws InterruptedException {
            Event e = events.poll(EVENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(e).as("an event within %d s", EVENT_TIMEOUT_SECONDS).isNotNull();
            return e;
        }
    }

    private HttpResponse<InputStream> openRaw(String topic, String query, String lastEventId) throws Exception {
        var request = http.request("/topics/" + topic + "/partitions/0/records" + query).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return http.client().sendAsync(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream())
                .get(HEADERS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private EventStream open(String topic, String query, String lastEventId) throws Exception {
        HttpResponse<InputStream> r = openRaw(topic, query, lastEventId);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        return new EventStream(r);
    }

    private static String[] numbered(int from, int count) {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = "{\"n\":" + (from + i) + "}";
        }
        return out;
    }

    @Test
    void streamFromOffsetZeroSendsExistingRecordsThenOnesProducedLater() throws Exception {
        String topic = unique("follow");
        http.createTopic(topic, 1);
        http.produce(topic, 0, numbered(0, 3));

        EventStream stream = open(topic, "?offset=0", null);
        for (int i = 0; i < 3; i++) {
            Event e = stream.next();
            assertThat(e.id()).isEqualTo(Integer.toString(i));
            assertThat(TestHttp.JSON.readTree(e.data()).path("value").path("n").asInt()).isEqualTo(i);
        }
        http.produce(topic, 0, "{\"n\":3}");

        Event live = stream.next();
        assertThat(live.id()).isEqualTo("3");
        assertThat(TestHttp.JSON.readTree(live.data()).path("value").path("n").asInt()).isEqualTo(3);
    }

    @Test
    void resumingWithLastEventIdStartsRightAfterItWithoutGapOrDuplicate() throws Exception {
        String topic = unique("resume");
        http.createTopic(topic, 1);
        http.produce(topic, 0, numbered(0, 10));

        // A browser reconnects to the same URL and adds Last-Event-ID: the header wins over offset=0.
        EventStream stream = open(topic, "?offset=0", "4");
        for (int expected = 5; expected < 10; expected++) {
            Event e = stream.next();
            assertThat(e.id()).isEqualTo(Integer.toString(expected));
            assertThat(TestHttp.JSON.readTree(e.data()).path("offset").asLong()).isEqualTo(expected);
        }
        http.produce(topic, 0, numbered(10, 2));
        assertThat(stream.next().id()).isEqualTo("10");
        assertThat(stream.next().id()).isEqualTo("11");
        assertThat(stream.events.poll(300, TimeUnit.MILLISECONDS)).as("nothing after the last record").isNull();
    }

    @Test
    void resumingAtTheHighWatermarkAnswersAtOnceAndWaitsForTheNextRecord() throws Exception {
        String topic = unique("tail");
        http.createTopic(topic, 1);
        http.produce(topic, 0, numbered(0, 3));

        EventStream stream = open(topic, "", "2"); // within HEADERS_TIMEOUT_SECONDS, though no record is due
        assertThat(stream.events.poll(300, TimeUnit.MILLISECONDS)).isNull();
        http.produce(topic, 0, "{\"n\":3}");

        assertThat(stream.next().id()).isEqualTo("3");
    }

    @Test
    void streamOfAnEmptyPartitionAnswersAtOnceAndSendsTheFirstRecord() throws Exception {
        String topic = unique("empty");
        http.createTopic(topic, 1);

        EventStream stream = open(topic, "?offset=latest", null);
        http.produce(topic, 0, "\"first\"");

        Event e = stream.next();
        assertThat(e.id()).isEqualTo("0");
        assertThat(TestHttp.JSON.readTree(e.data()).path("value").asString()).isEqualTo("first");
    }

    @Test
    void lastEventIdBeyondTheHighWatermarkIs416Problem() throws Exception {
        String topic = unique("beyond");
        http.createTopic(topic, 1);
        http.produce(topic, 0, numbered(0, 3));

        for (String lastEventId : List.of("3", "1000")) {
            JsonNode problem = assertProblem(problemOf(openRaw(topic, "", lastEventId)), 416, "OFFSET_OUT_OF_RANGE");
            assertThat(problem.path("highWatermark").asLong()).isEqualTo(3);
            assertThat(problem.path("logStartOffset").asLong()).isEqualTo(0);
        }
    }

    @Test
    void badLastEventIdOrUnknownTopicIsAProblemNotAStream() throws Exception {
        String topic = unique("bad");
        http.createTopic(topic, 1);

        assertProblem(problemOf(openRaw(topic, "", "not-an-offset")), 400, "INVALID_PARAMETER");
        assertProblem(problemOf(openRaw(unique("missing"), "", null)), 404, "TOPIC_NOT_FOUND");
    }

    private static TestHttp.Response problemOf(HttpResponse<InputStream> r) throws IOException {
        String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        return new TestHttp.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), body);
    }

    @Test
    void eachEventHasIdRecordNameAndOneLineJsonDataWithTheExactValue() throws Exception {
        String topic = unique("shape");
        http.createTopic(topic, 1);
        String body = """
                {"records":[
                  {"key":"k1","value":0.1000000000000000055511151231257827,"headers":{"source":"test"}},
                  {"value": {
                      "b" : [ 1, 2.50, 1e400 ],
                      "a" : "two\\nlines and \\u00e9 \\"quoted\\"",
                      "z" : null
                    }
                  }
                ]}""";
        assertThat(http.post("/topics/" + topic + "/partitions/0/records", body).status()).isEqualTo(200);

        EventStream stream = open(topic, "", null);
        Event number = stream.next();
        Event object = stream.next();

        assertThat(number.lines()).hasSize(3).anySatisfy(l -> assertThat(l).matches("event: ?record"));
        assertThat(number.fields()).containsEntry("id", "0").containsEntry("event", "record");
        assertThat(number.lines()).filteredOn(l -> l.startsWith("data:")).hasSize(1);
        assertThat(number.data()).contains("\"value\":0.1000000000000000055511151231257827")
                .contains("\"key\":\"k1\"").contains("\"headers\":{\"source\":\"test\"}");
        JsonNode first = TestHttp.JSON.readTree(number.data());
        assertThat(first.path("offset").asLong()).isZero();
        assertThat(first.path("timestamp").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

        assertThat(object.fields()).containsEntry("id", "1").containsEntry("event", "record");
        assertThat(object.lines()).as("a pretty-printed value arrives on one data line").hasSize(3)
                .filteredOn(l -> l.startsWith("data:")).hasSize(1);
        assertThat(object.data()).contains("\"value\":{\"b\":[1,2.50,1e400],\"a\":\"two\\nlines and \\u00e9 \\\"quoted\\\"\",\"z\":null}");
        assertThat(object.data()).contains("\"key\":null");
    }
}
