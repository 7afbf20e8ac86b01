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
import java.util.ArrayList;
import java.util.HashMap;
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
        assertThat(peers(chart)).isEqualTo(String.join(",",
                FULLNAME + "-0@" + FULLNAME + "-0." + domain + ":8080:9090",
                FULLNAME + "-1@" + FULLNAME + "-1." + domain + ":8080:9090",
                FULLNAME + "-2@" + FULLNAME + "-2." + domain + ":8080:9090"));
    }

    @Test
    void singleReplicaRendersOneNodeWithoutPeers() {
        Rendered chart = HelmChart.render(Map.of("replicaCount", 1));
        assertThat(chart.statefulSet().at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(chart.env()).doesNotContainKey("RUNNEL_CLUSTER_PEERS");
        assertThat(chart.get("ConfigMap", FULLNAME).path("data").has("cluster-peers")).isFalse();
    }

    @Test
    void peersFollowReplicaCountPortsAndClusterDomain() {
        Rendered chart = HelmChart.render(Map.of("replicaCount", 5, "ports.http", 18080, "ports.raft", 19090,
                "clusterDomain", "k8s.internal"));
        String[] peers = peers(chart).split(",");
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
        assertRejected(Map.of("replication.followerFlush", "never"), "replication.followerFlush must be one of the following");
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
        assertThat(path(applicationYaml(defaults), "runnel", "replication", "follower-flush")).isEqualTo("sync");
        assertThat(path(applicationYaml(HelmChart.render(Map.of("replication.followerFlush", "async"))), "runnel", "replication",
                "follower-flush")).isEqualTo("async");
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
        Rendered chart = HelmChart.render(Map.of("cluster.existingSecret", "my-runnel-secret",
                "security.existingSecret", "my-runnel-keys"));
        assertThat(chart.ofKind("Secret")).isEmpty();
        assertThat(chart.env().get("RUNNEL_CLUSTER_SECRET").at("/valueFrom/secretKeyRef/name").asString())
                .isEqualTo("my-runnel-secret");
        JsonNode ref = chart.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY").at("/valueFrom/secretKeyRef");
        assertThat(ref.path("name").asString()).isEqualTo("my-runnel-keys");
        assertThat(ref.path("key").asString()).isEqualTo("bootstrap-key");
    }

    // ---- security (issue 14): on by default, the bootstrap key in the Secret ----

    @Test
    void securityIsOnByDefaultWithAGeneratedBootstrapKeyPassedFromTheSecret() {
        Rendered chart = HelmChart.render(Map.of());
        assertThat(envValue(chart, "RUNNEL_SECURITY_ENABLED")).isEqualTo("true");
        assertThat(envValue(chart, "RUNNEL_SECURITY_SUPERUSERS")).isEqualTo("User:admin");
        assertThat(envValue(chart, "RUNNEL_SECURITY_OPENMETRICS")).isEqualTo("false");

        Map<String, String> secret = chart.secretData(FULLNAME);
        String key = secret.get("bootstrap-key");
        assertThat(key).matches("[A-Za-z0-9]{48}").isNotEqualTo(secret.get("cluster-secret"));
        JsonNode env = chart.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY");
        assertThat(env.has("value")).as("never a literal value").isFalse();
        assertThat(env.at("/valueFrom/secretKeyRef/name").asString()).isEqualTo(FULLNAME);
        assertThat(env.at("/valueFrom/secretKeyRef/key").asString()).isEqualTo("bootstrap-key");
    }

    @Test
    void nothingSecretReachesTheConfigMapOrALiteralEnvValue() {
        Rendered chart = HelmChart.render(Map.of("security.oidc.issuerUri", "https://login.example.com/realms/runnel"));
        Map<String, String> secret = chart.secretData(FULLNAME);
        String configMap = chart.get("ConfigMap", FULLNAME).toString();
        String statefulSet = chart.statefulSet().toString();
        for (String value : secret.values()) {
            assertThat(configMap).doesNotContain(value);
            assertThat(statefulSet).doesNotContain(value);
        }
        assertThat(path(applicationYaml(chart), "runnel", "security")).isEqualTo(Map.of("oidc",
                Map.of("issuer-uri", "https://login.example.com/realms/runnel")));
    }

    @Test
    void upgradeKeepsTheBootstrapKeyTheReleaseAlreadyHas() {
        FakeKubernetesApi.putSecret(NAMESPACE, FULLNAME, Map.of("cluster-secret", "generated-at-install-and-kept",
                "bootstrap-key", "bootstrapKeyGeneratedAtInstallAndKeptOnEveryUpgrade"));
        try {
            Map<String, String> upgraded = HelmChart.render(Map.of()).secretData(FULLNAME);
            assertThat(upgraded).containsEntry("cluster-secret", "generated-at-install-and-kept")
                    .containsEntry("bootstrap-key", "bootstrapKeyGeneratedAtInstallAndKeptOnEveryUpgrade");
            assertThat(HelmChart.render(Map.of("security.bootstrapKey", "given-on-upgrade-wins-over-the-kept-one"))
                    .secretData(FULLNAME)).containsEntry("bootstrap-key", "given-on-upgrade-wins-over-the-kept-one")
                    .containsEntry("cluster-secret", "generated-at-install-and-kept");
        } finally {
            FakeKubernetesApi.deleteSecret(NAMESPACE, FULLNAME);
        }
    }

    @Test
    void upgradeOfAReleaseWithoutABootstrapKeyGeneratesOneAndKeepsTheClusterSecret() {
        // A release installed before security existed: its Secret has the cluster secret only.
        FakeKubernetesApi.putSecret(NAMESPACE, FULLNAME, Map.of("cluster-secret", "installed-before-security-existed"));
        try {
            Map<String, String> upgraded = HelmChart.render(Map.of()).secretData(FULLNAME);
            assertThat(upgraded.get("cluster-secret")).isEqualTo("installed-before-security-existed");
            assertThat(upgraded.get("bootstrap-key")).matches("[A-Za-z0-9]{48}");
        } finally {
            FakeKubernetesApi.deleteSecret(NAMESPACE, FULLNAME);
        }
    }

    @Test
    void givenBootstrapKeyIsStoredAndRollsThePodsWhenChanged() {
        Rendered first = HelmChart.render(Map.of("security.bootstrapKey", "a-bootstrap-key-of-at-least-32-chars"));
        Rendered second = HelmChart.render(Map.of("security.bootstrapKey", "another-bootstrap-key-32-chars-long"));
        assertThat(first.secretData(FULLNAME).get("bootstrap-key")).isEqualTo("a-bootstrap-key-of-at-least-32-chars");
        assertThat(podAnnotation(first, "checksum/secret")).matches("[0-9a-f]{64}")
                .isNotEqualTo(podAnnotation(second, "checksum/secret"));
        assertThat(podAnnotation(HelmChart.render(Map.of()), "checksum/secret")).as("generated values never change").isEmpty();
    }

    @Test
    void withAClusterExistingSecretTheChartsSecretHoldsOnlyTheBootstrapKey() {
        Rendered chart = HelmChart.render(Map.of("cluster.existingSecret", "my-runnel-secret"));
        assertThat(chart.secretData(FULLNAME)).containsOnlyKeys("bootstrap-key");
        assertThat(chart.env().get("RUNNEL_CLUSTER_SECRET").at("/valueFrom/secretKeyRef/name").asString())
                .isEqualTo("my-runnel-secret");
        assertThat(chart.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY").at("/valueFrom/secretKeyRef/name").asString())
                .isEqualTo(FULLNAME);
    }

    @Test
    void securityExistingSecretIsReferencedAndNoKeyIsGenerated() {
        Rendered chart = HelmChart.render(Map.of("security.existingSecret", "my-runnel-keys"));
        assertThat(chart.secretData(FULLNAME)).containsOnlyKeys("cluster-secret");
        assertThat(chart.env().get("RUNNEL_SECURITY_BOOTSTRAPKEY").at("/valueFrom/secretKeyRef/name").asString())
                .isEqualTo("my-runnel-keys");
    }

    @Test
    void securityOffPassesNoKeyAndGeneratesNone() {
        Rendered chart = HelmChart.render(Map.of("security.enabled", false));
        assertThat(envValue(chart, "RUNNEL_SECURITY_ENABLED")).isEqualTo("false");
        assertThat(chart.env()).doesNotContainKeys("RUNNEL_SECURITY_BOOTSTRAPKEY", "RUNNEL_SECURITY_SUPERUSERS",
                "RUNNEL_SECURITY_OPENMETRICS");
        assertThat(chart.secretData(FULLNAME)).containsOnlyKeys("cluster-secret");
        assertThat(HelmChart.render(Map.of("security.enabled", false, "cluster.existingSecret", "mine")).ofKind("Secret")).isEmpty();
    }

    @Test
    void superUsersAndOpenMetricsReachTheEnvironment() {
        Rendered chart = HelmChart.render(Map.of("security.superUsers", "User:admin,User:ops", "security.openMetrics", true));
        assertThat(envValue(chart, "RUNNEL_SECURITY_SUPERUSERS")).isEqualTo("User:admin,User:ops");
        assertThat(envValue(chart, "RUNNEL_SECURITY_OPENMETRICS")).isEqualTo("true");
    }

    @Test
    void consoleIsOnByDefaultAndCanBeTurnedOff() {
        assertThat(envValue(HelmChart.render(Map.of()), "RUNNEL_CONSOLE_ENABLED")).isEqualTo("true");
        assertThat(envValue(HelmChart.render(Map.of("console.enabled", false)), "RUNNEL_CONSOLE_ENABLED")).isEqualTo("false");
    }

    @Test
    void oidcValuesBecomeRunnelSecurityOidcSettingsOnlyWhenSet() {
        assertThat(path(applicationYaml(HelmChart.render(Map.of())), "runnel", "security")).isNull();
        Rendered chart = HelmChart.render(Map.of(
                "security.oidc.issuerUri", "https://login.example.com/realms/runnel",
                "security.oidc.jwkSetUri", "https://login.example.com/realms/runnel/certs",
                "security.oidc.audience", "runnel",
                "security.oidc.principalClaim", "preferred_username"));
        assertThat(path(applicationYaml(chart), "runnel", "security", "oidc")).isEqualTo(Map.of(
                "issuer-uri", "https://login.example.com/realms/runnel",
                "jwk-set-uri", "https://login.example.com/realms/runnel/certs",
                "audience", "runnel",
                "principal-claim", "preferred_username"));
        assertThat(path(applicationYaml(chart), "runnel", "storage", "flush")).as("the chart's other settings stay").isEqualTo("always");
        Map<String, Object> audienceOnly = applicationYaml(HelmChart.render(Map.of("security.oidc.jwkSetUri", "http://keys.local/jwks")));
        assertThat(path(audienceOnly, "runnel", "security", "oidc")).isEqualTo(Map.of("jwk-set-uri", "http://keys.local/jwks"));
    }

    @Test
    void serviceMonitorScrapesWithTheBootstrapKeyUnlessMetricsAreOpen() {
        JsonNode secured = HelmChart.render(Map.of("metrics.serviceMonitor.enabled", true))
                .get("ServiceMonitor", FULLNAME).at("/spec/endpoints/0");
        assertThat(secured.at("/authorization/type").asString()).isEqualTo("Bearer");
        assertThat(secured.at("/authorization/credentials/name").asString()).isEqualTo(FULLNAME);
        assertThat(secured.at("/authorization/credentials/key").asString()).isEqualTo("bootstrap-key");
        assertThat(secured.has("scheme")).isFalse();

        JsonNode theirs = HelmChart.render(Map.of("metrics.serviceMonitor.enabled", true, "security.existingSecret", "my-keys"))
                .get("ServiceMonitor", FULLNAME).at("/spec/endpoints/0");
        assertThat(theirs.at("/authorization/credentials/name").asString()).isEqualTo("my-keys");

        for (Map<String, Object> open : List.<Map<String, Object>>of(Map.of("security.openMetrics", true), Map.of("security.enabled", false))) {
            Map<String, Object> values = new HashMap<>(open);
            values.put("metrics.serviceMonitor.enabled", true);
            JsonNode endpoint = HelmChart.render(values).get("ServiceMonitor", FULLNAME).at("/spec/endpoints/0");
            assertThat(endpoint.has("authorization")).as("%s", open).isFalse();
            assertThat(endpoint.path("path").asString()).isEqualTo("/actuator/prometheus");
        }
    }

    // ---- TLS from an existing Secret ----

    @Test
    void tlsMountsTheSecretAndPointsSpringBootsPemSettingsAtIt() {
        Rendered chart = HelmChart.render(Map.of("tls.enabled", true, "tls.existingSecret", "runnel-tls", "tls.clientAuth", "want"));
        assertThat(volume(chart.statefulSet(), "tls").at("/secret/secretName").asString()).isEqualTo("runnel-tls");
        JsonNode mount = mount(chart, "tls");
        assertThat(mount.path("mountPath").asString()).isEqualTo("/etc/runnel-tls");
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        assertThat(envValue(chart, "SERVER_SSL_CERTIFICATE")).isEqualTo("file:/etc/runnel-tls/tls.crt");
        assertThat(envValue(chart, "SERVER_SSL_CERTIFICATEPRIVATEKEY")).isEqualTo("file:/etc/runnel-tls/tls.key");
        assertThat(envValue(chart, "SERVER_SSL_TRUSTCERTIFICATE")).isEqualTo("file:/etc/runnel-tls/ca.crt");
        assertThat(envValue(chart, "SERVER_SSL_CLIENTAUTH")).isEqualTo("want");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(chart.runnelContainer().at("/" + probe + "/httpGet/scheme").asString()).as(probe).isEqualTo("HTTPS");
        }
        assertThat(chart.runnelContainer().at("/readinessProbe/httpGet/path").asString()).isEqualTo("/actuator/health/readiness");
    }

    @Test
    void withoutTlsNothingIsMountedAndProbesSpeakHttp() {
        Rendered chart = HelmChart.render(Map.of());
        assertThat(chart.env().keySet()).noneMatch(name -> name.startsWith("SERVER_SSL_"));
        assertThat(chart.runnelContainer().path("volumeMounts").findValuesAsString("name")).doesNotContain("tls");
        assertThat(chart.runnelContainer().at("/readinessProbe/httpGet/scheme").isMissingNode()).isTrue();
    }

    @Test
    void requiredClientCertificatesMakeTheProbesPresentThePodsOwn() {
        Rendered chart = HelmChart.render(Map.of("tls.enabled", true, "tls.existingSecret", "runnel-tls", "tls.clientAuth", "need"));
        assertThat(envValue(chart, "SERVER_SSL_CLIENTAUTH")).isEqualTo("need");
        JsonNode readiness = chart.runnelContainer().path("readinessProbe");
        assertThat(readiness.has("httpGet")).as("the kubelet has no client certificate").isFalse();
        List<String> command = new ArrayList<>();
        readiness.at("/exec/command").forEach(c -> command.add(c.asString()));
        assertThat(command).startsWith("curl").contains("--cert", "/etc/runnel-tls/tls.crt", "--key", "/etc/runnel-tls/tls.key")
                .endsWith("https://127.0.0.1:8080/actuator/health/readiness");
        assertThat(readiness.path("periodSeconds").asInt()).isEqualTo(5);
    }

    @Test
    void serviceMonitorScrapesOverHttpsTrustingTheCa() {
        Rendered chart = HelmChart.render(Map.of("metrics.serviceMonitor.enabled", true,
                "tls.enabled", true, "tls.existingSecret", "runnel-tls", "tls.clientAuth", "need"));
        JsonNode endpoint = chart.get("ServiceMonitor", FULLNAME).at("/spec/endpoints/0");
        assertThat(endpoint.path("scheme").asString()).isEqualTo("https");
        assertThat(endpoint.at("/tlsConfig/ca/secret/name").asString()).isEqualTo("runnel-tls");
        assertThat(endpoint.at("/tlsConfig/ca/secret/key").asString()).isEqualTo("ca.crt");
        assertThat(endpoint.at("/tlsConfig/serverName").asString())
                .isEqualTo(FULLNAME + "-0." + HEADLESS + "." + NAMESPACE + ".svc.cluster.local");
        assertThat(endpoint.at("/tlsConfig/cert/secret/key").asString()).isEqualTo("tls.crt");
        assertThat(endpoint.at("/tlsConfig/keySecret/key").asString()).isEqualTo("tls.key");
        assertThat(endpoint.at("/authorization/type").asString()).isEqualTo("Bearer");
    }

    @Test
    void schemaRefusesTlsWithoutASecretAndUnknownClientAuth() {
        assertRejected(Map.of("tls.enabled", true), "tls.existingSecret: String length must be greater than or equal to 1");
        assertRejected(Map.of("tls.enabled", true, "tls.existingSecret", "runnel-tls", "tls.clientAuth", "optional"),
                "tls.clientAuth must be one of the following");
        assertThat(HelmChart.render(Map.of("tls.existingSecret", "runnel-tls")).env()).doesNotContainKey("SERVER_SSL_CERTIFICATE");
    }

    @Test
    void schemaRefusesAShortBootstrapKeyNoSuperUserAndAMalformedIssuer() {
        assertRejected(Map.of("security.bootstrapKey", "password123"), "security.bootstrapKey: Must validate at least one schema");
        assertRejected(Map.of("security.bootstrapKey", "a key with spaces in it, long enough to pass"),
                "security.bootstrapKey: Must validate at least one schema");
        assertRejected(Map.of("security.superUsers", ""), "security.superUsers: String length must be greater than or equal to 1");
        assertRejected(Map.of("security.superUsers", "admin"), "security.superUsers: Does not match pattern");
        assertRejected(Map.of("security.oidc.issuerUri", "login.example.com"), "security.oidc.issuerUri: Must validate at least one schema");
        assertRejected(Map.of("security.enabeld", false), "Additional property enabeld is not allowed");
        assertThat(HelmChart.render(Map.of("security.enabled", false, "security.superUsers", "")).env())
                .as("no super-user is fine while security is off").containsKey("RUNNEL_SECURITY_ENABLED");
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
        JsonNode pod = HelmChart.renderWithHooks(Map.of()).get("Pod", FULLNAME + "-test");
        assertThat(pod.at("/metadata/labels/app.kubernetes.io~1component").asString()).isEqualTo("test");
        JsonNode container = pod.at("/spec/containers/0");
        assertThat(container.at("/env/0/value").asString())
                .isEqualTo("http://" + FULLNAME + "." + NAMESPACE + ".svc.cluster.local:8080");
        String script = container.at("/command/2").asString();
        assertThat(script).contains("/topics/$topic/records", "/partitions/0/records?offset=earliest");
    }

    @Test
    void helmTestAuthenticatesWithTheBootstrapKeyWhileSecurityIsOn() {
        JsonNode container = HelmChart.renderWithHooks(Map.of()).get("Pod", FULLNAME + "-test").at("/spec/containers/0");
        JsonNode key = envEntry(container, "RUNNEL_KEY");
        assertThat(key.at("/valueFrom/secretKeyRef/name").asString()).isEqualTo(FULLNAME);
        assertThat(key.at("/valueFrom/secretKeyRef/key").asString()).isEqualTo("bootstrap-key");
        assertThat(container.at("/command/2").asString()).contains("Authorization: Bearer $RUNNEL_KEY");

        JsonNode off = HelmChart.renderWithHooks(Map.of("security.enabled", false)).get("Pod", FULLNAME + "-test")
                .at("/spec/containers/0");
        assertThat(off.path("env").findValuesAsString("name")).containsExactly("RUNNEL_URL");
    }

    @Test
    void helmTestSpeaksHttpsTrustingTheCaWhenTlsIsOn() {
        JsonNode pod = HelmChart.renderWithHooks(Map.of("tls.enabled", true, "tls.existingSecret", "runnel-tls"))
                .get("Pod", FULLNAME + "-test");
        JsonNode container = pod.at("/spec/containers/0");
        assertThat(envEntry(container, "RUNNEL_URL").path("value").asString())
                .isEqualTo("https://" + FULLNAME + "." + NAMESPACE + ".svc.cluster.local:8080");
        assertThat(envEntry(container, "RUNNEL_CA").path("value").asString()).isEqualTo("/etc/runnel-tls/ca.crt");
        assertThat(container.path("env").findValuesAsString("name")).doesNotContain("RUNNEL_CLIENT_CERT");
        assertThat(container.at("/volumeMounts/0/mountPath").asString()).isEqualTo("/etc/runnel-tls");
        assertThat(pod.at("/spec/volumes/0/secret/secretName").asString()).isEqualTo("runnel-tls");
    }

    @Test
    void notesShowHowToReachAndTestTheRelease() {
        String notes = HelmChart.notes(Map.of());
        assertThat(notes).contains("helm -n " + NAMESPACE + " test " + RELEASE,
                "kubectl -n " + NAMESPACE + " port-forward svc/" + FULLNAME + " 8080:8080",
                "-X POST localhost:8080/topics/orders/records");
        assertThat(notes).contains("The metadata quorum has 3 voters.", "--set replicaCount=N (never kubectl scale)");
        assertThat(HelmChart.notes(Map.of("replicaCount", 4))).contains("3 voters; the other 1 instance holds partitions without voting");
        assertThat(HelmChart.notes(Map.of("replicaCount", 7))).contains("5 voters; the other 2 instances hold partitions without voting");
        assertThat(HelmChart.notes(Map.of("replicaCount", 1))).doesNotContain("voters");
    }

    @Test
    void notesSayHowToGetTheBootstrapKeyUseItAndWhatToDoNext() {
        String notes = HelmChart.notes(Map.of());
        assertThat(notes).contains(
                "RUNNEL_KEY=$(kubectl -n " + NAMESPACE + " get secret " + FULLNAME
                        + " -o jsonpath='{.data.bootstrap-key}' | base64 -d)",
                "curl -s -H \"Authorization: Bearer $RUNNEL_KEY\" localhost:8080/cluster",
                "/api-keys", "\"patternType\":\"PREFIXED\"", "README \"Security\"");
        assertThat(HelmChart.notes(Map.of("security.existingSecret", "my-keys")))
                .contains("get secret my-keys -o jsonpath='{.data.bootstrap-key}'");

        String off = HelmChart.notes(Map.of("security.enabled", false));
        assertThat(off).doesNotContain("RUNNEL_KEY", "Authorization").contains("curl -s localhost:8080/cluster",
                "WARNING: security.enabled=false");

        String tls = HelmChart.notes(Map.of("tls.enabled", true, "tls.existingSecret", "runnel-tls"));
        assertThat(tls).contains("get secret runnel-tls -o jsonpath='{.data.ca\\.crt}' | base64 -d > runnel-ca.crt",
                "curl -s --cacert runnel-ca.crt -H \"Authorization: Bearer $RUNNEL_KEY\" https://localhost:8080/cluster");
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

    // ---- scaling (issue 16): the pod template does not change, hooks drain and rebalance ----

    @Test
    void growingReplicaCountRewritesThePeersButNotThePodTemplate() {
        Rendered three = HelmChart.render(Map.of());
        Rendered five = HelmChart.render(Map.of("replicaCount", 5));
        assertThat(five.statefulSet().at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(five.statefulSet().at("/spec/template"))
                .as("a changed pod template would restart every running pod").isEqualTo(three.statefulSet().at("/spec/template"));
        assertThat(peers(three).split(",")).hasSize(3);
        assertThat(peers(five).split(",")).hasSize(5).startsWith(peers(three).split(","));
        assertThat(peers(five)).contains(FULLNAME + "-3@", FULLNAME + "-4@");
    }

    @Test
    void removedPodsVolumesAreDeletedAndTheRestKeptWhenTheStatefulSetGoes() {
        JsonNode policy = HelmChart.render(Map.of()).statefulSet().at("/spec/persistentVolumeClaimRetentionPolicy");
        assertThat(policy.path("whenScaled").asString()).isEqualTo("Delete");
        assertThat(policy.path("whenDeleted").asString()).isEqualTo("Retain");
        JsonNode kept = HelmChart.render(Map.of("persistence.retention.whenScaled", "Retain", "persistence.retention.whenDeleted", "Delete"))
                .statefulSet().at("/spec/persistentVolumeClaimRetentionPolicy");
        assertThat(kept.path("whenScaled").asString()).isEqualTo("Retain");
        assertThat(kept.path("whenDeleted").asString()).isEqualTo("Delete");
        assertThat(HelmChart.render(Map.of("persistence.enabled", false)).statefulSet()
                .has("persistentVolumeClaimRetentionPolicy")).as("no claims, no policy").isFalse();
        assertRejected(Map.of("persistence.retention.whenScaled", "Keep"), "persistence.retention.whenScaled must be one of the following");
    }

    @Test
    void noScalingHookOnInstallOrAnUpgradeThatKeepsTheCount() {
        assertThat(HelmChart.renderWithHooks(Map.of()).ofKind("Job")).as("install: nothing runs yet").isEmpty();
        withRunningStatefulSet(3, () ->
                assertThat(HelmChart.renderWithHooks(Map.of("image.tag", "0.2.0")).ofKind("Job")).isEmpty());
    }

    @Test
    void shrinkingFiveToThreeDrainsInAPreUpgradeHookJob() {
        withRunningStatefulSet(5, () -> {
            Rendered chart = HelmChart.renderWithHooks(Map.of("replicaCount", 3));
            assertThat(chart.ofKind("Job")).hasSize(1);
            JsonNode job = chart.get("Job", FULLNAME + "-scale-down");
            assertThat(job.at("/metadata/annotations").path(HelmChart.HOOK).asString()).isEqualTo("pre-upgrade");
            assertThat(job.at("/metadata/annotations").path(HelmChart.HOOK_WEIGHT).asString()).isEqualTo("0");
            assertThat(job.at("/metadata/annotations").path(HelmChart.HOOK_DELETE_POLICY).asString())
                    .isEqualTo("before-hook-creation,hook-succeeded");
            assertThat(job.at("/spec/backoffLimit").asInt(-1)).isZero();
            assertThat(job.at("/spec/activeDeadlineSeconds").asInt()).isGreaterThan(1800);
            JsonNode pod = job.at("/spec/template/spec");
            assertThat(pod.path("restartPolicy").asString()).isEqualTo("Never");
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
            JsonNode container = pod.at("/containers/0");
            assertThat(container.path("image").asString()).isEqualTo(chart.runnelContainer().path("image").asString());
            assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(envEntry(container, "RUNNEL_URL").path("value").asString())
                    .isEqualTo("http://" + FULLNAME + "." + NAMESPACE + ".svc.cluster.local:8080");
            assertThat(envEntry(container, "RUNNEL_STATEFULSET").path("value").asString()).isEqualTo(FULLNAME);
            assertThat(envEntry(container, "RUNNEL_REPLICAS").path("value").asString()).isEqualTo("3");
            assertThat(envEntry(container, "RUNNEL_TIMEOUT_SECONDS").path("value").asString()).isEqualTo("1800");
            JsonNode key = envEntry(container, "RUNNEL_KEY").at("/valueFrom/secretKeyRef");
            assertThat(key.path("name").asString()).isEqualTo(FULLNAME);
            assertThat(key.path("key").asString()).isEqualTo("bootstrap-key");
            String script = container.at("/command/2").asString();
            assertThat(script).startsWith("set -eu").contains("/cluster/instances/$id/drain", "api DELETE \"/cluster/instances/$id\"");

            assertThat(HelmChart.renderWithHooks(Map.of("replicaCount", 3, "scaling.drainTimeoutSeconds", 600))
                    .get("Job", FULLNAME + "-scale-down").at("/spec/activeDeadlineSeconds").asInt()).isBetween(601, 900);
            assertThat(HelmChart.renderWithHooks(Map.of("replicaCount", 3, "scaling.drainOnScaleDown", false)).ofKind("Job")).isEmpty();
        });
    }

    @Test
    void growingThreeToFiveRebalancesInAPostUpgradeHookJob() {
        withRunningStatefulSet(3, () -> {
            Rendered chart = HelmChart.renderWithHooks(Map.of("replicaCount", 5));
            assertThat(chart.ofKind("Job")).hasSize(1);
            JsonNode job = chart.get("Job", FULLNAME + "-rebalance");
            assertThat(job.at("/metadata/annotations").path(HelmChart.HOOK).asString()).isEqualTo("post-upgrade");
            assertThat(job.at("/metadata/annotations").path(HelmChart.HOOK_DELETE_POLICY).asString())
                    .isEqualTo("before-hook-creation,hook-succeeded");
            JsonNode container = job.at("/spec/template/spec/containers/0");
            assertThat(envEntry(container, "RUNNEL_REPLICAS").path("value").asString()).isEqualTo("5");
            assertThat(envEntry(container, "RUNNEL_TIMEOUT_SECONDS").path("value").asString()).isEqualTo("600");
            assertThat(container.at("/command/2").asString()).contains("api POST /cluster/rebalance");
            assertThat(HelmChart.renderWithHooks(Map.of("replicaCount", 5, "scaling.rebalanceOnScaleUp", false)).ofKind("Job")).isEmpty();
        });
    }

    @Test
    void scalingHooksSpeakHttpsWithTheCaAndPresentThePodsCertificateWhenRequired() {
        withRunningStatefulSet(5, () -> {
            JsonNode pod = HelmChart.renderWithHooks(Map.of("replicaCount", 3, "tls.enabled", true, "tls.existingSecret", "runnel-tls",
                    "tls.clientAuth", "need")).get("Job", FULLNAME + "-scale-down").at("/spec/template/spec");
            JsonNode container = pod.at("/containers/0");
            assertThat(envEntry(container, "RUNNEL_URL").path("value").asString())
                    .isEqualTo("https://" + FULLNAME + "." + NAMESPACE + ".svc.cluster.local:8080");
            assertThat(envEntry(container, "RUNNEL_CA").path("value").asString()).isEqualTo("/etc/runnel-tls/ca.crt");
            assertThat(envEntry(container, "RUNNEL_CLIENT_CERT").path("value").asString()).isEqualTo("/etc/runnel-tls/tls.crt");
            assertThat(envEntry(container, "RUNNEL_CLIENT_KEY").path("value").asString()).isEqualTo("/etc/runnel-tls/tls.key");
            assertThat(container.at("/volumeMounts/0/mountPath").asString()).isEqualTo("/etc/runnel-tls");
            assertThat(pod.at("/volumes/0/secret/secretName").asString()).isEqualTo("runnel-tls");

            JsonNode open = HelmChart.renderWithHooks(Map.of("replicaCount", 3, "security.enabled", false))
                    .get("Job", FULLNAME + "-scale-down").at("/spec/template/spec/containers/0");
            assertThat(open.path("env").findValuesAsString("name")).doesNotContain("RUNNEL_KEY", "RUNNEL_CA")
                    .contains("RUNNEL_URL", "RUNNEL_REPLICAS");
        });
    }

    @Test
    void aRunningClusterCannotShrinkToASingleNode() {
        withRunningStatefulSet(3, () -> assertThatThrownBy(() -> HelmChart.renderWithHooks(Map.of("replicaCount", 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("replicaCount=1 would turn the running 3-instance cluster"));
    }

    @Test
    void schemaRefusesUnknownScalingKeysAndNonPositiveTimeouts() {
        assertRejected(Map.of("scaling.drainTimeoutSeconds", 0), "scaling.drainTimeoutSeconds: Must be greater than or equal to 1");
        assertRejected(Map.of("scaling.drainOnScaledown", false), "Additional property drainOnScaledown is not allowed");
    }

    // ---- helpers ----

    /** Renders as an upgrade of a release whose StatefulSet runs {@code replicas} pods. */
    private static void withRunningStatefulSet(int replicas, Runnable test) {
        FakeKubernetesApi.putStatefulSet(NAMESPACE, FULLNAME, replicas);
        try {
            test.run();
        } finally {
            FakeKubernetesApi.deleteStatefulSet(NAMESPACE, FULLNAME);
        }
    }

    private static void assertRejected(Map<String, ?> values, String complaint) {
        assertThatThrownBy(() -> HelmChart.render(values))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(complaint);
    }

    /** RUNNEL_CLUSTER_PEERS: read from the ConfigMap's cluster-peers when the pod starts. */
    private static String peers(Rendered chart) {
        JsonNode ref = chart.env().get("RUNNEL_CLUSTER_PEERS").at("/valueFrom/configMapKeyRef");
        assertThat(ref.path("name").asString()).isEqualTo(FULLNAME);
        assertThat(ref.path("key").asString()).isEqualTo("cluster-peers");
        return chart.get("ConfigMap", FULLNAME).at("/data/cluster-peers").asString();
    }

    private static String envValue(Rendered chart, String name) {
        JsonNode env = chart.env().get(name);
        assertThat(env).as("env %s", name).isNotNull();
        return env.path("value").asString();
    }

    private static JsonNode envEntry(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asString())) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in " + container.path("env"));
    }

    private static String mountPath(Rendered chart, String volume) {
        return mount(chart, volume).path("mountPath").asString();
    }

    private static JsonNode mount(Rendered chart, String volume) {
        for (JsonNode mount : chart.runnelContainer().path("volumeMounts")) {
            if (volume.equals(mount.path("name").asString())) {
                return mount;
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
