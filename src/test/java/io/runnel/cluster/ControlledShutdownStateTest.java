package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.BeginShutdown;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an instance's announced shutdown does to the metadata (Kafka's controlled shutdown). */
class ControlledShutdownStateTest {

    private static ClusterState cluster() {
        ClusterState state = applyAll(ClusterState.EMPTY, new InstanceHeartbeat("a", "http://a", 1, 7),
                new InstanceHeartbeat("b", "http://b", 1, 7), new InstanceHeartbeat("c", "http://c", 1, 7));
        return applyAll(state, new CreateTopic("t", 6, 3, Map.of(), 1), new CreateTopic("single", 1, 1, Map.of(), 1));
    }

    @Test
    void theStoppingInstanceHandsEveryLeadershipToAnInSyncPeerAndLeavesEveryIsr() {
        ClusterState before = cluster();
        String stopping = before.topic("single").orElseThrow().partitions().get(0).leader();

        ClusterState after = applyAll(before, new BeginShutdown(stopping, 7));

        assertThat(after.instance(stopping).orElseThrow().shuttingDown()).isTrue();
        assertThat(after.instance(stopping).orElseThrow().canLead()).isFalse();
        for (PartitionMetadata p : after.topic("t").orElseThrow().partitions()) {
            PartitionMetadata old = before.topic("t").orElseThrow().partitions().get(p.partition());
            assertThat(p.isr()).as("partition %d", p.partition()).doesNotContain(stopping).hasSize(2);
            assertThat(p.leader()).isNotEqualTo(stopping);
            if (old.leader().equals(stopping)) {
                String expected = old.replicas().stream().filter(r -> !r.equals(stopping)).findFirst().orElseThrow();
                assertThat(p.leader()).as("the first other replica").isEqualTo(expected);
                assertThat(p.leaderEpoch()).isEqualTo(old.leaderEpoch() + 1);
            } else {
                assertThat(p.leader()).isEqualTo(old.leader());
                assertThat(p.leaderEpoch()).isEqualTo(old.leaderEpoch());
            }
        }
        assertThat(after.topic("single").orElseThrow()).as("a sole replica keeps its partition")
                .isEqualTo(before.topic("single").orElseThrow());
    }

    @Test
    void aPartitionWhoseOtherInSyncReplicasCannotLeadStaysAsItWas() {
        ClusterState state = cluster();
        PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
        String leader = p.leader();
        String follower = p.replicas().get(1);
        String third = p.replicas().get(2);
        state = applyAll(state, new SetPartitionState("t", 0, leader, p.leaderEpoch(), List.of(leader, follower)),
                new MarkInstanceOffline(follower, state.instance(follower).orElseThrow().lastHeartbeatMs()));

        ClusterState after = applyAll(state, new BeginShutdown(leader, 7));

        PartitionMetadata kept = after.topic("t").orElseThrow().partitions().get(0);
        assertThat(kept).as("its only electable leader keeps it, %s offline and %s out of sync", follower, third)
                .isEqualTo(state.topic("t").orElseThrow().partitions().get(0));
    }

    @Test
    void anotherInstanceShuttingDownIsPassedOver() {
        ClusterState state = cluster();
        PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
        String leader = p.leader();
        String second = p.replicas().get(1);
        String third = p.replicas().get(2);
        state = applyAll(state, new BeginShutdown(second, 7));

        ClusterState after = applyAll(state, new BeginShutdown(leader, 7));

        assertThat(after.topic("t").orElseThrow().partitions().get(0).leader()).isEqualTo(third);
    }

    @Test
    void theMarkLastsForTheIncarnationAndARestartClearsIt() {
        ClusterState stopping = applyAll(cluster(), new BeginShutdown("a", 7));

        ClusterState sameProcess = applyAll(stopping, new InstanceHeartbeat("a", "http://a", 5, 7));
        assertThat(sameProcess.instance("a").orElseThrow().shuttingDown()).isTrue();
        ClusterState offline = applyAll(stopping, new MarkInstanceOffline("a", 1));
        assertThat(offline.instance("a").orElseThrow().shuttingDown()).isTrue();
        ClusterState restarted = applyAll(offline, new InstanceHeartbeat("a", "http://a", 9, 8));
        assertThat(restarted.instance("a").orElseThrow().shuttingDown()).isFalse();
        assertThat(restarted.instance("a").orElseThrow().canLead()).isTrue();
    }

    @Test
    void aShutdownOfAnEarlierIncarnationOrAnUnknownInstanceChangesNothing() {
        ClusterState state = cluster();

        assertThat(ClusterStateTest.failure(state, new BeginShutdown("a", 6)).code()).isEqualTo(ApplyResult.Code.STALE_HEARTBEAT);
        assertThat(ClusterStateTest.failure(state, new BeginShutdown("zz", 7)).code()).isEqualTo(ApplyResult.Code.INSTANCE_NOT_FOUND);
    }

    @Test
    void noElectionAfterAFailureGivesLeadershipToAnInstanceShuttingDown() {
        ClusterState state = cluster();
        PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
        String leader = p.leader();
        String second = p.replicas().get(1);
        // second announces its shutdown but, say, its command raced an ISR change and it is in sync again
        state = applyAll(state, new BeginShutdown(second, 7));
        PartitionMetadata now = state.topic("t").orElseThrow().partitions().get(0);
        state = applyAll(state, new SetPartitionState("t", 0, leader, now.leaderEpoch(), p.replicas()),
                new MarkInstanceOffline(leader, state.instance(leader).orElseThrow().lastHeartbeatMs()));

        SetPartitionState move = LeaderElection.elect(state).stream().filter(m -> m.partition() == 0).findFirst().orElseThrow();
        assertThat(move.leader()).isEqualTo(p.replicas().get(2));
    }
}
