package io.runnel.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.HttpTestClient;
import io.runnel.RunnelApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The connector runtime on a real single node, driven over HTTP with a real plugin ({@link RecordingPlugin},
 * registered in this test's applications only): create, change, list, describe, status, pause, resume,
 * restart, offsets, delete; secrets masked in answers and traces; the 422s; a failed task and its restart;
 * metrics; and definitions surviving a restart of the node.
 */
class ConnectorHttpTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String CONFIG = "{\"connector.class\":\"recording\",\"topics\":\"conn-orders\",\"tasks.max\":\"2\","
            + "\"secret\":\"hunter2-secret\",\"commit.offset\":\"1\"}";

    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start(RecordingPlugin plugin) {
        return new SpringApplicationBuilder(RunnelApplication.class)
                .initializers(ctx -> ctx.getBeanFactory().registerSingleton("recordingPlugin", plugin))
                .run("--server.port=0", "--runnel.data-dir=" + dataDir, "--runnel.node.id=runnel-0", "--spring.main.banner-mode=off");
    }

    private static HttpTestClient clientOf(ConfigurableApplicationContext app) {
        return new HttpTestClient(((WebServerApplicationContext) app).getWebServer().getPort());
    }

    private static JsonNode status(HttpTestClient http, String name) {
        HttpTestClient.Response r = http.get("/connectors/" + name + "/status");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static String metrics(HttpTestClient http) {
        return http.get("/actuator/prometheus").body();
    }

    @Test
    void aConnectorsLifeOverHttpAndAcrossARestart() {
        RecordingPlugin plugin = new RecordingPlugin();
        try (ConfigurableApplicationContext app = start(plugin)) {
            HttpTestClient http = clientOf(app);
            assertThat(http.post("/topics", "{\"name\":\"conn-orders\",\"partitions\":1}").status()).isEqualTo(201);
            assertThat(http.post("/topics/conn-orders/records", "{\"records\":[{\"value\":1},{\"value\":2}]}").status()).isEqualTo(200);

            HttpTestClient.Response created = http.put("/connectors/c1/config", CONFIG);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.json().path("name").asString()).isEqualTo("c1");
            assertThat(created.json().path("type").asString()).isEqualTo("sink");
            assertThat(created.json().path("config").path("secret").asString()).isEqualTo("********");
            assertThat(created.json().path("config").path("topics").asString()).isEqualTo("conn-orders");
            assertThat(created.json().path("tasks").toString()).isEqualTo("[{\"connector\":\"c1\",\"task\":0},{\"connector\":\"c1\",\"task\":1}]");
            assertThat(created.body()).doesNotContain("hunter2");
            assertThat(http.put("/connectors/c1/config", CONFIG).status()).as("the same config again").isEqualTo(200);

            assertThat(http.get("/connectors").body()).isEqualTo("[\"c1\"]");
            assertThat(http.get("/connectors/c1").json().path("config").path("secret").asString()).isEqualTo("********");

            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(plugin.starts("c1", 0)).isEqualTo(1);
                assertThat(plugin.starts("c1", 1)).isEqualTo(1);
                assertThat(plugin.apiStatus).containsEntry("c1#0", 200).containsEntry("c1#1", 200);
            });
            JsonNode running = status(http, "c1");
            assertThat(running.path("connector").path("state").asString()).isEqualTo("RUNNING");
            assertThat(running.path("connector").path("worker_id").asString()).isEqualTo("runnel-0");
            assertThat(running.path("tasks").get(1).path("state").asString()).isEqualTo("RUNNING");
            assertThat(running.path("partitions").get(0).path("position").asLong()).as(running.toString()).isEqualTo(1);
            assertThat(running.path("partitions").get(0).path("lag").asLong()).isEqualTo(1);
            assertThat(running.path("partitions").get(0).path("error").asString()).contains("503");
            assertThat(http.get("/connectors/c1/offsets").body())
                    .isEqualTo("{\"offsets\":[{\"partition\":{\"kafka_topic\":\"conn-orders\",\"kafka_partition\":0},\"offset\":{\"kafka_offset\":1}}]}");
            assertThat(metrics(http)).contains("runnel_connector_state{connector=\"c1\",state=\"RUNNING\"} 1.0")
                    .contains("runnel_connector_state{connector=\"c1\",state=\"PAUSED\"} 0.0")
                    .contains("runnel_connector_tasks{connector=\"c1\",state=\"RUNNING\"} 2.0")
                    .contains("recording_task_starts_total{connector=\"c1\",task=\"0\"}");

            assertThat(http.put("/connectors/c1/pause", "").status()).isEqualTo(202);
            await().atMost(WAIT).untilAsserted(() -> assertThat(plugin.stops("c1")).isEqualTo(2));
            assertThat(status(http, "c1").path("connector").path("state").asString()).isEqualTo("PAUSED");
            await().atMost(WAIT).untilAsserted(() -> assertThat(metrics(http)).doesNotContain("recording_task_starts_total"));
            assertThat(http.put("/connectors/c1/resume", "").status()).isEqualTo(202);
            await().atMost(WAIT).untilAsserted(() -> assertThat(plugin.starts("c1", 0)).isEqualTo(2));

            plugin.contexts.get("c1#0").reporter().failed(new IllegalStateException("the receiver refused hunter2-secret"));
            await().atMost(WAIT).untilAsserted(() -> assertThat(status(http, "c1").path("tasks").get(0).path("state").asString())
                    .isEqualTo("FAILED"));
            JsonNode failed = status(http, "c1");
            assertThat(failed.path("connector").path("state").asString()).isEqualTo("FAILED");
            assertThat(failed.path("tasks").get(0).path("trace").asString()).contains("IllegalStateException: the receiver refused ********")
                    .doesNotContain("hunter2");
            assertThat(failed.path("tasks").get(1).path("state").asString()).isEqualTo("RUNNING");
            assertThat(plugin.contexts).doesNotContainKey("c1#0");
            assertThat(metrics(http)).contains("runnel_connector_state{connector=\"c1\",state=\"FAILED\"} 1.0");

            assertThat(http.post("/connectors/c1/restart", "").status()).isEqualTo(202);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(status(http, "c1").path("connector").path("state").asString()).isEqualTo("RUNNING");
                assertThat(plugin.starts("c1", 0)).isEqualTo(3);
            });
        }

        RecordingPlugin again = new RecordingPlugin();
        try (ConfigurableApplicationContext app = start(again)) {
            HttpTestClient http = clientOf(app);
            JsonNode described = http.get("/connectors/c1").json();
            assertThat(described.path("config").path("tasks.max").asString()).isEqualTo("2");
            await().atMost(WAIT).untilAsserted(() -> assertThat(again.starts("c1", 0) + again.starts("c1", 1)).isEqualTo(2));

            assertThat(http.delete("/connectors/c1").status()).isEqualTo(204);
            await().atMost(WAIT).untilAsserted(() -> assertThat(again.stops("c1")).isEqualTo(2));
            assertThat(http.get("/connectors/c1").status()).isEqualTo(404);
            assertThat(http.get("/connectors").body()).isEqualTo("[]");
            assertThat(http.get("/groups/connect-c1").status()).as("the group's offsets are deleted too").isEqualTo(404);
            assertThat(metrics(http)).doesNotContain("runnel_connector_state{connector=\"c1\"");
        }
    }

    @Test
    void invalidConfigsAndUnknownConnectorsAreProblems() {
        try (ConfigurableApplicationContext app = start(new RecordingPlugin())) {
            HttpTestClient http = clientOf(app);

            assertInvalid(http, "c2", "{\"connector.class\":\"no-such\",\"topics\":\"t\"}", "connector.class");
            assertInvalid(http, "c2", "{\"topics\":\"t\"}", "connector.class");
            assertInvalid(http, "c2", "{\"connector.class\":\"recording\",\"topics\":\"t\",\"bad\":\"x\"}", "bad");
            assertInvalid(http, "c2", "{\"connector.class\":\"recording\"}", "topics");
            assertInvalid(http, "c2", "{\"connector.class\":\"recording\",\"topics\":\"t\",\"tasks.max\":\"0\"}", "tasks.max");
            assertInvalid(http, "c2", "{\"connector.class\":\"recording\",\"topics\":\"t\",\"name\":\"other\"}", "name");
            assertInvalid(http, "bad!name", "{\"connector.class\":\"recording\",\"topics\":\"t\"}", "name");
            assertThat(http.get("/connectors").body()).as("nothing was stored").isEqualTo("[]");

            for (String path : List.of("/connectors/nope", "/connectors/nope/status", "/connectors/nope/offsets")) {
                assertProblem(http.get(path), 404, "CONNECTOR_NOT_FOUND");
            }
            assertProblem(http.put("/connectors/nope/pause", ""), 404, "CONNECTOR_NOT_FOUND");
            assertProblem(http.post("/connectors/nope/restart", ""), 404, "CONNECTOR_NOT_FOUND");
            assertProblem(http.delete("/connectors/nope"), 404, "CONNECTOR_NOT_FOUND");
        }
    }

    private static void assertInvalid(HttpTestClient http, String name, String config, String key) {
        HttpTestClient.Response r = http.put("/connectors/" + name + "/config", config);
        assertProblem(r, 422, "INVALID_CONNECTOR_CONFIG");
        assertThat(r.json().path("errors").has(key)).as(r.body()).isTrue();
    }

    private static void assertProblem(HttpTestClient.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("code").asString()).as(r.body()).isEqualTo(code);
    }
}
