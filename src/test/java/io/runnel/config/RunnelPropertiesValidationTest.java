package io.runnel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.config.ClusterPeers.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * Bad {@code runnel.*} values stop the boot with Spring Boot's report naming the property and the
 * rule; good ones, the defaults and both forms of the peer list bind. Each case binds only the
 * properties (no web server, no storage), so it takes milliseconds.
 */
@ExtendWith(OutputCaptureExtension.class)
class RunnelPropertiesValidationTest {
    private static final String PEERS = "a@h:8080:9080,b@h:8081:9081,c@g:8080:9080";

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RunnelProperties.class)
    @Import(PeerConverter.class)
    static class PropertiesOnly {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(PropertiesOnly.class);

    @Test
    void theDefaultsValidateAndMeanASingleNode() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            RunnelProperties props = context.getBean(RunnelProperties.class);
            assertThat(props.cluster().peers()).isEmpty();
            assertThat(props.cluster().enabled()).isFalse();
            assertThat(props.topics().defaultPartitions()).isEqualTo(1);
            assertThat(props.fetch().sseKeepAlive()).isEqualTo(Duration.ofSeconds(15));
            assertThat(props.fetch().defaultMaxBytes()).isEqualTo(DataSize.ofMegabytes(1));
            assertThat(props.cluster().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(props.threads()).isEqualTo(RunnelProperties.Threads.DEFAULTS);
        });
    }

    @Test
    void peersBindFromTheCommaSeparatedStringForm() {
        runner.withPropertyValues("runnel.node.id=b", "runnel.cluster.secret=s", "runnel.cluster.peers= " + PEERS.replace(",", " , "))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(RunnelProperties.class).cluster().peers()).containsExactly(
                            new Peer("a", "h", 8080, 9080), new Peer("b", "h", 8081, 9081), new Peer("c", "g", 8080, 9080));
                });
    }

    @Test
    void peersBindFromTheEnvironmentVariable() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("test-systemEnvironment", Map.of("RUNNEL_CLUSTER_PEERS", PEERS,
                                "RUNNEL_NODE_ID", "c", "RUNNEL_CLUSTER_SECRET", "s"))))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(RunnelProperties.class).cluster().peers()).hasSize(3)
                            .contains(new Peer("c", "g", 8080, 9080));
                });
    }

    @Test
    void peersBindFromAYamlList(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("runnel.yaml");
        Files.writeString(yaml, """
                runnel:
                  node:
                    id: b
                  cluster:
                    secret: s
                    peers:
                      - id: a
                        host: h
                        http-port: 8080
                        raft-port: 9080
                      - id: b
                        host: "::1"
                        http-port: 8081
                        raft-port: 9081
                """);
        try (ConfigurableApplicationContext context = start("--spring.config.location=" + yaml.toUri())) {
            List<Peer> peers = context.getBean(RunnelProperties.class).cluster().peers();
            assertThat(peers).containsExactly(new Peer("a", "h", 8080, 9080), new Peer("b", "::1", 8081, 9081));
            assertThat(peers.get(1).httpUrl()).isEqualTo("http://[::1]:8081");
        }
    }

    @Test
    void emptyPeersMeanASingleNode() {
        runner.withPropertyValues("runnel.cluster.peers=").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(RunnelProperties.class).cluster().enabled()).isFalse();
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "runnel.topics.default-partitions=0          | runnel.topics.defaultPartitions           | must be greater than or equal to 1",
            "runnel.topics.default-partitions=10001      | runnel.topics.defaultPartitions           | must be less than or equal to 10000",
            "runnel.topics.default-replication-factor=-1 | runnel.topics.defaultReplicationFactor   | must be greater than or equal to 0",
            "runnel.topics.default-replication-factor=2  | runnel.topics.defaultReplicationFactor   | at most the number of instances",
            "runnel.produce.max-nesting-depth=0          | runnel.produce.maxNestingDepth           | must be greater than or equal to 1",
            "runnel.produce.max-request-size=0B          | runnel.produce.maxRequestSize            | must be a data size from 1B to 1GB",
            "runnel.produce.idempotency-window=0s        | runnel.produce.idempotencyWindow          | must be a duration of at least 1ms",
            "runnel.fetch.max-limit=0                    | runnel.fetch.maxLimit                     | must be greater than or equal to 1",
            "runnel.fetch.sse-keep-alive=0s              | runnel.fetch.sseKeepAlive                | must be a duration of at least 1ms",
            "runnel.fetch.sse-max-duration=-1m           | runnel.fetch.sseMaxDuration              | must be a duration of at least 1ms",
            "runnel.fetch.default-max-bytes=65MB         | runnel.fetch.defaultMaxBytes             | must be a data size from 1B to 64MB",
            "runnel.replication.fetch-max-bytes=2GB      | runnel.replication.fetchMaxBytes         | must be a data size from 1B to 1GB",
            "runnel.replication.fetch-wait=0ms           | runnel.replication.fetchWait              | must be a duration of at least 1ms",
            "runnel.cluster.connect-timeout=0s           | runnel.cluster.connectTimeout            | must be a duration of at least 1ms",
            "runnel.cluster.max-concurrent-reassignments=0 | runnel.cluster.maxConcurrentReassignments | must be greater than or equal to 1",
            "runnel.cluster.max-concurrent-reassignments=1001 | runnel.cluster.maxConcurrentReassignments | must be less than or equal to 1000",
            "runnel.threads.wakeups=0                    | runnel.threads.wakeups                   | must be greater than or equal to 1",
            "runnel.threads.fsync=257                    | runnel.threads.fsync                     | must be less than or equal to 256",
            "runnel.storage.flush-interval=0s            | runnel.storage.flushInterval              | must be a duration of at least 1ms",
            "runnel.storage.cleaner-interval=0s          | runnel.storage.cleanerInterval            | must be a duration of at least 1ms",
            "runnel.storage.cleaner-buffer=1KB           | runnel.storage.cleanerBuffer              | must be a data size from 64KB to 1GB",
            "runnel.storage.cleaner-buffer=2GB           | runnel.storage.cleanerBuffer              | must be a data size from 64KB to 1GB",
            "runnel.cluster.heartbeat-interval=6s        | runnel.cluster.heartbeatInterval          | must be shorter than runnel.cluster.session-timeout",
            "runnel.node.id=bad/id                       | runnel.node.id                             | 1-249 characters of [a-zA-Z0-9._-]",
            "runnel.security.bootstrap-key=short         | runnel.security.bootstrapKey             | must be at least 24 printable ASCII characters",
            "runnel.security.super-users=admin           | runnel.security.superUsers               | is not a principal: write it as User:<name>",
            "runnel.security.super-users=User:*          | runnel.security.superUsers               | cannot be a super-user: it would make everyone one",
            "runnel.security.oidc.principal-claim=a b    | runnel.security.oidc.principalClaim      | must name a claim",
    })
    void aBadValueStopsTheBootWithAReportNamingThePropertyAndTheRule(String argument, String property, String rule,
            CapturedOutput output) {
        assertThatThrownBy(() -> start("--" + argument.strip())).hasStackTraceContaining("runnel");
        assertThat(output).contains("Binding to target", "Property: " + property.strip(), rule.strip());
    }

    @Test
    void peersWithoutASecretStopTheBoot(CapturedOutput output) {
        assertThatThrownBy(() -> start("--runnel.node.id=a", "--runnel.cluster.peers=" + PEERS));
        assertThat(output).contains("Binding to target", "Property: runnel.cluster.secret",
                "is required when runnel.cluster.peers is set");
    }

    @Test
    void securityWithoutASuperUserStopsTheBoot(CapturedOutput output) {
        assertThatThrownBy(() -> start("--runnel.security.enabled=true", "--runnel.security.super-users="));
        assertThat(output).contains("Binding to target", "Property: runnel.security.superUsers",
                "must name at least one principal when runnel.security.enabled is true");
    }

    @Test
    void securityDefaultsToOffWithAdminAsTheSuperUser() {
        runner.run(context -> {
            RunnelProperties.Security security = context.getBean(RunnelProperties.class).security();
            assertThat(security).isEqualTo(RunnelProperties.Security.OFF);
        });
        runner.withPropertyValues("runnel.security.enabled=true", "runnel.security.super-users=User:admin,User:ops").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(RunnelProperties.class).security().superUsers()).containsExactly("User:admin", "User:ops");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a@h:1:2,a@g:3:4     | invalid runnel.cluster.peers entry 'a@g:3:4': peer id 'a' is listed twice",
            "a@h:1:2,b@h:2:3     | invalid runnel.cluster.peers entry 'b@h:2:3': port 2 of host h is already taken",
            "b@h:1:2             | must list this instance: runnel.node.id 'a' is not among [b]",
    })
    void aPeerListBreakingAListRuleStopsTheBootNamingTheEntry(String peers, String rule, CapturedOutput output) {
        assertThatThrownBy(() -> start("--runnel.node.id=a", "--runnel.cluster.secret=s", "--runnel.cluster.peers=" + peers.strip()));
        assertThat(output).contains("Binding to target", "Property: runnel.cluster.peers", rule.strip());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a@h:0:2,b@h:3:4     | invalid runnel.cluster.peers entry 'a@h:0:2': httpPort must be a number from 1 to 65535",
            "a@h:1:2,,b@h:3:4    | empty entry",
            "a@h:8080            | expected id@host:httpPort:raftPort",
            "../x@h:1:2          | peer ids are 1-249 characters",
    })
    void aMalformedPeerEntryStopsTheBootNamingTheEntry(String peers, String rule, CapturedOutput output) {
        assertThatThrownBy(() -> start("--runnel.node.id=a", "--runnel.cluster.secret=s", "--runnel.cluster.peers=" + peers.strip()));
        assertThat(output).contains("runnel.cluster.peers", rule.strip());
    }

    @Test
    void aBadYamlPeerStopsTheBootNamingTheEntry(CapturedOutput output) {
        assertThatThrownBy(() -> start("--runnel.node.id=a", "--runnel.cluster.secret=s",
                "--runnel.cluster.peers[0].id=a", "--runnel.cluster.peers[0].host=h",
                "--runnel.cluster.peers[0].http-port=70000", "--runnel.cluster.peers[0].raft-port=9080"));
        assertThat(output).contains("runnel.cluster.peers[0]",
                "invalid runnel.cluster.peers entry 'a@h:70000:9080': httpPort must be a number from 1 to 65535");
    }

    /** Starts the properties alone as a real application would, failure analysis and report included. */
    private static ConfigurableApplicationContext start(String... args) {
        return new SpringApplicationBuilder(PropertiesOnly.class).web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF).logStartupInfo(false).run(args);
    }
}
