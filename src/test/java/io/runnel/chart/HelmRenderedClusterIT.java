package io.runnel.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.chart.HelmChart.Rendered;
import io.runnel.it.RunnelProcess;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The chart's default render (three replicas) runs as one cluster: each pod of the rendered
 * StatefulSet becomes a local {@code runnel.jar} process with the container's environment and
 * arguments ({@link LocalPod}), the pods' DNS names in {@code RUNNEL_CLUSTER_PEERS} mapped to
 * 127.0.0.1 and distinct free HTTP and Raft ports, as a Kubernetes cluster network would route them.
 * All three become ready, and {@code /cluster} on each lists the same three online instances,
 * under their pod names, and the same controller. Security is on, as the chart has it: every pod
 * gets the same bootstrap key from the rendered Secret, and {@code /cluster} is asked with it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HelmRenderedClusterIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final List<RunnelProcess> nodes = new ArrayList<>();
    private Path workDir;

    @AfterEach
    void stop() {
        nodes.forEach(RunnelProcess::close);
        RunnelProcess.deleteRecursively(workDir);
    }

    @Test
    void threeRenderedPodsFormOneCluster() throws IOException {
        Rendered chart = HelmChart.render(Map.of());
        workDir = RunnelProcess.newDataDir("helm-cluster");
        List<LocalPod> pods = LocalPod.all(chart, workDir);
        assertThat(pods).extracting(LocalPod::name).containsExactly("demo-runnel-0", "demo-runnel-1", "demo-runnel-2");

        String peers = pods.get(0).env().get("RUNNEL_CLUSTER_PEERS");
        assertThat(peers).as("every pod gets the same peers").isNotBlank();
        assertThat(pods).allSatisfy(p -> assertThat(p.env().get("RUNNEL_CLUSTER_PEERS")).isEqualTo(peers));
        assertThat(pods).allSatisfy(p -> assertThat(p.env().get("RUNNEL_CLUSTER_SECRET")).isNotBlank());
        String key = pods.get(0).env().get("RUNNEL_SECURITY_BOOTSTRAPKEY");
        assertThat(key).as("the bootstrap key, from the rendered Secret").isNotBlank();
        assertThat(pods).allSatisfy(p -> assertThat(p.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY")).isEqualTo(key));

        Map<String, Integer> httpPorts = new HashMap<>();
        List<String> local = new ArrayList<>();
        String[] entries = peers.split(",");
        int[] ports = RunnelProcess.freePorts(2 * entries.length);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i];
            String id = entry.substring(0, entry.indexOf('@'));
            assertThat(entry).as("a pod's stable DNS name on the headless service")
                    .startsWith(id + "@" + id + ".demo-runnel-headless.streaming.svc.cluster.local:");
            int http = ports[2 * i];
            int raft = ports[2 * i + 1];
            httpPorts.put(id, http);
            local.add(id + "@127.0.0.1:" + http + ":" + raft);
        }
        for (LocalPod pod : pods) {
            Map<String, String> env = new LinkedHashMap<>(pod.env());
            env.put("RUNNEL_CLUSTER_PEERS", String.join(",", local));
            nodes.add(RunnelProcess.start(pod.launch().withEnv(env).withPort(httpPorts.get(pod.name()))));
        }
        for (RunnelProcess node : nodes) {
            node.awaitReady(READY_TIMEOUT);
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> controllers = new ArrayList<>();
            for (RunnelProcess node : nodes) {
                HttpRequest request = pods.get(0).authorize(HttpRequest.newBuilder(node.baseUri().resolve("/cluster"))).GET().build();
                JsonNode cluster = JSON.readTree(node.send(request).body());
                List<String> online = new ArrayList<>();
                cluster.path("instances").forEach(i -> {
                    if (i.path("status").asString().equals("online")) {
                        online.add(i.path("id").asString());
                    }
                });
                assertThat(online).containsExactly("demo-runnel-0", "demo-runnel-1", "demo-runnel-2");
                assertThat(cluster.path("controller").isNull()).isFalse();
                controllers.add(cluster.path("controller").asString());
            }
            assertThat(controllers).as("one controller, seen alike").containsOnly(controllers.get(0));
        });
    }
}
