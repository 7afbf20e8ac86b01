package io.runnel;

import java.time.Duration;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.error.ErrorCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** Operating a node over real HTTP: cluster view, health probes, metrics, exposure, API document, raw paths. */
class OperationsScenarioTest extends HttpScenarioTest {

    @Test
    void clusterIsThisOneInstanceLeadingEveryPartition() {
        createTopic("ops-cluster", 3);
        JsonNode cluster = http.get("/cluster").json();
        assertThat(cluster.path("clusterId").asString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(cluster.path("controller").asString()).isEqualTo(NODE_ID);
        assertThat(cluster.path("instances")).hasSize(1);
        JsonNode self = cluster.path("instances").get(0);
        assertThat(self.path("id").asString()).isEqualTo(NODE_ID);
        assertThat(self.path("url").asString()).startsWith("http://").endsWith(":" + port);
        assertThat(self.path("status").asString()).isEqualTo("online");
        int partitions = StreamSupport.stream(http.get("/topics").json().path("topics").spliterator(), false)
                .mapToInt(t -> t.path("partitions").asInt()).sum();
        assertThat(self.path("partitions").asInt()).isEqualTo(partitions).isGreaterThanOrEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"})
    void healthProbesAreUp(String path) {
        HttpTestClient.Response health = http.get(path);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asString()).isEqualTo("UP");
    }

    @Test
    void prometheusExposesTrafficLatencyAndLogMeters() {
        createTopic("ops-metered", 1);
        produce("ops-metered", "{\"records\":[{\"value\":1},{\"value\":2},{\"value\":3}]}");
        fetch("ops-metered", 0, "");

        HttpTestClient.Response scrape = http.get("/actuator/prometheus");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.contentType()).startsWith("text/plain");
        String metrics = scrape.body();
        assertThat(metrics).contains(
                "runnel_records_in_total{topic=\"ops-metered\"} 3.0",
                "runnel_bytes_in_total{topic=\"ops-metered\"} 3.0",
                "runnel_records_out_total{topic=\"ops-metered\"} 3.0",
                "runnel_bytes_out_total{topic=\"ops-metered\"} 3.0",
                "runnel_produce_latency_seconds_count{topic=\"ops-metered\"} 1",
                "runnel_fetch_latency_seconds_count{topic=\"ops-metered\"}",
                "runnel_log_size_bytes{partition=\"0\",topic=\"ops-metered\"}",
                "runnel_log_fsync_seconds_count",
                "runnel_http_async_waiting ");
    }

    @Test
    void aDeletedTopicLeavesNoMetersBehindNeitherTrafficNorLogNorGroupLag() {
        createTopic("ops-deleted", 1);
        produce("ops-deleted", "{\"records\":[{\"value\":1},{\"value\":2}]}");
        fetch("ops-deleted", 0, "");
        String commit = "{\"offsets\":[{\"topic\":\"ops-deleted\",\"partition\":0,\"offset\":1}]}";
        assertThat(http.put("/groups/ops-lagging/offsets", commit).status()).isEqualTo(200);
        assertThat(http.get("/actuator/prometheus").body()).contains("runnel_records_in_total{topic=\"ops-deleted\"} 2.0",
                "runnel_log_size_bytes{partition=\"0\",topic=\"ops-deleted\"}",
                "runnel_group_lag{group=\"ops-lagging\",partition=\"0\",topic=\"ops-deleted\"} 1.0");

        assertThat(http.delete("/topics/ops-deleted").status()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(http.get("/actuator/prometheus").body())
                .doesNotContain("topic=\"ops-deleted\"").doesNotContain("NaN"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/heapdump",
            "/actuator/threaddump", "/actuator/loggers", "/actuator/mappings", "/actuator/metrics"})
    void onlyHealthInfoAndPrometheusAreExposed(String path) {
        HttpTestClient.Response hidden = http.get(path);
        assertThat(hidden.status()).isEqualTo(404);
        assertThat(hidden.contentType()).startsWith("application/problem+json");
        assertThat(http.get("/actuator/info").status()).isEqualTo(200);
    }

    @Test
    void apiDocumentListsEveryPublicEndpointAndNothingInternal() {
        HttpTestClient.Response docs = http.get("/v3/api-docs");
        assertThat(docs.status()).isEqualTo(200);
        Map<String, Set<String>> operations = new TreeMap<>();
        docs.json().path("paths").properties().forEach(path -> operations.put(path.getKey(), new TreeSet<>(path.getValue().propertyNames())));
        Map<String, Set<String>> publicApi = new TreeMap<>(Map.of(
                "/topics", Set.of("get", "post"),
                "/topics/{topic}", Set.of("get", "patch", "delete"),
                "/topics/{topic}/partitions", Set.of("get"),
                "/topics/{topic}/partitions/{partition}", Set.of("get"),
                "/topics/{topic}/records", Set.of("post"),
                "/topics/{topic}/partitions/{partition}/records", Set.of("get", "post"),
                "/topics/{topic}/partitions/{partition}/offsets", Set.of("get"),
                "/topics/{topic}/partitions/{partition}/stream", Set.of("get"),
                "/cluster", Set.of("get")));
        publicApi.putAll(Map.of(
                "/groups", Set.of("get"),
                "/groups/{group}", Set.of("get", "delete"),
                "/groups/{group}/members", Set.of("post"),
                "/groups/{group}/members/{member}", Set.of("delete"),
                "/groups/{group}/members/{member}/records", Set.of("get"),
                "/groups/{group}/members/{member}/heartbeat", Set.of("post"),
                "/groups/{group}/offsets", Set.of("put"),
                "/groups/{group}/offsets/reset", Set.of("post")));
        publicApi.put("/whoami", Set.of("get"));
        publicApi.forEach((path, methods) -> assertThat(operations).as("documented operations").containsKey(path));
        publicApi.forEach((path, methods) -> assertThat(operations.get(path)).as("methods of %s", path).containsAll(methods));
        assertThat(operations.keySet()).noneMatch(path -> path.startsWith("/internal") || path.startsWith("/actuator") || path.startsWith("/error"));
        assertThat(docs.json().path("components").path("schemas").size()).isPositive();
    }

    @Test
    void withSecurityOffEveryoneIsTheAnonymousSuperUser() {
        HttpTestClient.Response whoami = http.get("/whoami");
        assertThat(whoami.status()).isEqualTo(200);
        assertThat(whoami.json().path("principal").asString()).isEqualTo("User:ANONYMOUS");
        assertThat(whoami.json().path("superUser").asBoolean()).isTrue();
    }

    @Test
    void swaggerUiAnswers() {
        HttpTestClient.Response ui = new HttpTestClient(port, HttpClient.Redirect.NORMAL).get("/swagger-ui.html");
        assertThat(ui.status()).isEqualTo(200);
        assertThat(ui.contentType()).startsWith("text/html");
        assertThat(ui.body()).contains("Swagger UI");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/topics/%2E%2E", "/topics/%2E", "/topics/h%C3%A9llo", "/topics/a%20b/partitions/0/records",
            "/topics/a%2Fb", "/topics/..%2Fx",
            "/topics/%2E%2E/partitions/0/offsets?timestamp=0"})
    void illegalTopicNameInTheRawPathIs422Problem(String rawPath) {
        HttpTestClient.Response response = rawGet(rawPath);
        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().path("code").asString()).isEqualTo("INVALID_TOPIC_NAME");
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "/topics/a%5Cb, INVALID_REQUEST",
            "/topics/a%00b, INVALID_REQUEST",
            "/topics/../x, NOT_FOUND",
            "/topics//x, NOT_FOUND"})
    void pathsTheServerRefusesBeforeRoutingAreStillProblems(String rawPath, ErrorCode code) {
        HttpTestClient.Response response = rawGet(rawPath);
        assertThat(response.status()).as(response.body()).isEqualTo(code.status());
        assertThat(response.contentType()).as(response.body()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("code").asString()).isEqualTo(code.name());
        assertThat(problem.path("type").asString()).isEqualTo(code.type());
        assertThat(problem.path("title").asString()).isEqualTo(code.title());
        assertThat(problem.path("status").asInt()).isEqualTo(code.status());
        assertThat(problem.path("detail").asString()).isNotBlank();
    }

    @Test
    void oversizedRequestHeadIsStillAProblem() {
        HttpTestClient.Response response = http.send(http.request("/topics").header("X-Padding", "x".repeat(20_000)).GET().build());
        assertThat(response.status()).isEqualTo(431);
        assertThat(response.contentType()).as(response.body()).startsWith("application/problem+json");
        assertThat(response.json().path("code").asString()).isEqualTo("REQUEST_HEADER_TOO_LARGE");
        assertThat(response.json().path("status").asInt()).isEqualTo(431);
    }

    private HttpTestClient.Response rawGet(String rawPath) {
        return http.send(http.request("/").uri(URI.create("http://localhost:" + port + rawPath)).GET().build());
    }
}
