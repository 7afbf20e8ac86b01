package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.BeginShutdown;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Leadership back at the first replica after a restart: the controller's plan, as a pure function of the metadata. */
class PreferredLeaderElectionTest {

    private static ClusterState cluster(int partitions) {
        ClusterState state = applyAll(ClusterState.EMPTY, new InstanceHeartbeat("a", "http://a", 1, 7),
                new InstanceHeartbeat("b", "http://b", 1, 7), new InstanceHeartbeat("c", "http://c", 1, 7));
        return applyAll(state, new CreateTopic("t", partitions, 3, Map.of(), 1));
    }

    private static PartitionMetadata partition(ClusterState state, int p) {
        return state.topic("t").orElseThrow().partitions().get(p);
    }

    /** {@code id} restarts and every follower's fetch re-admits it to the ISR: in sync again, leading nothing. */
    private static ClusterState restartedAndCaughtUp(ClusterState state, String id) {
        state = applyAll(state, new InstanceHeartbeat(id, "http://" + id, 2, 8));
        for (PartitionMetadata p : state.topic("t").orElseThrow().partitions()) {
            List<String> isr = new ArrayList<>(p.isr());
            isr.add(id);
            state = applyAll(state, new SetPartitionState("t", p.partition(), p.leader(), p.leaderEpoch(), isr, p.partitionEpoch()));
        }
        return state;
    }

    @Test
    void aCreatedTopicIsLedByItsPreferredReplicasAndNeedsNoMove() {
        assertThat(PreferredLeaderElection.plan(cluster(6), 50)).isEmpty();
    }

    @Test
    void leadershipReturnsToTheRestartedPreferredReplicaOnceItIsInSyncAtTheNextEpoch() {
        ClusterState before = cluster(6);
        String restartedId = "a";
        ClusterState restarted = applyAll(before, new InstanceHeartbeat(restartedId, "http://a", 2, 8));
        assertThat(restarted.partitionsLedBy(restartedId)).isZero();
        assertThat(PreferredLeaderElection.plan(restarted, 50)).as("not in any ISR yet: nothing to move").isEmpty();

        ClusterState caughtUp = restartedAndCaughtUp(before, restartedId);
        List<SetPartitionState> moves = PreferredLeaderElection.plan(caughtUp, 50);
        assertThat(moves).hasSize(before.partitionsLedBy(restartedId)).allSatisfy(m -> {
            PartitionMetadata p = partition(caughtUp, m.partition());
            assertThat(p.replicas().get(0)).isEqualTo(restartedId);
            assertThat(m.leader()).isEqualTo(restartedId);
            assertThat(m.leaderEpoch()).isEqualTo(p.leaderEpoch() + 1);
            assertThat(m.isr()).isEqualTo(p.isr());
            assertThat(m.expectedPartitionEpoch()).isEqualTo(p.partitionEpoch());
        });

        ClusterState after = applyAll(caughtUp, moves.toArray(MetadataCommand[]::new));
        for (int p = 0; p < 6; p++) {
            assertThat(partition(after, p).leader()).isEqualTo(partition(before, p).leader());
        }
        assertThat(PreferredLeaderElection.plan(after, 50)).as("nothing left to move").isEmpty();
    }

    @Test
    void aPreferredReplicaThatIsOfflineOrShuttingDownGetsNothing() {
        ClusterState caughtUp = restartedAndCaughtUp(cluster(3), "a");
        long lastBeat = caughtUp.instance("a").orElseThrow().lastHeartbeatMs();

        assertThat(PreferredLeaderElection.plan(applyAll(caughtUp, new MarkInstanceOffline("a", lastBeat)), 50)).isEmpty();
        assertThat(PreferredLeaderElection.plan(applyAll(caughtUp, new BeginShutdown("a", 8)), 50)).isEmpty();
    }

    @Test
    void aMoveComputedFromAnOlderStateDoesNotUndoANewerChange() {
        ClusterState caughtUp = restartedAndCaughtUp(cluster(3), "a");
        SetPartitionState move = PreferredLeaderElection.plan(caughtUp, 50).get(0);
        PartitionMetadata p = partition(caughtUp, move.partition());
        // Meanwhile the ISR shrinks (and grows back to look the same).
        List<String> without = new ArrayList<>(p.isr());
        without.remove("a");
        ClusterState changed = applyAll(caughtUp, new SetPartitionState("t", p.partition(), p.leader(), p.leaderEpoch(), without),
                new SetPartitionState("t", p.partition(), p.leader(), p.leaderEpoch(), p.isr()));

        assertThat(changed.apply(move).result().code()).isEqualTo(ApplyResult.Code.STALE_PARTITION_EPOCH);
    }

    @Test
    void oneCheckProposesAtMostTheCap() {
        ClusterState caughtUp = restartedAndCaughtUp(cluster(30), "a");
        int misplaced = PreferredLeaderElection.plan(caughtUp, Integer.MAX_VALUE).size();
        assertThat(misplaced).isGreaterThan(3);

        List<SetPartitionState> first = PreferredLeaderElection.plan(caughtUp, 3);
        assertThat(first).hasSize(3);
        ClusterState after = applyAll(caughtUp, first.toArray(MetadataCommand[]::new));
        assertThat(PreferredLeaderElection.plan(after, Integer.MAX_VALUE)).hasSize(misplaced - 3).doesNotContainAnyElementsOf(first);
    }
}
