package io.runnel.consume;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which answer a read gets: the records URL answers JSON whenever JSON is acceptable, a stream only
 * to {@code Accept: text/event-stream} alone; the stream's own URL always streams.
 */
class RecordsNegotiationHttpTest extends HttpScenarioTest {
    private static final String TOPIC = "negotiation";

    private String records() {
        if (http.get("/topics/" + TOPIC).status() == 404) {
            createTopic(TOPIC, 1);
            produce(TOPIC, "{\"records\":[{\"key\":\"k\",\"value\":12.50}]}");
        }
        return "/topics/" + TOPIC + "/partitions/0/records";
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "*/*", "text/event-stream, application/json", "text/event-stream, */*",
            "text/event-stream;q=1, application/json;q=0.1", "application/json, text/event-stream"})
    void recordsAnswerJsonWheneverJsonIsAcceptable(String accept) {
        HttpTestClient.Response answer = http.send(http.request(records()).header("Accept", accept).GET().build());
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
        assertThat(answer.json().path("records").get(0).path("offset").asLong()).isZero();
    }

    @Test
    void recordsAnswerJsonWithoutAccept() {
        HttpTestClient.Response answer = http.get(records());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("application/json");
    }

    @Test
    void recordsStreamForEventStreamAlone() throws Exception {
        assertThat(firstDataLine(records(), "text/event-stream")).contains("\"offset\":0").contains("12.50");
    }

    @Test
    void streamOperationStreamsTheSameEvents() throws Exception {
        records();
        String path = "/topics/" + TOPIC + "/partitions/0/stream";
        assertThat(firstDataLine(path, "text/event-stream")).isEqualTo(firstDataLine(records(), "text/event-stream"));
        assertThat(firstDataLine(path, "*/*")).contains("\"offset\":0");
    }

    @Test
    void streamOfAnUnknownTopicIsAProblem() {
        HttpTestClient.Response answer = http.send(http.request("/topics/no-such-topic/partitions/0/stream")
                .header("Accept", "text/event-stream").GET().build());
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().path("code").asString()).isEqualTo("TOPIC_NOT_FOUND");
    }

    /** Opens a stream, returns its first {@code data:} line and closes it; bounded by a timeout. */
    private String firstDataLine(String path, String accept) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("Accept", accept).GET().build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            return CompletableFuture.supplyAsync(() -> lines.lines().filter(l -> l.startsWith("data:")).findFirst().orElse(""))
                    .get(10, TimeUnit.SECONDS);
        }
    }
}
