package io.runnel.chart;

import static io.runnel.chart.HelmChart.NAMESPACE;
import static io.runnel.chart.HelmChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.runnel.chart.HelmChart.Rendered;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.xml.sax.InputSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.JsonNode;

/**
 * The Helm chart, rendered by the real Helm engine: what a {@code helm install} of it would create,
 * and which values its schema refuses. See {@link HelmChart}; {@code HelmRenderedNodeIT} runs the
 * rendered container spec against the packaged jar.
 */
class HelmChartTest {
    private static final String FULLNAME = RELEASE + "-runnel";
    private static final String HEADLESS = FULLNAME + "-headless";

    @Test
    void chartPassesStrictLint() {
        LintResult lint = HelmChart.lintStrict();
        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    }

    @Test
    void defaultRenderIsAThreeReplicaParallelStatefulSetWhosePeersNameAllThreePods() {
        Rendered chart = HelmChart.render(Map.of());
        JsonNode sts = chart.statefulSet();
        assertThat(sts.at("/metadata/name").asString()).isEqualTo(FULLNAME);
        assertThat(sts.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(sts.at("/spec/podManagementPolicy").asString()).isEqualTo("Parallel");
        assertThat(sts.at("/spec/serviceName").asString()).isEqualTo(HEADLESS);

        String domain = HEADLESS + "." + NAMESPACE + ".svc.cluster.local";
        assertThat(envValue(chart, "RUNNEL_CLUSTER_PEERS")).isEqualTo(String.join(",",
                FULLNAME + "-0@" + FULLNAME + "-0." + domain + ":8080:9090",
                FULLNAME + "-1@" + FULLNAME + "-1." + domain + ":8080:9090",
                FULLNAME + "-2@" + FULLNAME + "-2." + domain + ":8080:9090"));
    }

    @Test
    void singleReplicaRendersOneNodeWithoutPeers() {
        Rendered chart = HelmChart.render(Map.of("replicaCount", 1));
        assertThat(chart.statefulSet().at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(chart.env()).doesNotContainKey("RUNNEL_CLUSTER_PEERS");
    }

    @Test
    void peersFollowReplicaCountPortsAndClusterDomain() {
        Rendered chart = HelmChart.render(Map.of("replicaCount", 5, "ports.http", 18080, "ports.raft", 19090,
                "clusterDomain", "k8s.internal"));
        String[] peers = envValue(chart, "RUNNEL_CLUSTER_PEERS").split(",");
        assertThat(peers).hasSize(5);
        assertThat(peers[4]).isEqualTo(FULLNAME + "-4@" + FULLNAME + "-4." + HEADLESS + "." + NAMESPACE
                + ".svc.k8s.internal:18080:19090");
        assertThat(envValue(chart, "SERVER_PORT")).isEqualTo("18080");
        assertThat(chart.get("Service", HEADLESS).at("/spec/ports").findValues("port"))
                .extracting(JsonNode::asInt).containsExactly(18080, 19090);
    }

    @Test
    void nodeIdIsThePodNameAndDataLivesOnTheDataVolume() {
        Rendered chart = HelmChart.render(Map.of());
        assertThat(chart.env().get("RUNNEL_NODE_ID").at("/valueFrom/fieldRef/fieldPath").asString()).isEqualTo("metadata.name");
        assertThat(envValue(chart, "RUNNEL_DATA_DIR")).isEqualTo("/var/lib/runnel");
        assertThat(mountPath(chart, "data")).isEqualTo("/var/lib/runnel");
    }

    @Test
    void dataVolumeClaimTemplateRequestsTheConfiguredSizeAndClass() {
        JsonNode claim = HelmChart.render(Map.of("persistence.size", "250Gi", "persistence.storageClass", "fast-ssd"))
                .statefulSet().at("/spec/volumeClaimTemplates/0");
        assertThat(claim.at("/metadata/name").asString()).isEqualTo("data");
        assertThat(claim.at("/spec/resources/requests/storage").asString()).isEqualTo("250Gi");
        assertThat(claim.at("/spec/storageClassName").asString()).isEqualTo("fast-ssd");
        assertThat(claim.at("/spec/accessModes/0").asString()).isEqualTo("ReadWriteOnce");
    }

    @Test
    void withoutPersistenceTheDataVolumeIsAnEmptyDir() {
        JsonNode sts = HelmChart.render(Map.of("persistence.enabled", false)).statefulSet();
        assertThat(sts.at("/spec/volumeClaimTemplates").isMissingNode()).isTrue();
        assertThat(volume(sts, "data").has("emptyDir")).isTrue();
    }

    @Test
    void schemaRejectsZeroReplicas() {
        assertRejected(Map.of("replicaCount", 0), "replicaCount: Must be greater than or equal to 1");
    }

    @Test
    void schemaRejectsAMalformedVolumeSize() {
        assertRejected(Map.of("persistence.size", "10GB"), "persistence.size: Does not match pattern");
        assertRejected(Map.of("persistence.size", "ten gigabytes"), "persistence.size: Does not match pattern");
    }

    @Test
    void schemaRejectsAnUnknownFlushPolicy() {
        assertRejected(Map.of("storage.flush", "sometimes"), "storage.flush must be one of the following");
    }

    @Test
    void schemaRejectsAMisspelledKey() {
        assertRejected(Map.of("replicas", 3), "Additional property replicas is not allowed");
    }

    @Test
    void schemaRejectsMalformedResourcesAndPorts() {
        assertRejected(Map.of("resources.limits.memory", "lots"), "resources.limits.memory: Does not match pattern");
        assertRejected(Map.of("ports.raft", 70000), "ports.raft: Must be less than or equal to 65535");
    }

    @Test
    void probesAskDistinctQuestionsOfTheActuatorHealthGroups() {
        JsonNode container = HelmChart.render(Map.of()).runnelContainer();
        assertThat(container.at("/startupProbe/httpGet/path").asString()).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("/readinessProbe/httpGet/path").asString()).isEqualTo("/actuator/health/readiness");
        assertThat(container.at("/livenessProbe/httpGet/path").asString()).isEqualTo("/actuator/health/liveness");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/port").asString()).as(probe).isEqualTo("http");
        }
        // Log recovery after an unclean stop may take minutes: startup allows 15 minutes before liveness applies.
        JsonNode startup = container.path("startupProbe");
        assertThat(startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt()).isGreaterThanOrEqualTo(600);
    }

    @Test
    void containerRunsAsNonRootOnAReadOnlyRootWithAWritableTmp() {
        Rendered chart = HelmChart.render(Map.of());
        JsonNode sts = chart.statefulSet();
        JsonNode pod = sts.at("/spec/template/spec");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(10001);
        assertThat(pod.at("/securityContext/fsGroup").asInt()).isEqualTo(10001);
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.path("enableServiceLinks").asBoolean(true)).isFalse();
        JsonNode container = pod.at("/containers/0");
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(container.at("/securityContext/capabilities/drop/0").asString()).isEqualTo("ALL");
        assertThat(volume(sts, "tmp").has("emptyDir")).isTrue();
        assertThat(mountPath(chart, "tmp")).isEqualTo("/tmp");
    }

    @Test
    void resourcesRequestCpuAndMemoryAndLimitMemoryWhichSizesTheHeap() {
        Rendered chart = HelmChart.render(Map.of());
        JsonNode resources = chart.runnelContainer().path("resources");
        assertThat(resources.at("/requests/cpu").asString()).isEqualTo("500m");
        assertThat(resources.at("/requests/memory").asString()).isEqualTo("1Gi");
        assertThat(resources.at("/limits/memory").asString()).isEqualTo("1Gi");
        assertThat(envValue(chart, "JAVA_TOOL_OPTIONS")).contains("-XX:MaxRAMPercentage=");
    }

    @Test
    void terminationLeavesTimeToDrainAndCloseTheLogs() {
        JsonNode sts = HelmChart.render(Map.of()).statefulSet();
        assertThat(sts.at("/spec/template/spec/terminationGracePeriodSeconds").asInt()).isEqualTo(60);
        assertThat(sts.at("/spec/template/spec/containers/0/lifecycle/preStop/exec/command/0").asString()).isEqualTo("sleep");
    }

    @Test
    void podsPreferDistinctNodesUnlessToldToRequireThem() {
        JsonNode soft = HelmChart.render(Map.of()).statefulSet().at("/spec/template/spec/affinity/podAntiAffinity");
        assertThat(soft.at("/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm/topologyKey").asString())
                .isEqualTo("kubernetes.io/hostname");
        assertThat(soft.has("requiredDuringSchedulingIgnoredDuringExecution")).isFalse();
        JsonNode hard = HelmChart.render(Map.of("podAntiAffinity", "hard")).statefulSet()
                .at("/spec/template/spec/affinity/podAntiAffinity");
        assertThat(hard.at("/requiredDuringSchedulingIgnoredDuringExecution/0/topologyKey").asString())
                .isEqualTo("kubernetes.io/hostname");
    }

    @Test
    void headlessServicePublishesNotReadyPodsOnHttpAndRaftPorts() {
        Rendered chart = HelmChart.render(Map.of());
        JsonNode headless = chart.get("Service", HEADLESS);
        assertThat(headless.at("/spec/clusterIP").asString()).isEqualTo("None");
        assertThat(headless.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(headless.at("/spec/ports").findValuesAsString("name")).containsExactly("http", "raft");

        JsonNode client = chart.get("Service", FULLNAME);
        assertThat(client.at("/spec/publishNotReadyAddresses").asBoolean(false)).isFalse();
        assertThat(client.at("/spec/ports/0/targetPort").asString()).isEqualTo("http");
        JsonNode podLabels = chart.statefulSet().at("/spec/template/metadata/labels");
        client.at("/spec/selector").properties().forEach(label ->
                assertThat(podLabels.path(label.getKey()).asString()).as(label.getKey()).isEqualTo(label.getValue().asString()));
    }

    @Test
    void disruptionBudgetLetsOneMemberGoAtATime() {
        Rendered chart = HelmChart.render(Map.of());
        JsonNode pdb = chart.get("PodDisruptionBudget", FULLNAME);
        assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(chart.statefulSet().at("/spec/selector/matchLabels"));
    }

    @Test
    void configMapCarriesTheSettingsAndItsChecksumRollsThePods() {
        Rendered defaults = HelmChart.render(Map.of());
        Rendered interval = HelmChart.render(Map.of("storage.flush", "interval", "config.runnel.produce.max-request-size", "32MB"));

        Map<String, Object> yaml = applicationYaml(interval);
        assertThat(path(yaml, "runnel", "storage", "flush")).isEqualTo("interval");
        assertThat(path(yaml, "runnel", "produce", "max-request-size")).isEqualTo("32MB");
        assertThat(path(applicationYaml(defaults), "runnel", "storage", "flush")).isEqualTo("always");
        assertThat(envValue(defaults, "SPRING_CONFIG_ADDITIONAL_LOCATION")).isEqualTo("file:/etc/runnel/application.yaml");
        assertThat(mountPath(defaults, "config")).isEqualTo("/etc/runnel");

        assertThat(configChecksum(interval)).isNotEqualTo(configChecksum(defaults));
        assertThat(configChecksum(HelmChart.render(Map.of()))).isEqualTo(configChecksum(defaults));
    }

    @Test
    void freeFormConfigOverridesTheChartsOwnSettings() {
        Map<String, Object> yaml = applicationYaml(HelmChart.render(Map.of("config.runnel.storage.flush", "os")));
        assertThat(path(yaml, "runnel", "storage", "flush")).isEqualTo("os");
        assertThat(path(yaml, "runnel", "storage", "flush-interval")).isEqualTo("1s");
    }

    @Test
    void clusterSecretIsGeneratedWhenNotGivenAndPassedFromTheSecret() {
        Rendered chart = HelmChart.render(Map.of());
        assertThat(chart.secretData(FULLNAME).get("cluster-secret")).hasSize(48);
        JsonNode ref = chart.env().get("RUNNEL_CLUSTER_SECRET").at("/valueFrom/secretKeyRef");
        assertThat(ref.path("name").asString()).isEqualTo(FULLNAME);
        assertThat(ref.path("key").asString()).isEqualTo("cluster-secret");
    }

    @Test
    void givenClusterSecretIsStoredAndRollsThePodsWhenChanged() {
        Rendered first = HelmChart.render(Map.of("cluster.secret", "correct-horse-battery-staple"));
        Rendered second = HelmChart.render(Map.of("cluster.secret", "another-long-enough-secret"));
        assertThat(first.secretData(FULLNAME).get("cluster-secret")).isEqualTo("correct-horse-battery-staple");
        assertThat(podAnnotation(first, "checksum/secret")).isNotEqualTo(podAnnotation(second, "checksum/secret"));
        assertRejected(Map.of("cluster.secret", "short"), "cluster.secret: Must validate at least one schema");
    }

    @Test
    void upgradeKeepsTheClusterSecretTheReleaseAlreadyHas() {
        FakeKubernetesApi.putSecret(NAMESPACE, FULLNAME, Map.of("cluster-secret", "generated-at-install-and-kept"));
        try {
            assertThat(HelmChart.render(Map.of()).secretData(FULLNAME).get("cluster-secret"))
                    .isEqualTo("generated-at-install-and-kept");
            assertThat(HelmChart.render(Map.of("cluster.secret", "given-on-upgrade-wins-over-it")).secretData(FULLNAME)
                    .get("cluster-secret")).isEqualTo("given-on-upgrade-wins-over-it");
        } finally {
            FakeKubernetesApi.deleteSecret(NAMESPACE, FULLNAME);
        }
    }

    @Test
    void existingSecretIsReferencedAndNothingIsGenerated() {
        Rendered chart = HelmChart.render(Map.of("cluster.existingSecret", "my-runnel-secret"));
        assertThat(chart.ofKind("Secret")).isEmpty();
        assertThat(chart.env().get("RUNNEL_CLUSTER_SECRET").at("/valueFrom/secretKeyRef/name").asString())
                .isEqualTo("my-runnel-secret");
    }

    @Test
    void serviceMonitorAndIngressAreOffByDefault() {
        Rendered chart = HelmChart.render(Map.of());
        assertThat(chart.ofKind("ServiceMonitor")).isEmpty();
        assertThat(chart.ofKind("Ingress")).isEmpty();
        assertThat(chart.kinds()).containsExactlyInAnyOrder("PodDisruptionBudget/" + FULLNAME, "Secret/" + FULLNAME,
                "ConfigMap/" + FULLNAME, "Service/" + HEADLESS, "Service/" + FULLNAME, "StatefulSet/" + FULLNAME);
    }

    @Test
    void serviceMonitorScrapesEveryPodsPrometheusEndpoint() {
        Rendered chart = HelmChart.render(Map.of("metrics.serviceMonitor.enabled", true, "metrics.serviceMonitor.labels.release", "kube-prom"));
        JsonNode monitor = chart.get("ServiceMonitor", FULLNAME);
        assertThat(monitor.at("/metadata/labels/release").asString()).isEqualTo("kube-prom");
        assertThat(monitor.at("/spec/endpoints/0/path").asString()).isEqualTo("/actuator/prometheus");
        assertThat(monitor.at("/spec/endpoints/0/port").asString()).isEqualTo("http");
        JsonNode headlessLabels = chart.get("Service", HEADLESS).at("/metadata/labels");
        monitor.at("/spec/selector/matchLabels").properties().forEach(label ->
                assertThat(headlessLabels.path(label.getKey()).asString()).as(label.getKey()).isEqualTo(label.getValue().asString()));
    }

    @Test
    void ingressRoutesItsHostToTheClientService() {
        JsonNode ingress = HelmChart.render(Map.of("ingress.enabled", true, "ingress.host", "events.example.org",
                "ingress.className", "nginx")).get("Ingress", FULLNAME);
        assertThat(ingress.at("/spec/ingressClassName").asString()).isEqualTo("nginx");
        assertThat(ingress.at("/spec/rules/0/host").asString()).isEqualTo("events.example.org");
        assertThat(ingress.at("/spec/rules/0/http/paths/0/backend/service/name").asString()).isEqualTo(FULLNAME);
        assertThat(ingress.at("/spec/rules/0/http/paths/0/backend/service/port/name").asString()).isEqualTo("http");
    }

    @Test
    void helmTestPodIsAHookThatProducesAndReadsBackOneRecordThroughTheClientService() {
        assertThat(HelmChart.render(Map.of()).ofKind("Pod")).as("hooks are not part of the release's manifest").isEmpty();
        JsonNode pod = HelmChart.renderWithTestHooks(Map.of()).get("Pod", FULLNAME + "-test");
        assertThat(pod.at("/metadata/labels/app.kubernetes.io~1component").asString()).isEqualTo("test");
        JsonNode container = pod.at("/spec/containers/0");
        assertThat(container.at("/env/0/value").asString())
                .isEqualTo("http://" + FULLNAME + "." + NAMESPACE + ".svc.cluster.local:8080");
        String script = container.at("/command/2").asString();
        assertThat(script).contains("/topics/$topic/records", "/partitions/0/records?offset=earliest");
    }

    @Test
    void notesShowHowToReachAndTestTheRelease() {
        String notes = HelmChart.notes(Map.of());
        assertThat(notes).contains("helm -n " + NAMESPACE + " test " + RELEASE,
                "kubectl -n " + NAMESPACE + " port-forward svc/" + FULLNAME + " 8080:8080",
                "curl -s -X POST localhost:8080/topics/orders/records");
        assertThat(HelmChart.notes(Map.of("replicaCount", 2))).contains("is even");
    }

    @Test
    void chartAppVersionIsTheProjectVersion() throws Exception {
        Map<String, Object> chart = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(HelmChart.DIR.resolve("Chart.yaml")));
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(Files.readString(Path.of("pom.xml")))));
        var version = pom.getDocumentElement().getElementsByTagName("version");
        String projectVersion = null;
        for (int i = 0; i < version.getLength(); i++) {
            if (version.item(i).getParentNode() == pom.getDocumentElement()) {
                projectVersion = version.item(i).getTextContent();
            }
        }
        assertThat(chart.get("appVersion")).isEqualTo(projectVersion);
    }

    // ---- helpers ----

    private static void assertRejected(Map<String, ?> values, String complaint) {
        assertThatThrownBy(() -> HelmChart.render(values))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(complaint);
    }

    private static String envValue(Rendered chart, String name) {
        JsonNode env = chart.env().get(name);
        assertThat(env).as("env %s", name).isNotNull();
        return env.path("value").asString();
    }

    private static String mountPath(Rendered chart, String volume) {
        for (JsonNode mount : chart.runnelContainer().path("volumeMounts")) {
            if (volume.equals(mount.path("name").asString())) {
                return mount.path("mountPath").asString();
            }
        }
        throw new AssertionError("no mount of volume " + volume);
    }

    private static JsonNode volume(JsonNode sts, String name) {
        for (JsonNode v : sts.at("/spec/template/spec/volumes")) {
            if (name.equals(v.path("name").asString())) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static String podAnnotation(Rendered chart, String name) {
        return chart.statefulSet().at("/spec/template/metadata/annotations").path(name).asString();
    }

    private static String configChecksum(Rendered chart) {
        String checksum = podAnnotation(chart, "checksum/config");
        assertThat(checksum).matches("[0-9a-f]{64}");
        return checksum;
    }

    private static Map<String, Object> applicationYaml(Rendered chart) {
        String text = chart.get("ConfigMap", FULLNAME).at("/data/application.yaml").asString();
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    @SuppressWarnings("unchecked")
    private static Object path(Map<String, Object> yaml, String... keys) {
        Object node = yaml;
        for (String key : keys) {
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }
}
