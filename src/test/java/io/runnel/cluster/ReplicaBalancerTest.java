package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ReplicaBalancerPropertiesTest.completed;
import static io.runnel.cluster.ReplicaBalancerPropertiesTest.leaderCounts;
import static io.runnel.cluster.ReplicaBalancerPropertiesTest.replicaCounts;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.ReplicaBalancer.Move;
import io.runnel.cluster.ReplicaBalancer.Plan;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Drain and rebalance plans on clusters built by the metadata commands, as the controller sees them. */
class ReplicaBalancerTest {

    private static ClusterState instances(String... ids) {
        ClusterState state = ClusterState.EMPTY;
        for (String id : ids) {
            state = applyAll(state, new InstanceHeartbeat(id, "http://" + id, 1, 7));
        }
        return state;
    }

    private static ClusterState draining(ClusterState state, String id) {
        Map<String, InstanceMetadata> instances = new TreeMap<>(state.instances());
        instances.put(id, instances.get(id).withDraining(true));
        return new ClusterState(state.appliedIndex(), state.topics(), instances, state.offsets(), state.security());
    }

    @Test
    void aDrainedInstanceIsReplacedInPlaceByTheLeastLoadedOthers() {
        ClusterState state = applyAll(instances("a", "b", "c", "d"), new CreateTopic("t", 8, 3, Map.of(), 1));

        Plan plan = ReplicaBalancer.drain(state, "a");

        assertThat(plan.isRefused()).isFalse();
        ClusterState after = completed(state, plan);
        assertThat(replicaCounts(after)).isEqualTo(Map.of("a", 0, "b", 8, "c", 8, "d", 8));
        assertThat(leaderCounts(after).get("a")).isZero();
        for (Move m : plan.moves()) {
            int slot = m.from().indexOf("a");
            assertThat(m.to()).doesNotContain("a").hasSize(3);
            assertThat(m.to().get(slot)).isNotEqualTo("a");
        }
        assertThat(plan.leadershipChanges()).hasSize(state.partitionsLedBy("a"))
                .allSatisfy(c -> assertThat(c.from()).isEqualTo("a"));
    }

    @Test
    void aDrainIsRefusedWhenTheOthersCannotHoldTheLargestReplicationFactor() {
        ClusterState state = applyAll(instances("a", "b", "c"), new CreateTopic("t", 3, 3, Map.of(), 1),
                new CreateTopic("u", 3, 1, Map.of(), 1));

        Plan plan = ReplicaBalancer.drain(state, "b");

        assertThat(plan.isRefused()).isTrue();
        assertThat(plan.refusal()).contains("'b'", "2 other instance(s)", "largest replication factor is 3");
        assertThat(plan.moves()).isEmpty();
    }

    @Test
    void aRunningReassignmentDoesNotCountAsALargerReplicationFactor() {
        ClusterState created = applyAll(instances("a", "b", "c", "d", "e"), new CreateTopic("t", 1, 3, Map.of(), 1));
        List<String> original = created.topic("t").orElseThrow().partitions().get(0).replicas();
        List<String> others = java.util.stream.Stream.of("a", "b", "c", "d", "e").filter(id -> !original.contains(id)).toList();
        ClusterState queued = applyAll(created, new MetadataCommand.ReassignPartition("t", 0, List.of(original.get(0), others.get(0),
                others.get(1))));
        ClusterState running = applyAll(queued, new MetadataCommand.BeginReassignment("t", 0,
                queued.topic("t").orElseThrow().partitions().get(0).partitionEpoch()));
        assertThat(running.topic("t").orElseThrow().partitions().get(0).replicas()).as("original then adding").hasSize(5);

        Plan plan = ReplicaBalancer.drain(running, original.get(1));

        assertThat(plan.isRefused()).as("%s", plan.refusal()).isFalse();
        assertThat(plan.moves()).as("the moving partition is drained once its reassignment is done").isEmpty();
    }

    @Test
    void aSingleNodeCannotBeDrainedEvenWithoutTopicsAndAnUnknownInstanceIsRefused() {
        assertThat(ReplicaBalancer.drain(instances("a"), "a").refusal()).contains("0 other instance(s)");
        assertThat(ReplicaBalancer.drain(instances("a", "b"), "x").refusal()).contains("not known");
    }

    @Test
    void aDrainNeverPicksAnotherDrainingOrOfflineInstance() {
        ClusterState state = applyAll(instances("a", "b", "c", "d", "e"), new CreateTopic("t", 10, 2, Map.of(), 1));
        state = draining(state, "b");
        state = applyAll(state, new MetadataCommand.MarkInstanceOffline("c", 1));

        Plan plan = ReplicaBalancer.drain(state, "a");

        assertThat(plan.moves()).isNotEmpty().allSatisfy(m -> {
            String added = m.to().stream().filter(r -> !m.from().contains(r)).findFirst().orElseThrow();
            assertThat(added).isIn("d", "e");
        });
    }

    @Test
    void anAddedEmptyInstanceGetsItsShareOfReplicasAndPreferredLeaderships() {
        ClusterState state = applyAll(instances("a", "b", "c"), new CreateTopic("t", 6, 2, Map.of(), 1),
                new CreateTopic("u", 6, 3, Map.of(), 1));
        state = applyAll(state, new InstanceHeartbeat("d", "http://d", 1, 7));
        assertThat(replicaCounts(state).get("d")).isZero();

        Plan plan = ReplicaBalancer.rebalance(state);
        ClusterState after = completed(state, plan);

        assertThat(ReplicaBalancer.spread(replicaCounts(after))).isLessThanOrEqualTo(1);
        assertThat(replicaCounts(after).values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(30);
        assertThat(ReplicaBalancer.spread(leaderCounts(after))).isLessThanOrEqualTo(1);
        assertThat(plan.moves().stream().mapToLong(m -> m.to().stream().filter(r -> !m.from().contains(r)).count()).sum())
                .as("only d's share moves").isEqualTo(7);
        assertThat(ReplicaBalancer.rebalance(after).moves()).isEmpty();
    }

    @Test
    void aBalancedClusterNeedsNoMoveAndASingleNodeGetsAnEmptyPlan() {
        ClusterState state = applyAll(instances("a", "b", "c"), new CreateTopic("t", 7, 2, Map.of(), 1));
        assertThat(ReplicaBalancer.rebalance(state).moves()).isEmpty();
        ClusterState single = applyAll(instances("a"), new CreateTopic("t", 3, 1, Map.of(), 1));
        assertThat(ReplicaBalancer.rebalance(single)).isEqualTo(new Plan(List.of(), null));
    }

    @Test
    void preferredLeadershipsAreEvenedByReorderingWithoutMovingData() {
        List<String> abc = List.of("a", "b", "c");
        List<PartitionMetadata> partitions = List.of(new PartitionMetadata(0, abc, "a", 0, abc), new PartitionMetadata(1, abc, "a", 0, abc),
                new PartitionMetadata(2, abc, "a", 0, abc));
        ClusterState state = new ClusterState(0, Map.of("t", new TopicMetadata("t", 3, Map.of(), 1, partitions)),
                instances("a", "b", "c").instances(), Map.of(), SecurityState.EMPTY);

        Plan plan = ReplicaBalancer.rebalance(state);

        assertThat(plan.moves()).hasSize(2).allSatisfy(m -> assertThat(m.to()).containsExactlyInAnyOrderElementsOf(m.from()));
        assertThat(leaderCounts(completed(state, plan))).isEqualTo(Map.of("a", 1, "b", 1, "c", 1));
        assertThat(plan.leadershipChanges()).extracting(ReplicaBalancer.LeadershipChange::from).containsOnly("a");
    }

    @Test
    void aRebalanceMovesAtMostTheCapAndTheNextPlanContinues() {
        ClusterState state = applyAll(instances("a", "b"), new CreateTopic("t", 20, 1, Map.of(), 1));
        state = applyAll(state, new InstanceHeartbeat("c", "http://c", 1, 7), new InstanceHeartbeat("d", "http://d", 1, 7));

        Plan first = ReplicaBalancer.rebalance(state, 4);
        assertThat(first.moves()).hasSize(4);
        ClusterState once = completed(state, first);
        Plan second = ReplicaBalancer.rebalance(once, 100);
        assertThat(second.moves()).hasSize(6);
        assertThat(replicaCounts(completed(once, second))).isEqualTo(Map.of("a", 5, "b", 5, "c", 5, "d", 5));
    }

    @Test
    void partitionsOnADrainingInstanceAreLeftToTheDrain() {
        ClusterState state = applyAll(instances("a", "b"), new CreateTopic("t", 6, 1, Map.of(), 1));
        state = applyAll(state, new InstanceHeartbeat("c", "http://c", 1, 7));
        state = draining(state, "a");

        Plan plan = ReplicaBalancer.rebalance(state);

        assertThat(plan.moves()).allSatisfy(m -> assertThat(m.from()).containsExactly("b")).hasSize(1);
    }

    @Test
    void aLargeClusterGetsAPlanOfAtMostTheCapAndRepeatedPlansConverge() {
        ClusterState state = applyAll(instances("a", "b", "c", "d", "e"), new CreateTopic("t", 1000, 3, Map.of(), 1),
                new CreateTopic("u", 500, 2, Map.of(), 1));
        state = applyAll(state, new InstanceHeartbeat("f", "http://f", 1, 7));

        int plans = 0;
        Plan plan = ReplicaBalancer.rebalance(state);
        while (!plan.moves().isEmpty()) {
            assertThat(plan.moves()).hasSizeLessThanOrEqualTo(ReplicaBalancer.MAX_MOVES_PER_PLAN);
            state = completed(state, plan);
            plan = ReplicaBalancer.rebalance(state);
            plans++;
        }
        assertThat(plans).isGreaterThan(1);
        assertThat(ReplicaBalancer.spread(replicaCounts(state))).isLessThanOrEqualTo(1);
        assertThat(ReplicaBalancer.spread(leaderCounts(state))).isLessThanOrEqualTo(1);
        assertThat(replicaCounts(state).get("f")).isEqualTo(4000 / 6);
    }
}
