package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.CommitOffsets;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.DeleteGroup;
import io.runnel.cluster.MetadataCommand.DeleteTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.OffsetCommit;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import io.runnel.cluster.MetadataCommand.UpdateTopic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ClusterStateTest {

    /** Three live instances, a, b and c. */
    static ClusterState threeInstances() {
        return applyAll(ClusterState.EMPTY, heartbeat("a", 1000), heartbeat("b", 1000), heartbeat("c", 1000));
    }

    static InstanceHeartbeat heartbeat(String id, long atMs) {
        return new InstanceHeartbeat(id, "http://" + id + ":8080", atMs);
    }

    static ClusterState applyAll(ClusterState state, MetadataCommand... commands) {
        for (MetadataCommand c : commands) {
            ClusterState.Applied applied = state.apply(c);
            assertThat(applied.result().code()).as("%s: %s", c, applied.result().message()).isEqualTo(Code.OK);
            state = applied.state();
        }
        return state;
    }

    static ApplyResult failure(ClusterState state, MetadataCommand command) {
        ClusterState.Applied applied = state.apply(command);
        assertThat(applied.state()).as("a failed command changes nothing").isEqualTo(state);
        assertThat(applied.result().ok()).isFalse();
        return applied.result();
    }

    @Test
    void createTopicPlacesEveryPartitionWithLeaderFirstAndFullIsr() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("orders", 6, 3, Map.of("retention.ms", "1000"), 42));

        TopicMetadata topic = state.topic("orders").orElseThrow();
        assertThat(topic.partitionCount()).isEqualTo(6);
        assertThat(topic.replicationFactor()).isEqualTo(3);
        assertThat(topic.configs()).containsExactly(Map.entry("retention.ms", "1000"));
        assertThat(topic.createdAtMs()).isEqualTo(42);
        for (PartitionMetadata p : topic.partitions()) {
            assertThat(p.replicas()).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(p.leader()).isEqualTo(p.replicas().get(0));
            assertThat(p.leaderEpoch()).isZero();
            assertThat(p.isr()).isEqualTo(p.replicas());
        }
        assertThat(List.of(state.partitionsLedBy("a"), state.partitionsLedBy("b"), state.partitionsLedBy("c")))
                .containsExactly(2, 2, 2);
    }

    @Test
    void createTopicFailuresAreResultsThatChangeNothing() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("orders", 1, 1, Map.of(), 0));

        assertThat(failure(state, new CreateTopic("orders", 1, 1, Map.of(), 0)).code()).isEqualTo(Code.TOPIC_ALREADY_EXISTS);
        assertThat(failure(state, new CreateTopic("t", 0, 1, Map.of(), 0)).code()).isEqualTo(Code.INVALID_PARTITIONS);
        assertThat(failure(state, new CreateTopic("t", ClusterState.MAX_PARTITIONS + 1, 1, Map.of(), 0)).code())
                .isEqualTo(Code.INVALID_PARTITIONS);
        assertThat(failure(state, new CreateTopic("t", 1, 0, Map.of(), 0)).code()).isEqualTo(Code.INVALID_REPLICATION_FACTOR);
        ApplyResult tooMany = failure(state, new CreateTopic("t", 1, 4, Map.of(), 0));
        assertThat(tooMany.code()).isEqualTo(Code.INVALID_REPLICATION_FACTOR);
        assertThat(tooMany.message()).contains("3 live instances");
        assertThat(failure(ClusterState.EMPTY, new CreateTopic("t", 1, 1, Map.of(), 0)).code())
                .isEqualTo(Code.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void replicationFactorCountsOnlyOnlineInstances() {
        ClusterState state = applyAll(threeInstances(), new MarkInstanceOffline("c", 1000));

        assertThat(failure(state, new CreateTopic("t", 1, 3, Map.of(), 0)).code()).isEqualTo(Code.INVALID_REPLICATION_FACTOR);
        ClusterState created = applyAll(state, new CreateTopic("t", 4, 2, Map.of(), 0));
        assertThat(created.topic("t").orElseThrow().partitions()).allSatisfy(p -> assertThat(p.replicas()).doesNotContain("c"));
    }

    @Test
    void updateTopicGrowsPartitionsWherePlacementWouldHavePutThemAndChangesConfigs() {
        ClusterState state = applyAll(threeInstances(),
                new CreateTopic("orders", 2, 2, Map.of("retention.ms", "1000", "segment.bytes", "2048"), 0));
        Map<String, String> changes = new HashMap<>();
        changes.put("retention.ms", null);
        changes.put("cleanup.policy", "delete");

        ClusterState grown = applyAll(state, new UpdateTopic("orders", 5, changes));
        ClusterState createdBig = applyAll(threeInstances(), new CreateTopic("orders", 5, 2, Map.of(), 0));

        TopicMetadata topic = grown.topic("orders").orElseThrow();
        assertThat(topic.partitions()).isEqualTo(createdBig.topic("orders").orElseThrow().partitions());
        assertThat(topic.partitions().subList(0, 2)).isEqualTo(state.topic("orders").orElseThrow().partitions());
        assertThat(topic.configs()).containsExactly(Map.entry("cleanup.policy", "delete"), Map.entry("segment.bytes", "2048"));
    }

    @Test
    void updateTopicKeepsPartitionsWhenNoneAreGivenAndRefusesShrinkingOrUnknownTopics() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("orders", 3, 1, Map.of(), 0));

        ClusterState same = applyAll(state, new UpdateTopic("orders", null, Map.of("retention.ms", "5")));
        assertThat(same.topic("orders").orElseThrow().partitions()).isEqualTo(state.topic("orders").orElseThrow().partitions());
        assertThat(failure(state, new UpdateTopic("orders", 2, Map.of())).code()).isEqualTo(Code.INVALID_PARTITIONS);
        assertThat(failure(state, new UpdateTopic("orders", ClusterState.MAX_PARTITIONS + 1, Map.of())).code())
                .isEqualTo(Code.INVALID_PARTITIONS);
        assertThat(failure(state, new UpdateTopic("nope", 9, Map.of())).code()).isEqualTo(Code.TOPIC_NOT_FOUND);
    }

    @Test
    void growingNeedsEnoughLiveInstancesForTheReplicationFactor() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("orders", 1, 3, Map.of(), 0), new MarkInstanceOffline("a", 1000));

        assertThat(failure(state, new UpdateTopic("orders", 2, Map.of())).code()).isEqualTo(Code.INVALID_REPLICATION_FACTOR);
        assertThat(applyAll(state, new UpdateTopic("orders", null, Map.of("retention.ms", "5"))).topic("orders")).isPresent();
    }

    @Test
    void deleteTopicRemovesItAndEveryGroupsOffsetsOfIt() {
        ClusterState state = applyAll(threeInstances(),
                new CreateTopic("orders", 2, 1, Map.of(), 0),
                new CreateTopic("payments", 1, 1, Map.of(), 0),
                new CommitOffsets("g1", List.of(new OffsetCommit("orders", 0, 5, null), new OffsetCommit("payments", 0, 7, "m"))),
                new CommitOffsets("g2", List.of(new OffsetCommit("orders", 1, 3, ""))));

        ClusterState deleted = applyAll(state, new DeleteTopic("orders"));

        assertThat(deleted.topics()).containsOnlyKeys("payments");
        assertThat(deleted.offsets()).containsOnlyKeys("g1");
        assertThat(deleted.committed("g1")).containsOnlyKeys("payments");
        assertThat(failure(deleted, new DeleteTopic("orders")).code()).isEqualTo(Code.TOPIC_NOT_FOUND);
    }

    @Test
    void heartbeatsRegisterInstancesAndBringThemBackOnline() {
        ClusterState state = applyAll(threeInstances(), heartbeat("a", 2000));
        assertThat(state.instance("a")).contains(new InstanceMetadata("a", "http://a:8080", 2000, true));

        ClusterState offline = applyAll(state, new MarkInstanceOffline("a", 2000));
        assertThat(offline.instance("a").orElseThrow().online()).isFalse();
        assertThat(offline.liveInstances()).containsExactly("b", "c");

        ClusterState back = applyAll(offline, new InstanceHeartbeat("a", "http://a2:8080", 9000));
        assertThat(back.instance("a")).contains(new InstanceMetadata("a", "http://a2:8080", 9000, true));
    }

    @Test
    void markingOfflineLosesToAHeartbeatThatCameFirstAndNeedsAKnownInstance() {
        ClusterState state = applyAll(threeInstances(), heartbeat("a", 2000));

        assertThat(failure(state, new MarkInstanceOffline("a", 1000)).code()).isEqualTo(Code.STALE_HEARTBEAT);
        assertThat(failure(state, new MarkInstanceOffline("zz", 1000)).code()).isEqualTo(Code.INSTANCE_NOT_FOUND);
    }

    @Test
    void setPartitionStateMovesLeadershipAndShrinksTheIsr() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("t", 1, 3, Map.of(), 0));
        PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
        String follower = p.replicas().get(1);

        ClusterState moved = applyAll(state, new SetPartitionState("t", 0, follower, 1, List.of(follower)));

        assertThat(moved.topic("t").orElseThrow().partitions().get(0))
                .isEqualTo(new PartitionMetadata(0, p.replicas(), follower, 1, List.of(follower), p.partitionEpoch() + 1));
        ClusterState expanded = applyAll(moved, new SetPartitionState("t", 0, follower, 1, p.replicas()));
        assertThat(expanded.topic("t").orElseThrow().partitions().get(0).isr()).isEqualTo(p.replicas());
    }

    @Test
    void setPartitionStateRefusesStaleEpochsAndBrokenIsrs() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("t", 1, 2, Map.of(), 0));
        PartitionMetadata p = state.topic("t").orElseThrow().partitions().get(0);
        String leader = p.leader();
        String follower = p.replicas().get(1);
        String outsider = List.of("a", "b", "c").stream().filter(i -> !p.replicas().contains(i)).findFirst().orElseThrow();
        ClusterState bumped = applyAll(state, new SetPartitionState("t", 0, leader, 3, p.replicas()));

        assertThat(failure(bumped, new SetPartitionState("t", 0, leader, 2, p.replicas())).code()).isEqualTo(Code.STALE_LEADER_EPOCH);
        assertThat(failure(bumped, new SetPartitionState("t", 0, follower, 3, p.replicas())).code())
                .as("a new leader needs a new epoch").isEqualTo(Code.STALE_LEADER_EPOCH);
        assertThat(failure(bumped, new SetPartitionState("t", 0, leader, 4, List.of(follower))).code())
                .as("leader outside the ISR").isEqualTo(Code.INVALID_PARTITION_STATE);
        assertThat(failure(bumped, new SetPartitionState("t", 0, leader, 4, List.of(leader, outsider))).code())
                .isEqualTo(Code.INVALID_PARTITION_STATE);
        assertThat(failure(bumped, new SetPartitionState("t", 0, leader, 4, List.of(leader, leader))).code())
                .isEqualTo(Code.INVALID_PARTITION_STATE);
        assertThat(failure(bumped, new SetPartitionState("t", 0, outsider, 4, List.of(outsider))).code())
                .isEqualTo(Code.INVALID_PARTITION_STATE);
        assertThat(failure(bumped, new SetPartitionState("t", 1, leader, 4, List.of(leader))).code())
                .isEqualTo(Code.PARTITION_NOT_FOUND);
        assertThat(failure(bumped, new SetPartitionState("u", 0, leader, 4, List.of(leader))).code())
                .isEqualTo(Code.TOPIC_NOT_FOUND);
    }

    @Test
    void commitOffsetsMergesIntoTheGroupAndDeleteGroupForgetsIt() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("t", 3, 1, Map.of(), 0),
                new CommitOffsets("g", List.of(new OffsetCommit("t", 0, 10, "x"), new OffsetCommit("t", 1, 20, null))),
                new CommitOffsets("g", List.of(new OffsetCommit("t", 1, 21, "y"), new OffsetCommit("t", 2, 30, ""))));

        assertThat(state.committed("g")).isEqualTo(Map.of("t", Map.of(
                0, new CommittedOffset(10, "x"), 1, new CommittedOffset(21, "y"), 2, new CommittedOffset(30, ""))));
        ClusterState deleted = applyAll(state, new DeleteGroup("g"), new DeleteGroup("never-existed"));
        assertThat(deleted.committed("g")).isEmpty();
        assertThat(deleted.offsets()).isEmpty();
    }

    @Test
    void commitOffsetsIsAllOrNothing() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("t", 1, 1, Map.of(), 0));

        assertThat(failure(state, new CommitOffsets("g", List.of(new OffsetCommit("t", 0, 1, ""), new OffsetCommit("t", 1, 1, ""))))
                .code()).isEqualTo(Code.PARTITION_NOT_FOUND);
        assertThat(failure(state, new CommitOffsets("g", List.of(new OffsetCommit("t", 0, 1, ""), new OffsetCommit("u", 0, 1, ""))))
                .code()).isEqualTo(Code.TOPIC_NOT_FOUND);
    }

    @Test
    void theSameCommandsGiveEqualStatesAndTheSameJson() {
        MetadataCommand[] history = {
                heartbeat("c", 5), heartbeat("a", 6), heartbeat("b", 7),
                new CreateTopic("zeta", 5, 2, Map.of("b", "2", "a", "1"), 9),
                new CreateTopic("alpha", 3, 3, Map.of(), 10),
                new CommitOffsets("g", List.of(new OffsetCommit("zeta", 4, 1, ""), new OffsetCommit("alpha", 0, 2, ""))),
                new UpdateTopic("alpha", 7, Map.of("retention.ms", "1")),
                new MarkInstanceOffline("b", 7),
                new CreateTopic("mid", 4, 2, Map.of(), 11),
        };

        ClusterState one = applyAll(ClusterState.EMPTY, history);
        ClusterState two = applyAll(ClusterState.EMPTY, history);

        assertThat(one).isEqualTo(two);
        assertThat(new String(MetadataJson.write(one))).isEqualTo(new String(MetadataJson.write(two)));
        assertThat(MetadataJson.read(MetadataJson.write(one), ClusterState.class)).isEqualTo(one);
    }

    @Test
    void theStateIsImmutable() {
        Map<String, String> configs = new TreeMap<>(Map.of("retention.ms", "1"));
        ClusterState state = applyAll(threeInstances(), new CreateTopic("t", 1, 1, configs, 0));
        configs.put("segment.bytes", "2048");

        assertThat(state.topic("t").orElseThrow().configs()).containsOnlyKeys("retention.ms");
        assertThatThrownBy(() -> state.topics().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
