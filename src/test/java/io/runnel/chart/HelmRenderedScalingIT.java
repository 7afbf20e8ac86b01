package io.runnel.chart;

import static io.runnel.chart.HelmChart.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code helm upgrade --set replicaCount=5}, then {@code =3}, played with real processes: the
 * default render's three pods run as local {@code runnel.jar} processes (as in
 * {@link HelmRenderedClusterIT}, pod DNS names mapped to loopback ports); the render of
 * {@code replicaCount=5} as an upgrade of a running three-pod StatefulSet starts pods 3 and 4 with
 * its ConfigMap's peer list and runs its post-upgrade rebalance Job's script; the render of
 * {@code replicaCount=3} as an upgrade of five runs its pre-upgrade drain Job's script, then pods 3
 * and 4 stop, as the StatefulSet would remove them. The scripts run with {@code sh} and
 * {@code curl}, their {@code RUNNEL_URL} pointing at pod 0 (the client Service would pick any).
 * Throughout: the cluster id and a topic with replication factor 3 and its records stay.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HelmRenderedScalingIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final String FULLNAME = HelmChart.RELEASE + "-runnel";

    private final Map<String, RunnelProcess> nodes = new LinkedHashMap<>();
    private Path workDir;

    @AfterEach
    void stop() {
        nodes.values().forEach(RunnelProcess::close);
        RunnelProcess.deleteRecursively(workDir);
    }

    @Test
    void threeToFiveToThreeKeepsTheClusterAndItsData() throws Exception {
        workDir = RunnelProcess.newDataDir("helm-scaling");
        Map<String, String> localPeers = new LinkedHashMap<>();
        Map<String, Integer> httpPorts = new LinkedHashMap<>();
        int[] ports = RunnelProcess.freePorts(10);
        for (int i = 0; i < 5; i++) {
            String id = FULLNAME + "-" + i;
            int http = ports[2 * i];
            httpPorts.put(id, http);
            localPeers.put(id, id + "@127.0.0.1:" + http + ":" + ports[2 * i + 1]);
        }

        Rendered three = HelmChart.render(Map.of());
        List<LocalPod> firstPods = LocalPod.all(three, workDir);
        LocalPod admin = firstPods.get(0);
        startTogether(firstPods, localPeers, httpPorts);
        RunnelProcess first = nodes.get(FULLNAME + "-0");
        // The first controller chooses the cluster id shortly after the quorum forms: until then it is null.
        await().atMost(Duration.ofSeconds(60)).until(() -> online(admin, first).size() == 3
                && cluster(admin, first).path("clusterId").isString());
        String clusterId = cluster(admin, first).path("clusterId").asString();
        assertThat(clusterId).isNotBlank();

        assertThat(call(admin, first, "POST", "/topics", "{\"name\":\"orders\",\"partitions\":3,\"replicationFactor\":3}").status())
                .isEqualTo(201);
        for (int p = 0; p < 3; p++) {
            RunnelProcess.Response produced = call(admin, first, "POST", "/topics/orders/partitions/" + p + "/records?acks=all",
                    "{\"records\":[{\"key\":\"k" + p + "\",\"value\":\"before scaling\"}]}");
            assertThat(produced.status()).as(produced.text()).isEqualTo(200);
        }

        // helm upgrade --set replicaCount=5: two new pods, then the post-upgrade hook.
        Rendered five = renderUpgrade(three, 3, Map.of("replicaCount", 5));
        assertThat(five.statefulSet().at("/spec/template")).isEqualTo(three.statefulSet().at("/spec/template"));
        List<LocalPod> newPods = LocalPod.all(five, workDir).subList(3, 5);
        assertThat(newPods).allSatisfy(pod -> assertThat(pod.env().get("RUNNEL_CLUSTER_PEERS")).contains(pod.name() + "@"));
        startTogether(newPods, localPeers, httpPorts);
        ScriptRun rebalance = runHook(five, FULLNAME + "-rebalance", first);
        assertThat(rebalance.exitCode()).as(rebalance.output()).isZero();
        assertThat(online(admin, first)).hasSize(5);

        // helm upgrade --set replicaCount=3: the pre-upgrade hook, then the StatefulSet removes pods 4 and 3.
        ScriptRun drain = runHook(renderUpgrade(three, 5, Map.of("replicaCount", 3)), FULLNAME + "-scale-down", first);
        assertThat(drain.exitCode()).as(drain.output()).isZero();
        nodes.remove(FULLNAME + "-4").close();
        nodes.remove(FULLNAME + "-3").close();

        JsonNode after = cluster(admin, first);
        assertThat(after.path("clusterId").asString()).isEqualTo(clusterId);
        assertThat(after.path("instances").findValuesAsString("id"))
                .containsExactlyInAnyOrder(FULLNAME + "-0", FULLNAME + "-1", FULLNAME + "-2");
        for (int p = 0; p < 3; p++) {
            RunnelProcess.Response records = call(admin, first, "GET", "/topics/orders/partitions/" + p + "/records?offset=earliest", null);
            assertThat(records.status()).as(records.text()).isEqualTo(200);
            assertThat(records.text()).contains("\"key\":\"k" + p + "\"", "before scaling");
        }
    }

    /** Starts the pods, as the StatefulSet does in parallel, then waits until each is ready. */
    private void startTogether(List<LocalPod> pods, Map<String, String> localPeers, Map<String, Integer> httpPorts) {
        List<RunnelProcess> started = new ArrayList<>();
        for (LocalPod pod : pods) {
            int count = pod.env().get("RUNNEL_CLUSTER_PEERS").split(",").length;
            Map<String, String> env = new LinkedHashMap<>(pod.env());
            env.put("RUNNEL_CLUSTER_PEERS", String.join(",", new ArrayList<>(localPeers.values()).subList(0, count)));
            RunnelProcess node = RunnelProcess.start(pod.launch().withEnv(env).withPort(httpPorts.get(pod.name())));
            nodes.put(pod.name(), node);
            started.add(node);
        }
        started.forEach(node -> node.awaitReady(READY_TIMEOUT));
    }

    /**
     * An upgrade of the release installed as {@code installed}, whose StatefulSet runs {@code running} pods: Helm's
     * {@code lookup} finds both, so the upgrade keeps the installed Secret (cluster secret, bootstrap key).
     */
    private static Rendered renderUpgrade(Rendered installed, int running, Map<String, Object> values) {
        Map<String, Object> withFastPolls = new LinkedHashMap<>(values);
        withFastPolls.put("scaling.pollSeconds", 1);
        FakeKubernetesApi.putStatefulSet(NAMESPACE, FULLNAME, running);
        FakeKubernetesApi.putSecret(NAMESPACE, FULLNAME, installed.secretData(FULLNAME));
        try {
            return HelmChart.renderWithHooks(withFastPolls);
        } finally {
            FakeKubernetesApi.deleteStatefulSet(NAMESPACE, FULLNAME);
            FakeKubernetesApi.deleteSecret(NAMESPACE, FULLNAME);
        }
    }

    /** Runs a hook Job's command with its rendered environment, the client Service being {@code target}. */
    private static ScriptRun runHook(Rendered chart, String job, RunnelProcess target) throws IOException, InterruptedException {
        JsonNode container = chart.get("Job", job).at("/spec/template/spec/containers/0");
        List<String> command = new ArrayList<>();
        container.path("command").forEach(c -> command.add(c.asString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        for (JsonNode var : container.path("env")) {
            JsonNode secret = var.at("/valueFrom/secretKeyRef");
            builder.environment().put(var.path("name").asString(), secret.isMissingNode() ? var.path("value").asString()
                    : chart.secretData(secret.path("name").asString()).get(secret.path("key").asString()));
        }
        builder.environment().put("RUNNEL_URL", target.baseUri().toString().replaceAll("/$", ""));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as(output).isTrue();
        return new ScriptRun(process.exitValue(), output);
    }

    private record ScriptRun(int exitCode, String output) {
    }

    private static JsonNode cluster(LocalPod admin, RunnelProcess node) throws IOException {
        return JSON.readTree(call(admin, node, "GET", "/cluster", null).text());
    }

    private static List<String> online(LocalPod admin, RunnelProcess node) throws IOException {
        List<String> online = new ArrayList<>();
        cluster(admin, node).path("instances").forEach(i -> {
            if (i.path("status").asString().equals("online")) {
                online.add(i.path("id").asString());
            }
        });
        return online;
    }

    /** A call with the bootstrap key, as the chart's hooks and an administrator make it. */
    private static RunnelProcess.Response call(LocalPod admin, RunnelProcess node, String method, String path, String json)
            throws IOException {
        HttpRequest.Builder request = admin.authorize(HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(30)));
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return node.send(request.build());
    }
}
