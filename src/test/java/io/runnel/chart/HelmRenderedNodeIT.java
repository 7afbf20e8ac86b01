package io.runnel.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.chart.HelmChart.Rendered;
import io.runnel.it.RunnelProcess;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the chart renders runs: the StatefulSet rendered with {@code replicaCount: 1} becomes a
 * local process of {@code target/runnel.jar} with the container's environment and arguments (see
 * {@link LocalPod}: the pod name from the downward API, the Secret and ConfigMap contents, volumes
 * as local directories, a free loopback port for the container's). That node becomes ready,
 * answers the rendered probes, reports itself under its pod name, applies the ConfigMap's
 * settings, passes the {@code helm test} pod's own script, and stops cleanly within the grace
 * period.
 *
 * <p>The chart turns security on: every call but the probes' carries the bootstrap key the chart
 * generated into its Secret, as a Bearer token ({@link LocalPod#authorize}); the helm test script
 * gets it as its pod would, from that Secret.
 *
 * <p>{@link HelmRenderedClusterIT} runs the default three-replica render as a cluster.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@TestMethodOrder(OrderAnnotation.class)
class HelmRenderedNodeIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Map<String, Object> VALUES = Map.of("replicaCount", 1, "topics.autoCreate", true);

    private static Rendered chart;
    private static Path workDir;
    private static LocalPod pod;
    private static RunnelProcess node;

    @BeforeAll
    static void renderTheChartAndStartItsPod() {
        chart = HelmChart.render(VALUES);
        workDir = RunnelProcess.newDataDir("helm-rendered");
        List<LocalPod> pods = LocalPod.all(chart, workDir);
        assertThat(pods).extracting(LocalPod::name).containsExactly("demo-runnel-0");
        pod = pods.get(0);
        assertThat(pod.launch().dataDir()).as("RUNNEL_DATA_DIR lies on the data volume").isEqualTo(pod.mountedAt("/var/lib/runnel"));
        assertThat(pod.env()).containsEntry("RUNNEL_SECURITY_ENABLED", "true");
        assertThat(pod.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY")).as("from the rendered Secret").matches("[A-Za-z0-9]{48}");
        node = RunnelProcess.startReady(pod.launch(), READY_TIMEOUT);
    }

    @AfterAll
    static void stopAndCleanUp() {
        if (node != null) {
            node.close();
        }
        RunnelProcess.deleteRecursively(workDir);
    }

    @Test
    @Order(1)
    void renderedProbesAnswerUpOnTheRunningNode() throws IOException {
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            String path = chart.runnelContainer().at("/" + probe + "/httpGet/path").asString();
            // The kubelet has no credentials: the probes' paths stay open.
            RunnelProcess.Response answer = node.get(path);
            assertThat(answer.status()).as("%s %s → %s", probe, path, answer).isEqualTo(200);
            assertThat(json(answer).path("status").asString()).as(probe).isEqualTo("UP");
        }
    }

    @Test
    @Order(2)
    void nodeServesClusterUnderItsPodName() throws IOException {
        JsonNode cluster = json(authorizedGet("/cluster"));
        assertThat(cluster.path("controller").asString()).isEqualTo("demo-runnel-0");
        assertThat(cluster.path("instances")).hasSize(1);
        assertThat(cluster.at("/instances/0/id").asString()).isEqualTo("demo-runnel-0");
        assertThat(cluster.at("/instances/0/status").asString()).isEqualTo("online");
        RunnelProcess.Response anonymous = node.send(HttpRequest.newBuilder(node.baseUri().resolve("/cluster")).GET().build());
        assertThat(anonymous.status()).as("the chart turns security on: %s", anonymous).isEqualTo(401);
    }

    @Test
    @Order(3)
    void configMapSettingsReachTheNode() throws IOException {
        // topics.autoCreate=true lives only in the ConfigMap's application.yaml; the default refuses with 404.
        byte[] body = "{\"records\":[{\"value\":1}]}".getBytes(StandardCharsets.UTF_8);
        RunnelProcess.Response answer = node.send(pod.authorize(node.jsonPost("/topics/created-on-first-produce/records", body)).build());
        assertThat(answer.status()).as("%s", answer).isEqualTo(200);
        assertThat(json(answer).at("/results/0/offset").asLong(-1)).isZero();
    }

    @Test
    @Order(4)
    void helmTestPodScriptPassesAgainstTheNode() throws Exception {
        JsonNode testPod = HelmChart.renderWithHooks(VALUES).get("Pod", "demo-runnel-test");
        JsonNode container = testPod.at("/spec/containers/0");
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : container.path("env")) {
            JsonNode ref = e.at("/valueFrom/secretKeyRef");
            // The release's Secret, the one the node's own key came from (a second render would generate another).
            env.put(e.path("name").asString(), ref.isMissingNode() ? e.path("value").asString()
                    : chart.secretData(ref.path("name").asString()).get(ref.path("key").asString()));
        }
        // The client Service's DNS name stands for this node.
        assertThat(env.get("RUNNEL_URL")).isEqualTo("http://demo-runnel.streaming.svc.cluster.local:8080");
        env.put("RUNNEL_URL", node.baseUri().toString());
        assertThat(env.get("RUNNEL_KEY")).as("the helm test authenticates").isEqualTo(pod.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY"));

        List<String> command = new ArrayList<>();
        container.path("command").forEach(c -> command.add(c.asString()));
        ProcessBuilder script = new ProcessBuilder(command).redirectErrorStream(true);
        script.environment().putAll(env);
        Process process = script.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("helm test script (needs sh and curl) said:\n%s", output).isZero();
        assertThat(output).contains("read back the record: OK");
    }

    @Test
    @Order(5)
    void sigtermStopsTheNodeCleanlyWithinTheGracePeriod() {
        JsonNode podSpec = chart.statefulSet().at("/spec/template/spec");
        int preStopSleep = Integer.parseInt(podSpec.at("/containers/0/lifecycle/preStop/exec/command/1").asString());
        Duration afterPreStop = Duration.ofSeconds(podSpec.path("terminationGracePeriodSeconds").asInt() - preStopSleep);
        assertThat(node.stopWithin(afterPreStop)).as("exited by itself within %s; log %s", afterPreStop, node.logFile()).isTrue();
        assertThat(node.logTail(20)).contains("Closed every partition log cleanly");
    }

    private static RunnelProcess.Response authorizedGet(String path) throws IOException {
        return node.send(pod.authorize(HttpRequest.newBuilder(node.baseUri().resolve(path))).GET().build());
    }

    private static JsonNode json(RunnelProcess.Response answer) {
        return JSON.readTree(answer.body());
    }
}
