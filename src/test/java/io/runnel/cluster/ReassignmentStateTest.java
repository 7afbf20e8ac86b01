package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.failure;
import static io.runnel.cluster.ClusterStateTest.heartbeat;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.CancelReassignment;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.ReassignPartition;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link MetadataCommand.ReassignPartition} and {@link MetadataCommand.CancelReassignment} applied to the state. */
class ReassignmentStateTest {

    /** Four instances a..d and topic t of one partition on [a, b, c], led by a. */
    static ClusterState fourInstancesOneTopic() {
        ClusterState state = applyAll(ClusterState.EMPTY, heartbeat("a", 1), heartbeat("b", 1), heartbeat("c", 1),
                new CreateTopic("t", 1, 3, Map.of(), 1), heartbeat("d", 1));
        return withPartition(state, new PartitionMetadata(0, List.of("a", "b", "c"), "a", 0, List.of("a", "b", "c")));
    }

    static PartitionMetadata partition(ClusterState state) {
        return state.topic("t").orElseThrow().partitions().get(0);
    }

    @Test
    void aReassignmentIsQueuedWithItsTargetAndNothingElseChanges() {
        ClusterState before = fourInstancesOneTopic();
        PartitionMetadata old = partition(before);

        PartitionMetadata p = partition(applyAll(before, new ReassignPartition("t", 0, List.of("b", "c", "d"))));

        assertThat(p.targetReplicas()).containsExactly("b", "c", "d");
        assertThat(p.reassigning()).isTrue();
        assertThat(p.reassignmentStarted()).isFalse();
        assertThat(p.addingReplicas()).isEmpty();
        assertThat(p.removingReplicas()).isEmpty();
        assertThat(p.replicas()).isEqualTo(old.replicas());
        assertThat(p.isr()).isEqualTo(old.isr());
        assertThat(p.leader()).isEqualTo(old.leader());
        assertThat(p.leaderEpoch()).isEqualTo(old.leaderEpoch());
        assertThat(p.partitionEpoch()).as("a change a stale step must not undo").isEqualTo(old.partitionEpoch() + 1);
    }

    @Test
    void theSameReplicasInAnotherOrderApplyAtOnceAndTheSameListChangesNothing() {
        ClusterState before = fourInstancesOneTopic();

        PartitionMetadata reordered = partition(applyAll(before, new ReassignPartition("t", 0, List.of("c", "a", "b"))));
        assertThat(reordered.replicas()).containsExactly("c", "a", "b");
        assertThat(reordered.reassigning()).isFalse();
        assertThat(reordered.leader()).as("the preferred-leader election moves it, not this").isEqualTo("a");
        assertThat(reordered.isr()).containsExactlyInAnyOrder("a", "b", "c");

        assertThat(applyAll(before, new ReassignPartition("t", 0, List.of("a", "b", "c")))).isEqualTo(before);
    }

    @Test
    void refusalsChangeNothing() {
        ClusterState state = fourInstancesOneTopic();

        assertThat(failure(state, new ReassignPartition("nope", 0, List.of("a"))).code()).isEqualTo(Code.TOPIC_NOT_FOUND);
        assertThat(failure(state, new ReassignPartition("t", 1, List.of("a"))).code()).isEqualTo(Code.PARTITION_NOT_FOUND);
        assertThat(failure(state, new ReassignPartition("t", -1, List.of("a"))).code()).isEqualTo(Code.PARTITION_NOT_FOUND);
        assertThat(failure(state, new ReassignPartition("t", 0, List.of())).code()).isEqualTo(Code.INVALID_REPLICA_ASSIGNMENT);
        assertThat(failure(state, new ReassignPartition("t", 0, List.of("a", "b", "a"))).code())
                .isEqualTo(Code.INVALID_REPLICA_ASSIGNMENT);
        ApplyResult unknown = failure(state, new ReassignPartition("t", 0, List.of("a", "b", "z")));
        assertThat(unknown.code()).isEqualTo(Code.INVALID_REPLICA_ASSIGNMENT);
        assertThat(unknown.message()).contains("z");

        ClusterState queued = applyAll(state, new ReassignPartition("t", 0, List.of("b", "c", "d")));
        assertThat(failure(queued, new ReassignPartition("t", 0, List.of("a", "b", "d"))).code())
                .isEqualTo(Code.REASSIGNMENT_IN_PROGRESS);
        assertThat(failure(queued, new ReassignPartition("t", 0, List.of("b", "c", "d"))).code())
                .as("even the same target again").isEqualTo(Code.REASSIGNMENT_IN_PROGRESS);

        assertThat(failure(state, new CancelReassignment("t", 0)).code()).isEqualTo(Code.NO_REASSIGNMENT_IN_PROGRESS);
        assertThat(failure(state, new CancelReassignment("nope", 0)).code()).isEqualTo(Code.TOPIC_NOT_FOUND);
        assertThat(failure(state, new CancelReassignment("t", 3)).code()).isEqualTo(Code.PARTITION_NOT_FOUND);
    }

    @Test
    void anOfflineButKnownInstanceIsAValidTarget() {
        ClusterState state = applyAll(fourInstancesOneTopic(), new MetadataCommand.MarkInstanceOffline("d", 1));

        assertThat(partition(applyAll(state, new ReassignPartition("t", 0, List.of("a", "b", "d")))).targetReplicas())
                .containsExactly("a", "b", "d");
    }

    @Test
    void cancellingAQueuedReassignmentDropsIt() {
        ClusterState before = fourInstancesOneTopic();
        ClusterState queued = applyAll(before, new ReassignPartition("t", 0, List.of("b", "c", "d")));

        PartitionMetadata p = partition(applyAll(queued, new CancelReassignment("t", 0)));

        assertThat(p.reassigning()).isFalse();
        assertThat(p.replicas()).containsExactly("a", "b", "c");
        assertThat(p.partitionEpoch()).isEqualTo(partition(queued).partitionEpoch() + 1);
        assertThat(applyAll(queued, new CancelReassignment("t", 0), new ReassignPartition("t", 0, List.of("a", "b", "d"))))
                .as("a new one may be requested then").isNotNull();
    }

    @Test
    void cancellingAStartedReassignmentRevertsToTheOriginalReplicasAndMovesALeaderBack() {
        // Started, the new replica d caught up and took the leadership (as the controller's steps leave it).
        ClusterState started = withPartition(fourInstancesOneTopic(), new PartitionMetadata(0, List.of("a", "b", "c", "d"),
                "d", 1, List.of("d", "a", "b", "c"), 7, List.of("d", "b", "c"), List.of("d"), List.of("a")));

        PartitionMetadata p = partition(applyAll(started, new CancelReassignment("t", 0)));

        assertThat(p.replicas()).containsExactly("a", "b", "c");
        assertThat(p.isr()).containsExactly("a", "b", "c");
        assertThat(p.leader()).isEqualTo("a");
        assertThat(p.leaderEpoch()).isEqualTo(2);
        assertThat(p.partitionEpoch()).isEqualTo(8);
        assertThat(p.reassigning()).isFalse();
        assertThat(p.addingReplicas()).isEmpty();
        assertThat(p.removingReplicas()).isEmpty();
    }

    @Test
    void cancellingSkipsOriginalReplicasThatCannotLeadAndKeepsALeaderThatIsOriginal() {
        ClusterState started = withPartition(applyAll(fourInstancesOneTopic(), new MetadataCommand.MarkInstanceOffline("a", 1)),
                new PartitionMetadata(0, List.of("a", "b", "c", "d"), "d", 1, List.of("d", "a", "b"), 7,
                        List.of("d", "b", "c"), List.of("d"), List.of("a")));
        assertThat(partition(applyAll(started, new CancelReassignment("t", 0))).leader()).isEqualTo("b");

        ClusterState ledByB = withPartition(fourInstancesOneTopic(), new PartitionMetadata(0, List.of("a", "b", "c", "d"),
                "b", 3, List.of("b", "d"), 7, List.of("b", "c", "d"), List.of("d"), List.of("a")));
        PartitionMetadata p = partition(applyAll(ledByB, new CancelReassignment("t", 0)));
        assertThat(p.leader()).isEqualTo("b");
        assertThat(p.leaderEpoch()).isEqualTo(3);
        assertThat(p.isr()).containsExactly("b");
    }

    @Test
    void aStartedReassignmentWhoseOriginalReplicasAreAllOutOfSyncCannotBeCancelled() {
        ClusterState started = withPartition(fourInstancesOneTopic(), new PartitionMetadata(0, List.of("a", "b", "c", "d"),
                "d", 1, List.of("d"), 7, List.of("d"), List.of("d"), List.of("a", "b", "c")));

        assertThat(failure(started, new CancelReassignment("t", 0)).code()).isEqualTo(Code.REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void leaderAndIsrChangesKeepTheReassignment() {
        ClusterState started = withPartition(fourInstancesOneTopic(), new PartitionMetadata(0, List.of("a", "b", "c", "d"),
                "a", 0, List.of("a", "b", "c"), 7, List.of("b", "c", "d"), List.of("d"), List.of("a")));

        PartitionMetadata p = partition(applyAll(started,
                new MetadataCommand.SetPartitionState("t", 0, "a", 0, List.of("a", "b", "c", "d"), 7)));

        assertThat(p.isr()).containsExactly("a", "b", "c", "d");
        assertThat(p.targetReplicas()).containsExactly("b", "c", "d");
        assertThat(p.addingReplicas()).containsExactly("d");
        assertThat(p.removingReplicas()).containsExactly("a");
        assertThat(p.originalReplicas()).containsExactly("a", "b", "c");
    }

    @Test
    void aPartitionWithoutReassignmentIsWrittenAsBeforeAndOldJsonReadsAsNone() {
        String old = "{\"partition\":0,\"replicas\":[\"a\",\"b\"],\"leader\":\"a\",\"leaderEpoch\":2,\"isr\":[\"a\"],"
                + "\"partitionEpoch\":5}";

        PartitionMetadata read = MetadataJson.read(old.getBytes(StandardCharsets.UTF_8), PartitionMetadata.class);

        assertThat(read).isEqualTo(new PartitionMetadata(0, List.of("a", "b"), "a", 2, List.of("a"), 5));
        assertThat(read.reassigning()).isFalse();
        assertThat(new String(MetadataJson.write(read), StandardCharsets.UTF_8)).isEqualTo(old);

        PartitionMetadata moving = new PartitionMetadata(0, List.of("a", "b", "c"), "a", 2, List.of("a", "b"), 6,
                List.of("b", "c"), List.of("c"), List.of("a"));
        assertThat(MetadataJson.read(MetadataJson.write(moving), PartitionMetadata.class)).isEqualTo(moving);
        ClusterState state = applyAll(fourInstancesOneTopic(), new ReassignPartition("t", 0, List.of("b", "c", "d")));
        assertThat(MetadataJson.read(MetadataJson.write(state), ClusterState.class)).isEqualTo(state);
    }

    @Test
    void theCommandsSurviveAJsonRoundTrip() {
        for (MetadataCommand c : List.of(new ReassignPartition("t", 2, List.of("n1", "n3")), new CancelReassignment("t", 2))) {
            assertThat(MetadataJson.read(MetadataJson.write(c), MetadataCommand.class)).isEqualTo(c);
        }
    }

    static ClusterState withPartition(ClusterState state, PartitionMetadata p) {
        TopicMetadata topic = state.topic("t").orElseThrow().withPartition(p);
        return new ClusterState(state.appliedIndex(), SortedMaps.with(state.topics(), "t", topic), state.instances(),
                state.offsets(), state.security());
    }
}
