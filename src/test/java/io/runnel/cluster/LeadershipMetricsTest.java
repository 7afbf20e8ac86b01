package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.threeInstances;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the spurious-failover counters count, between two applied states. */
class LeadershipMetricsTest {

    @Test
    void aFailoverCountsTheInstanceMarkedOfflineAndEachPartitionWhoseLeaderMoved() {
        ClusterState before = applyAll(threeInstances(), new CreateTopic("t", 3, 3, Map.of(), 1));
        String leader = before.topic("t").orElseThrow().partitions().get(0).leader();
        ClusterState offline = applyAll(before, new MarkInstanceOffline(leader, before.instance(leader).orElseThrow().lastHeartbeatMs()));
        ClusterState after = applyAll(offline, LeaderElection.elect(offline).toArray(MetadataCommand[]::new));

        assertThat(LeadershipMetrics.markedOffline(before.instances(), offline.instances())).isEqualTo(1);
        assertThat(LeadershipMetrics.markedOffline(offline.instances(), after.instances())).isZero();
        assertThat(LeadershipMetrics.leaderChanges(offline.topics(), after.topics())).isEqualTo(before.partitionsLedBy(leader)).isPositive();
    }

    @Test
    void anIsrChangeOrANewTopicIsNoLeaderChange() {
        ClusterState before = applyAll(threeInstances(), new CreateTopic("t", 1, 3, Map.of(), 1));
        PartitionMetadata p = before.topic("t").orElseThrow().partitions().get(0);
        ClusterState shrunk = applyAll(before, new SetPartitionState("t", 0, p.leader(), p.leaderEpoch(), p.isr().subList(0, 2),
                p.partitionEpoch()));
        ClusterState grown = applyAll(shrunk, new CreateTopic("u", 2, 3, Map.of(), 2));

        assertThat(shrunk.topic("t").orElseThrow().partitions().get(0).isr()).hasSize(2);
        assertThat(LeadershipMetrics.leaderChanges(before.topics(), shrunk.topics())).isZero();
        assertThat(LeadershipMetrics.leaderChanges(shrunk.topics(), grown.topics())).isZero();
    }
}
