package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What survives closing the application and starting it again on the same data directory: topics
 * with their configs, records, the cluster id, and remembered idempotency keys. Runs its own two
 * applications, one after the other, outside the test context cache.
 */
class RestartScenarioTest {
    private static final String BODY = "{\"records\":[{\"key\":\"a\",\"value\":{\"n\":1.50}},{\"key\":\"b\",\"value\":[2]},{\"value\":null}]}";

    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(RunnelApplication.class).run(
                "--server.port=0", "--runnel.data-dir=" + dataDir, "--runnel.node.id=runnel-0", "--spring.main.banner-mode=off");
    }

    private static HttpTestClient clientOf(ConfigurableApplicationContext app) {
        return new HttpTestClient(((WebServerApplicationContext) app).getWebServer().getPort());
    }

    private static HttpRequest idempotentProduce(HttpTestClient http, String key, String body) {
        return http.request("/topics/durable/records").header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static long[] highWatermarks(HttpTestClient http) {
        return StreamSupport.stream(http.get("/topics/durable").json().path("partitions").spliterator(), false)
                .mapToLong(p -> p.path("highWatermark").asLong()).toArray();
    }

    @Test
    void topicsRecordsClusterIdAndIdempotencyKeysSurviveARestart() {
        String clusterId;
        String description;
        String firstAnswer;
        String records;
        long[] highWatermarks;
        try (ConfigurableApplicationContext app = start()) {
            HttpTestClient http = clientOf(app);
            assertThat(http.post("/topics", "{\"name\":\"durable\",\"partitions\":2,\"configs\":{\"retention.ms\":\"3600000\"}}").status())
                    .isEqualTo(201);
            HttpTestClient.Response first = http.send(idempotentProduce(http, "restart-1", BODY));
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            firstAnswer = first.body();
            highWatermarks = highWatermarks(http);
            assertThat(LongStream.of(highWatermarks).sum()).isEqualTo(3);
            clusterId = http.get("/cluster").json().path("clusterId").asString();
            description = http.get("/topics/durable").json().toString();
            records = http.get("/topics/durable/partitions/0/records").body() + http.get("/topics/durable/partitions/1/records").body();
        }

        try (ConfigurableApplicationContext app = start()) {
            HttpTestClient http = clientOf(app);
            assertThat(http.get("/topics/durable").json().toString()).isEqualTo(description);
            assertThat(http.get("/topics/durable/partitions/0/records").body() + http.get("/topics/durable/partitions/1/records").body())
                    .isEqualTo(records);
            assertThat(http.get("/cluster").json().path("clusterId").asString()).isEqualTo(clusterId);

            HttpTestClient.Response replay = http.send(idempotentProduce(http, "restart-1", BODY));
            assertThat(replay.status()).isEqualTo(200);
            assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.body()).isEqualTo(firstAnswer);
            assertThat(highWatermarks(http)).containsExactly(highWatermarks);

            HttpTestClient.Response reused = http.send(idempotentProduce(http, "restart-1", "{\"records\":[{\"value\":\"other\"}]}"));
            assertThat(reused.status()).isEqualTo(422);
            assertThat(reused.json().path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
            assertThat(highWatermarks(http)).containsExactly(highWatermarks);

            HttpTestClient.Response appended = http.post("/topics/durable/partitions/0/records", "{\"records\":[{\"value\":\"after\"}]}");
            assertThat(appended.json().path("results").get(0).path("offset").asLong()).as("offsets continue").isEqualTo(highWatermarks[0]);
        }
    }
}
