package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.failure;
import static io.runnel.cluster.ClusterStateTest.heartbeat;
import static io.runnel.cluster.ReassignmentStateTest.fourInstancesOneTopic;
import static io.runnel.cluster.ReassignmentStateTest.partition;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.BeginReassignment;
import io.runnel.cluster.MetadataCommand.CancelReassignment;
import io.runnel.cluster.MetadataCommand.CompleteReassignment;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.ReassignPartition;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReassignmentPlannerTest {

    private static final int CAP = 10;

    /** Applies every planned step, as the controller would, and returns the state after. */
    private static ClusterState step(ClusterState state) {
        return step(state, CAP);
    }

    private static ClusterState step(ClusterState state, int cap) {
        return applyAll(state, ReassignmentPlanner.plan(state, cap).toArray(MetadataCommand[]::new));
    }

    /** The leader of t-0 admits {@code follower} to the ISR, as replication does once it caught up. */
    private static ClusterState caughtUp(ClusterState state, String follower) {
        PartitionMetadata p = partition(state);
        List<String> isr = new ArrayList<>(p.isr());
        isr.add(follower);
        return applyAll(state, new SetPartitionState("t", 0, p.leader(), p.leaderEpoch(), isr, p.partitionEpoch()));
    }

    @Test
    void nothingToDoWithoutReassignments() {
        assertThat(ReassignmentPlanner.plan(fourInstancesOneTopic(), CAP)).isEmpty();
    }

    @Test
    void aMoveThatDropsTheLeaderGoesAddCatchUpLeadThenDrop() {
        ClusterState state = applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d")));

        // (a) the new replica is added; the ISR and the leader stay
        assertThat(ReassignmentPlanner.plan(state, CAP)).containsExactly(new BeginReassignment("t", 0, partition(state).partitionEpoch()));
        state = step(state);
        PartitionMetadata p = partition(state);
        assertThat(p.replicas()).containsExactly("a", "b", "c", "d");
        assertThat(p.addingReplicas()).containsExactly("d");
        assertThat(p.removingReplicas()).containsExactly("a");
        assertThat(p.isr()).containsExactly("a", "b", "c");
        assertThat(p.leader()).isEqualTo("a");

        // (b) nothing until d is in sync
        assertThat(ReassignmentPlanner.plan(state, CAP)).isEmpty();
        state = caughtUp(state, "d");

        // (c) the leadership moves to the first target replica, at the next epoch, the ISR unchanged
        List<MetadataCommand> move = ReassignmentPlanner.plan(state, CAP);
        assertThat(move).containsExactly(new SetPartitionState("t", 0, "b", 1, List.of("a", "b", "c", "d"),
                partition(state).partitionEpoch()));
        state = step(state);
        assertThat(partition(state).leader()).isEqualTo("b");

        // (d) replicas and ISR are cut to the target
        assertThat(ReassignmentPlanner.plan(state, CAP)).containsExactly(new CompleteReassignment("t", 0,
                partition(state).partitionEpoch()));
        state = step(state);
        p = partition(state);
        assertThat(p.replicas()).containsExactly("b", "c", "d");
        assertThat(p.isr()).containsExactly("b", "c", "d");
        assertThat(p.leader()).isEqualTo("b");
        assertThat(p.leaderEpoch()).isEqualTo(1);
        assertThat(p.reassigning()).isFalse();
        assertThat(ReassignmentPlanner.plan(state, CAP)).isEmpty();
    }

    @Test
    void aMoveThatKeepsTheLeaderCompletesWithoutALeaderChange() {
        ClusterState state = step(applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("a", "b", "d"))));
        state = caughtUp(state, "d");

        assertThat(ReassignmentPlanner.plan(state, CAP)).singleElement().isInstanceOf(CompleteReassignment.class);
        PartitionMetadata p = partition(step(state));
        assertThat(p.replicas()).containsExactly("a", "b", "d");
        assertThat(p.isr()).containsExactly("a", "b", "d");
        assertThat(p.leaderEpoch()).isZero();
    }

    @Test
    void shrinkingTheReplicasNeedsNoCatchUp() {
        ClusterState state = step(applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("c", "b"))));
        assertThat(partition(state).addingReplicas()).isEmpty();
        assertThat(partition(state).removingReplicas()).containsExactly("a");

        state = step(step(state));

        PartitionMetadata p = partition(state);
        assertThat(p.replicas()).containsExactly("c", "b");
        assertThat(p.leader()).as("the first target replica that can lead").isEqualTo("c");
        assertThat(p.isr()).containsExactlyInAnyOrder("b", "c");
    }

    @Test
    void theLeadershipGoesToATargetReplicaThatCanLeadAndWaitsWhileNoneCan() {
        ClusterState state = caughtUp(step(applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d")))),
                "d");
        ClusterState bOffline = applyAll(state, new MarkInstanceOffline("b", 1));

        assertThat(ReassignmentPlanner.plan(bOffline, CAP)).singleElement()
                .satisfies(c -> assertThat(((SetPartitionState) c).leader()).isEqualTo("c"));
        ClusterState noneCan = applyAll(bOffline, new MarkInstanceOffline("c", 1), new MarkInstanceOffline("d", 1));
        assertThat(ReassignmentPlanner.plan(noneCan, CAP)).isEmpty();
    }

    @Test
    void atMostTheCapRunAtOnceAndTheQueuedStartAsOthersComplete() {
        ClusterState state = applyAll(ClusterState.EMPTY, heartbeat("a", 1), heartbeat("b", 1), heartbeat("c", 1),
                new CreateTopic("many", 5, 1, Map.of(), 1));
        for (int i = 0; i < 5; i++) {
            String from = state.topic("many").orElseThrow().partitions().get(i).replicas().get(0);
            String to = from.equals("a") ? "b" : "a";
            state = applyAll(state, new ReassignPartition("many", i, List.of(to)));
        }

        List<MetadataCommand> first = ReassignmentPlanner.plan(state, 2);
        assertThat(first).hasSize(2).allMatch(c -> c instanceof BeginReassignment);
        assertThat(first).extracting(ReassignmentPlanner::partitionOf).containsExactly("many-0", "many-1");
        state = applyAll(state, first.toArray(MetadataCommand[]::new));
        assertThat(ReassignmentPlanner.plan(state, 2)).as("two started, none in sync yet").isEmpty();

        PartitionMetadata p0 = state.topic("many").orElseThrow().partitions().get(0);
        String newReplica = p0.addingReplicas().get(0);
        state = applyAll(state, new SetPartitionState("many", 0, p0.leader(), p0.leaderEpoch(), List.of(p0.leader(), newReplica),
                p0.partitionEpoch()));
        state = step(state, 2); // leader to the new replica
        state = step(state, 2); // many-0 completes
        assertThat(state.topic("many").orElseThrow().partitions().get(0).replicas()).containsExactly(newReplica);

        assertThat(ReassignmentPlanner.plan(state, 2)).singleElement()
                .isEqualTo(new BeginReassignment("many", 2, state.topic("many").orElseThrow().partitions().get(2).partitionEpoch()));
    }

    @Test
    void aStepPlannedFromAnOlderStateIsRefused() {
        ClusterState queued = applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d")));
        MetadataCommand begin = ReassignmentPlanner.plan(queued, CAP).get(0);
        ClusterState started = applyAll(queued, begin);
        assertThat(failure(started, begin).code()).isEqualTo(Code.STALE_PARTITION_EPOCH);

        ClusterState ready = caughtUp(started, "d");
        MetadataCommand move = ReassignmentPlanner.plan(ready, CAP).get(0);
        PartitionMetadata p = partition(ready);
        ClusterState shrunk = applyAll(ready, new SetPartitionState("t", 0, "a", 0, List.of("a", "b", "c"), p.partitionEpoch()));
        assertThat(failure(shrunk, move).code()).isEqualTo(Code.STALE_PARTITION_EPOCH);
        assertThat(ReassignmentPlanner.plan(shrunk, CAP)).as("waits for d again").isEmpty();

        ClusterState cancelled = applyAll(ready, new CancelReassignment("t", 0));
        assertThat(failure(cancelled, move).code()).isEqualTo(Code.STALE_PARTITION_EPOCH);
        assertThat(partition(cancelled).replicas()).containsExactly("a", "b", "c");
        assertThat(partition(cancelled).isr()).containsExactly("a", "b", "c");
    }

    @Test
    void completingIsRefusedUntilTheTargetIsInSyncAndLeads() {
        ClusterState started = step(applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d"))));
        int epoch = partition(started).partitionEpoch();

        assertThat(failure(started, new CompleteReassignment("t", 0, epoch)).code()).isEqualTo(Code.INVALID_PARTITION_STATE);
        ClusterState inSync = caughtUp(started, "d");
        assertThat(failure(inSync, new CompleteReassignment("t", 0, epoch + 1)).code()).as("led by a, not in the target")
                .isEqualTo(Code.INVALID_PARTITION_STATE);
        assertThat(failure(fourInstancesOneTopic(), new CompleteReassignment("t", 0, 0)).code())
                .isEqualTo(Code.NO_REASSIGNMENT_IN_PROGRESS);
        assertThat(failure(started, new BeginReassignment("t", 0, epoch)).code()).isEqualTo(Code.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void aReassignmentContinuesAfterItsLeaderFailsOver() {
        ClusterState state = step(applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d"))));
        // a is killed while d catches up: the normal election picks b from the ISR
        state = applyAll(state, new MarkInstanceOffline("a", 1));
        state = applyAll(state, LeaderElection.elect(state).toArray(MetadataCommand[]::new));
        assertThat(partition(state).leader()).isEqualTo("b");
        assertThat(partition(state).isr()).containsExactly("b", "c");
        assertThat(ReassignmentPlanner.plan(state, CAP)).isEmpty();

        state = caughtUp(state, "d");
        assertThat(ReassignmentPlanner.plan(state, CAP)).singleElement().isInstanceOf(CompleteReassignment.class);
        PartitionMetadata p = partition(step(state));
        assertThat(p.replicas()).containsExactly("b", "c", "d");
        assertThat(p.isr()).containsExactly("b", "c", "d");
        assertThat(p.leader()).isEqualTo("b");
    }

    @Test
    void preferredLeaderElectionLeavesAStartedReassignmentAlone() {
        ClusterState state = caughtUp(step(applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d")))),
                "d");
        state = step(state); // b leads; a, first of the replicas, is in sync
        assertThat(partition(state).leader()).isEqualTo("b");

        assertThat(PreferredLeaderElection.plan(state, 50)).isEmpty();
    }
}
