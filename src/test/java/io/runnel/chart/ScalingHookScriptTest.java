package io.runnel.chart;

import static io.runnel.chart.HelmChart.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.chart.HelmChart.Rendered;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The scaling hook Jobs' scripts, as rendered, run with {@code sh} and {@code curl} on this machine
 * against {@link ContractCluster}, a local HTTP server answering the membership calls of API.md
 * ("Cluster and operations") for five instances: what they ask for, in which order, with which
 * credentials, and how they fail. The Job's environment is the rendered one (the bootstrap key from
 * the rendered Secret) except {@code RUNNEL_URL}, which points at the local server.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ScalingHookScriptTest {
    private static final String FULLNAME = HelmChart.RELEASE + "-runnel";

    private ContractCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void scaleDownDrainsAndRemovesTheTwoHighestOrdinalsOneAfterTheOther() throws Exception {
        Hook hook = hook(5, Map.of("replicaCount", 3), FULLNAME + "-scale-down");
        cluster = ContractCluster.start(FULLNAME, 5, hook.env().get("RUNNEL_KEY"));

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(cluster.changes()).containsExactly(
                "POST /cluster/instances/demo-runnel-4/drain", "DELETE /cluster/instances/demo-runnel-4",
                "POST /cluster/instances/demo-runnel-3/drain", "DELETE /cluster/instances/demo-runnel-3");
        assertThat(cluster.ids()).containsExactly("demo-runnel-0", "demo-runnel-1", "demo-runnel-2");
        assertThat(cluster.unauthorized()).as("every call carries the bootstrap key").isZero();
        assertThat(run.output()).contains("drained and removed: demo-runnel-4 demo-runnel-3");
    }

    @Test
    void scaleDownResumesAnInterruptedOneWithoutAskingAgain() throws Exception {
        Hook hook = hook(5, Map.of("replicaCount", 4), FULLNAME + "-scale-down");
        cluster = ContractCluster.start(FULLNAME, 5, hook.env().get("RUNNEL_KEY"));
        cluster.setStatus("demo-runnel-4", "drained");

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(cluster.changes()).containsExactly("DELETE /cluster/instances/demo-runnel-4");
        assertThat(cluster.ids()).hasSize(4);
    }

    @Test
    void scaleDownWithNothingAboveTheNewCountChangesNothing() throws Exception {
        Hook hook = hook(5, Map.of("replicaCount", 3), FULLNAME + "-scale-down");
        cluster = ContractCluster.start(FULLNAME, 3, hook.env().get("RUNNEL_KEY"));

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(cluster.changes()).isEmpty();
        assertThat(run.output()).contains("nothing to drain");
    }

    @Test
    void aRefusedDrainFailsTheHookAndRemovesNothing() throws Exception {
        Hook hook = hook(5, Map.of("replicaCount", 3), FULLNAME + "-scale-down");
        cluster = ContractCluster.start(FULLNAME, 5, hook.env().get("RUNNEL_KEY"));
        cluster.refuseDrains();

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.output()).contains("cannot hold replication factor 3");
        assertThat(cluster.changes()).containsExactly("POST /cluster/instances/demo-runnel-4/drain");
        assertThat(cluster.ids()).hasSize(5);
    }

    @Test
    void aDrainThatDoesNotFinishInTimeFailsTheHookAndRemovesNothing() throws Exception {
        Hook hook = hook(5, Map.of("replicaCount", 3, "scaling.drainTimeoutSeconds", 2), FULLNAME + "-scale-down");
        cluster = ContractCluster.start(FULLNAME, 5, hook.env().get("RUNNEL_KEY"));
        cluster.neverFinishDrains();

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.output()).contains("demo-runnel-4 is not drained after 2s");
        assertThat(cluster.changes()).containsExactly("POST /cluster/instances/demo-runnel-4/drain");
    }

    @Test
    void scaleUpWaitsUntilTheNewInstancesAreOnlineThenRebalancesOnce() throws Exception {
        Hook hook = hook(3, Map.of("replicaCount", 5), FULLNAME + "-rebalance");
        cluster = ContractCluster.start(FULLNAME, 3, hook.env().get("RUNNEL_KEY"));
        cluster.joinAfterLooks(3, "demo-runnel-3", "demo-runnel-4");

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(cluster.looks()).as("it waited for the joins").isGreaterThan(3);
        assertThat(cluster.changes()).containsExactly("POST /cluster/rebalance");
        assertThat(cluster.unauthorized()).isZero();
    }

    @Test
    void scaleUpFailsWhenTheNewInstancesDoNotJoinInTime() throws Exception {
        Hook hook = hook(3, Map.of("replicaCount", 5, "scaling.joinTimeoutSeconds", 2), FULLNAME + "-rebalance");
        cluster = ContractCluster.start(FULLNAME, 3, hook.env().get("RUNNEL_KEY"));

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.output()).contains("3 of 5 instances online after 2s");
        assertThat(cluster.changes()).isEmpty();
    }

    @Test
    void withSecurityOffTheHookSendsNoCredentials() throws Exception {
        Hook hook = hook(5, Map.of("replicaCount", 3, "security.enabled", false), FULLNAME + "-scale-down");
        assertThat(hook.env()).doesNotContainKey("RUNNEL_KEY");
        cluster = ContractCluster.start(FULLNAME, 5, null);

        Run run = hook.runAgainst(cluster);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(cluster.ids()).hasSize(3);
    }

    // ---- the rendered Job, run locally ----

    /** The Job's command and environment, rendered as an upgrade from {@code running} replicas. */
    private static Hook hook(int running, Map<String, Object> values, String jobName) {
        Map<String, Object> withFastPolls = new LinkedHashMap<>(values);
        withFastPolls.put("scaling.pollSeconds", 1);
        FakeKubernetesApi.putStatefulSet(NAMESPACE, FULLNAME, running);
        Rendered chart;
        try {
            chart = HelmChart.renderWithHooks(withFastPolls);
        } finally {
            FakeKubernetesApi.deleteStatefulSet(NAMESPACE, FULLNAME);
        }
        JsonNode container = chart.get("Job", jobName).at("/spec/template/spec/containers/0");
        List<String> command = new ArrayList<>();
        container.path("command").forEach(c -> command.add(c.asString()));
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode var : container.path("env")) {
            JsonNode secret = var.at("/valueFrom/secretKeyRef");
            env.put(var.path("name").asString(), secret.isMissingNode()
                    ? var.path("value").asString()
                    : chart.secretData(secret.path("name").asString()).get(secret.path("key").asString()));
        }
        return new Hook(command, env);
    }

    record Hook(List<String> command, Map<String, String> env) {
        Run runAgainst(ContractCluster cluster) throws IOException, InterruptedException {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            builder.environment().put("RUNNEL_URL", cluster.url());
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the hook script did not end: " + output);
            }
            return new Run(process.exitValue(), output);
        }
    }

    record Run(int exitCode, String output) {
    }
}
