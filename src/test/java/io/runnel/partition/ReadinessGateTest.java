package io.runnel.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.config.RunnelProperties;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.NodeIdentity;
import io.runnel.log.FlushPolicy;
import io.runnel.topic.NewTopic;
import io.runnel.topic.TopicCatalog;
import io.runnel.topic.TopicCatalogConfig;
import io.runnel.topic.TrafficMetrics;
import io.runnel.storage.DataLayout;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/** API calls wait for the logs: 503 NOT_READY until the log manager has opened and recovered them. */
class ReadinessGateTest {
    @TempDir
    Path dataDir;

    private LogManager logManager() throws Exception {
        RunnelProperties props = new RunnelProperties(dataDir, new RunnelProperties.Node("n"), new RunnelProperties.Cluster(List.of(), "", Duration.ofSeconds(6), Duration.ofSeconds(1), Duration.ofSeconds(10)),
                new RunnelProperties.Storage(FlushPolicy.ALWAYS, Duration.ofSeconds(1), Duration.ofMinutes(5)),
                new RunnelProperties.Topics(false, 1, 0),
                new RunnelProperties.Produce(DataSize.ofMegabytes(16), DataSize.ofMegabytes(1), 64, Duration.ofMinutes(10)),
                new RunnelProperties.Fetch(DataSize.ofMegabytes(1), 10_000, Duration.ofMinutes(15), Duration.ofSeconds(15)),
                new RunnelProperties.Replication(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMillis(500),
                        DataSize.ofMegabytes(4), io.runnel.config.FollowerFlush.SYNC));
        DataLayout layout = new DataLayout(dataDir);
        ClusterNode cluster = new ClusterNode(props, new NodeIdentity(props, layout), layout, Clock.systemUTC());
        TopicCatalog catalog = TopicCatalogConfig.catalogFor(cluster, props, layout, JsonMapper.builder().build(), Clock.systemUTC(), null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new LogManager(catalog, cluster, props, layout, meters, new TrafficMetrics(meters), Clock.systemUTC(), new Cleanings());
    }

    @Test
    void apiCallsAre503NotReadyUntilTheLogsAreLoadedAndPassAfterwards() throws Exception {
        LogManager first = logManager();
        first.run(null);
        first.catalog().create(new NewTopic("kept", 2, 1, null));
        first.destroy();

        LogManager restarted = logManager();
        ReadinessGate gate = new ReadinessGate(restarted);
        assertThat(restarted.isLoaded()).isFalse();
        assertThatThrownBy(() -> gate.preHandle(null, null, null))
                .isInstanceOfSatisfying(RunnelException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));

        restarted.run(null);

        assertThat(gate.preHandle(null, null, null)).isTrue();
        assertThat(restarted.catalog().find("kept")).as("topics from before the restart are back").isPresent();
        assertThat(restarted.partition("kept", 1)).as("and their logs are open").isPresent();
        restarted.destroy();
    }
}
