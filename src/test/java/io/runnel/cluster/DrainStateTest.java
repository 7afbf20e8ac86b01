package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.failure;
import static io.runnel.cluster.ReplicaBalancerPropertiesTest.completed;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.DrainInstance;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import io.runnel.cluster.MetadataCommand.UndrainInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link DrainInstance} and {@link UndrainInstance} applied to the state, and what a draining instance is given. */
class DrainStateTest {

    private static ClusterState fourInstances() {
        return applyAll(ClusterState.EMPTY, new InstanceHeartbeat("a", "http://a", 1, 7), new InstanceHeartbeat("b", "http://b", 1, 7),
                new InstanceHeartbeat("c", "http://c", 1, 7), new InstanceHeartbeat("d", "http://d", 1, 7),
                new CreateTopic("t", 8, 3, Map.of(), 1));
    }

    @Test
    void aDrainedInstanceIsDrainingWhileItHoldsReplicasAndDrainedOnceItHoldsNone() {
        ClusterState state = applyAll(fourInstances(), new DrainInstance("a"));

        assertThat(state.instance("a").orElseThrow().draining()).isTrue();
        assertThat(state.statusOf("a")).isEqualTo(InstanceStatus.DRAINING);
        assertThat(state.statusOf("b")).isEqualTo(InstanceStatus.ONLINE);
        ClusterState moved = completed(state, ReplicaBalancer.drain(state, "a"));
        assertThat(moved.replicasOn("a")).isZero();
        assertThat(moved.statusOf("a")).isEqualTo(InstanceStatus.DRAINED);
        assertThat(applyAll(moved, new DrainInstance("a"))).as("draining again changes nothing").isEqualTo(moved);
    }

    @Test
    void aDrainIsRefusedWhenTheOthersCannotHoldTheReplicationFactorOrTheInstanceIsUnknown() {
        ClusterState state = applyAll(fourInstances(), new DrainInstance("a"));

        ApplyResult refused = failure(state, new DrainInstance("b"));
        assertThat(refused.code()).isEqualTo(Code.CANNOT_DRAIN);
        assertThat(refused.message()).contains("'b'", "largest replication factor is 3");
        assertThat(failure(state, new DrainInstance("x")).code()).isEqualTo(Code.INSTANCE_NOT_FOUND);
        assertThat(failure(state, new UndrainInstance("x")).code()).isEqualTo(Code.INSTANCE_NOT_FOUND);
    }

    @Test
    void aRestartKeepsItDrainingAndAnUndrainMakesItEligibleAgain() {
        ClusterState state = applyAll(fourInstances(), new DrainInstance("a"), new MarkInstanceOffline("a", 1),
                new InstanceHeartbeat("a", "http://a", 5, 8));

        assertThat(state.instance("a").orElseThrow().draining()).isTrue();
        assertThat(state.partitionsLedBy("a")).as("a restarted draining instance is given no leadership").isZero();

        ClusterState undrained = applyAll(state, new UndrainInstance("a"));
        assertThat(undrained.instance("a").orElseThrow().draining()).isFalse();
        assertThat(undrained.statusOf("a")).isEqualTo(InstanceStatus.ONLINE);
        assertThat(applyAll(undrained, new UndrainInstance("a"))).isEqualTo(undrained);
    }

    @Test
    void aDrainingInstanceGetsNoNewReplicasAndNoLeadership() {
        ClusterState state = applyAll(fourInstances(), new DrainInstance("d"), new CreateTopic("u", 12, 3, Map.of(), 1));

        assertThat(state.topic("u").orElseThrow().partitions()).allSatisfy(p -> assertThat(p.replicas()).doesNotContain("d"));
        assertThat(failure(state, new CreateTopic("v", 1, 4, Map.of(), 1)).code()).isEqualTo(Code.INVALID_REPLICATION_FACTOR);
        assertThat(PreferredLeaderElection.plan(state, 100)).allSatisfy(m -> assertThat(m.leader()).isNotEqualTo("d"));

        PartitionMetadata ledByA = state.topic("t").orElseThrow().partitions().stream().filter(p -> p.leader().equals("a"))
                .filter(p -> p.replicas().contains("d")).findFirst().orElseThrow();
        ClusterState onlyDInSync = applyAll(state, new SetPartitionState("t", ledByA.partition(), "a", ledByA.leaderEpoch(),
                List.of("a", "d")), new MarkInstanceOffline("a", 1));
        assertThat(LeaderElection.elect(onlyDInSync)).as("no election to a draining instance")
                .noneMatch(m -> m.partition() == ledByA.partition() && m.topic().equals("t"));
    }

    @Test
    void leadershipsMoveAwayToTheNextInSyncReplicaInLineWithTheIsrKept() {
        ClusterState state = applyAll(fourInstances(), new DrainInstance("a"));
        int led = state.partitionsLedBy("a");
        assertThat(led).isPositive();

        List<SetPartitionState> moves = ReplicaBalancer.leadershipsAway(state, "a");

        assertThat(moves).hasSize(led);
        for (SetPartitionState m : moves) {
            PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(m.partition());
            assertThat(m.leader()).isEqualTo(p.replicas().get(1));
            assertThat(m.isr()).isEqualTo(p.isr());
            assertThat(m.leaderEpoch()).isEqualTo(p.leaderEpoch() + 1);
            state = applyAll(state, m);
        }
        assertThat(state.partitionsLedBy("a")).isZero();
        assertThat(ReplicaBalancer.leadershipsAway(state, "a")).isEmpty();
    }

    @Test
    void aDrainWaitsForAPartitionsReassignmentAndCountsItsTarget() {
        ClusterState state = applyAll(fourInstances(), new MetadataCommand.ReassignPartition("t", 0, List.of("a", "b", "d")));
        PartitionMetadata p0 = state.topic("t").orElseThrow().partitions().get(0);
        assertThat(p0.reassigning()).isTrue();

        ReplicaBalancer.Plan plan = ReplicaBalancer.drain(state, "a");

        assertThat(plan.moves()).noneMatch(m -> m.partition() == 0);
        assertThat(state.replicasOn("d")).isEqualTo(fourInstances().replicasOn("d") + (p0.replicas().contains("d") ? 0 : 1));
    }
}
