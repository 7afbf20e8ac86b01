package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.threeInstances;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Leadership after failures: the controller's election, and what a restarted instance loses. */
class FailoverStateTest {

    private static ClusterState withTopic(Map<String, String> configs) {
        return applyAll(threeInstances(), new CreateTopic("t", 3, 3, configs, 1));
    }

    private static ClusterState offline(ClusterState state, String id) {
        return applyAll(state, new MarkInstanceOffline(id, state.instance(id).orElseThrow().lastHeartbeatMs()));
    }

    @Test
    void anOfflineLeaderIsReplacedByTheFirstOnlineInSyncReplicaAtTheNextEpoch() {
        ClusterState state = withTopic(Map.of());
        PartitionMetadata before = state.topic("t").orElseThrow().partitions().get(0);
        String leader = before.leader();
        state = offline(state, leader);

        List<SetPartitionState> moves = LeaderElection.elect(state);
        assertThat(moves).as("exactly the partitions %s led", leader).hasSize(state.partitionsLedBy(leader));
        SetPartitionState move = moves.stream().filter(m -> m.partition() == 0).findFirst().orElseThrow();
        String expected = before.replicas().stream().filter(r -> !r.equals(leader)).findFirst().orElseThrow();
        assertThat(move.leader()).isEqualTo(expected);
        assertThat(move.leaderEpoch()).isEqualTo(before.leaderEpoch() + 1);
        assertThat(move.isr()).doesNotContain(leader).hasSize(2);

        ClusterState after = applyAll(state, moves.toArray(MetadataCommand[]::new));
        assertThat(LeaderElection.elect(after)).as("nothing left to move").isEmpty();
        assertThat(after.partitionsLedBy(leader)).isZero();
    }

    @Test
    void withoutAnOnlineInSyncReplicaThePartitionStaysLeaderlessUnlessUncleanElectionIsEnabled() {
        for (boolean unclean : List.of(false, true)) {
            ClusterState state = withTopic(unclean ? Map.of(LeaderElection.UNCLEAN_CONFIG, "true") : Map.of());
            PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
            String follower = p.replicas().get(1);
            String other = p.replicas().get(2);
            // The ISR shrinks to the leader alone, then the leader dies.
            state = applyAll(state, new SetPartitionState("t", 0, p.leader(), p.leaderEpoch(), List.of(p.leader())));
            state = offline(state, p.leader());
            List<SetPartitionState> moves = LeaderElection.elect(state).stream().filter(m -> m.partition() == 0).toList();
            if (!unclean) {
                assertThat(moves).isEmpty();
            } else {
                assertThat(moves).singleElement().satisfies(m -> {
                    assertThat(m.leader()).isIn(follower, other);
                    assertThat(m.isr()).containsExactly(m.leader());
                    assertThat(m.leaderEpoch()).isEqualTo(p.leaderEpoch() + 1);
                });
            }
        }
    }

    @Test
    void anIsrChangeComputedFromAnOlderStateDoesNotUndoARestartEvenWhenTheIsrLooksTheSame() {
        ClusterState state = applyAll(ClusterState.EMPTY, new InstanceHeartbeat("a", "http://a", 1, 7),
                new InstanceHeartbeat("b", "http://b", 1, 7), new InstanceHeartbeat("c", "http://c", 1, 7),
                new CreateTopic("t", 1, 3, Map.of(), 1));
        PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
        String follower = p.replicas().stream().filter(r -> !r.equals(p.leader())).findFirst().orElseThrow();
        List<String> without = p.isr().stream().filter(r -> !r.equals(follower)).toList();
        // The leader drops the follower, then sees it caught up and proposes to re-admit it, twice
        // (the second from the same, by then stale, view).
        ClusterState shrunk = applyAll(state, new SetPartitionState("t", 0, p.leader(), p.leaderEpoch(), without, p.partitionEpoch()));
        int seen = shrunk.topic("t").orElseThrow().partitions().get(0).partitionEpoch();
        SetPartitionState readmit = new SetPartitionState("t", 0, p.leader(), p.leaderEpoch(), p.isr(), seen);
        ClusterState readmitted = applyAll(shrunk, readmit);
        // The follower restarts (perhaps on an empty disk): out of the ISR, which looks as it did before.
        ClusterState restarted = applyAll(readmitted, new InstanceHeartbeat(follower, "http://" + follower, 2, 8));
        PartitionMetadata now = restarted.topic("t").orElseThrow().partitions().get(0);
        assertThat(now.isr()).isEqualTo(without);
        assertThat(now.partitionEpoch()).isGreaterThan(seen);

        ClusterState.Applied stale = restarted.apply(readmit);
        assertThat(stale.result().code()).isEqualTo(ApplyResult.Code.STALE_PARTITION_EPOCH);
        assertThat(stale.state()).isEqualTo(restarted);
    }

    @Test
    void aRestartedInstanceLeavesEveryIsrAndHandsOverWhatItLed() {
        ClusterState state = applyAll(ClusterState.EMPTY, new InstanceHeartbeat("a", "http://a", 1, 7),
                new InstanceHeartbeat("b", "http://b", 1, 7), new InstanceHeartbeat("c", "http://c", 1, 7));
        state = applyAll(state, new CreateTopic("t", 3, 3, Map.of(), 1), new CreateTopic("single", 1, 1, Map.of(), 1));
        ClusterState same = applyAll(state, new InstanceHeartbeat("a", "http://a", 2, 7));
        assertThat(same.topics()).as("the same incarnation changes nothing").isEqualTo(state.topics());

        ClusterState restarted = applyAll(state, new InstanceHeartbeat("a", "http://a", 3, 8));
        for (PartitionMetadata p : restarted.topic("t").orElseThrow().partitions()) {
            PartitionMetadata old = state.topic("t").orElseThrow().partitions().get(p.partition());
            assertThat(p.isr()).doesNotContain("a").hasSize(2);
            assertThat(p.leader()).isNotEqualTo("a");
            assertThat(p.leaderEpoch()).isEqualTo(old.leader().equals("a") ? old.leaderEpoch() + 1 : old.leaderEpoch());
        }
        PartitionMetadata single = restarted.topic("single").orElseThrow().partitions().get(0);
        assertThat(single).as("a sole replica keeps its partition").isEqualTo(state.topic("single").orElseThrow().partitions().get(0));
        assertThat(restarted.instance("a").orElseThrow().incarnation()).isEqualTo(8);
    }

    @Test
    void anOfflineFollowerLeavesTheIsrOfEveryPartitionWhoseLeaderIsOnlineAtTheSameLeaderEpoch() {
        ClusterState state = withTopic(Map.of());
        String gone = state.topic("t").orElseThrow().partitions().get(0).leader();
        state = offline(state, gone);

        List<SetPartitionState> drops = LeaderElection.dropOfflineFollowers(state);
        assertThat(drops).as("the partitions %s follows", gone).hasSize(3 - state.partitionsLedBy(gone));
        for (SetPartitionState drop : drops) {
            PartitionMetadata before = state.topic("t").orElseThrow().partitions().get(drop.partition());
            assertThat(drop.leader()).isEqualTo(before.leader()).isNotEqualTo(gone);
            assertThat(drop.leaderEpoch()).isEqualTo(before.leaderEpoch());
            assertThat(drop.isr()).containsExactlyElementsOf(before.isr().stream().filter(id -> !id.equals(gone)).toList());
        }

        ClusterState after = applyAll(state, drops.toArray(MetadataCommand[]::new));
        assertThat(LeaderElection.dropOfflineFollowers(after)).as("nothing left to drop").isEmpty();
        assertThat(after.topic("t").orElseThrow().partitions()).filteredOn(p -> !p.leader().equals(gone))
                .allSatisfy(p -> assertThat(p.isr()).doesNotContain(gone).hasSize(2));
    }
}
