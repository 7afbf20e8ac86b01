package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.failure;
import static io.runnel.cluster.ClusterStateTest.heartbeat;
import static io.runnel.cluster.ClusterStateTest.threeInstances;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.AdmitInstance;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InitializeCluster;
import io.runnel.cluster.MetadataCommand.RemoveInstance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterMembershipStateTest {

    @Test
    void theClusterIdIsSetOnceAndNeverChanges() {
        ClusterState state = applyAll(ClusterState.EMPTY, new InitializeCluster("first"), new InitializeCluster("second"));

        assertThat(state.membership().clusterId()).isEqualTo("first");
    }

    @Test
    void anInstanceHoldingReplicasIsNotRemoved() {
        ClusterState state = applyAll(threeInstances(), new CreateTopic("orders", 1, 2, Map.of(), 1));
        String holder = state.topic("orders").orElseThrow().partitions().get(0).replicas().get(0);

        ApplyResult refused = failure(state, new RemoveInstance(holder, true));

        assertThat(refused.code()).isEqualTo(Code.INSTANCE_NOT_EMPTY);
        assertThat(refused.message()).contains("orders-0");
    }

    @Test
    void anUnknownInstanceIsNotFoundUnlessTheQuorumHasIt() {
        assertThat(failure(threeInstances(), new RemoveInstance("z", false)).code()).isEqualTo(Code.INSTANCE_NOT_FOUND);

        ClusterState state = applyAll(threeInstances(), new RemoveInstance("z", true));
        assertThat(state.membership().removed()).containsExactly("z");
    }

    @Test
    void aRemovedInstanceIsForgottenAndItsHeartbeatsAreRefusedUntilItIsAdmittedAgain() {
        ClusterState state = applyAll(threeInstances(), new RemoveInstance("c", false));

        assertThat(state.instances()).doesNotContainKey("c");
        assertThat(state.liveInstances()).containsExactly("a", "b");
        assertThat(failure(state, heartbeat("c", 2000)).code()).isEqualTo(Code.INSTANCE_REMOVED);

        ClusterState admitted = applyAll(state, new AdmitInstance("c"), heartbeat("c", 3000));
        assertThat(admitted.membership().removed()).isEmpty();
        assertThat(admitted.liveInstances()).containsExactly("a", "b", "c");
    }

    @Test
    void membershipSurvivesTheJsonFormAndIsAbsentFromOldStates() {
        ClusterState state = applyAll(threeInstances(), new InitializeCluster("id-1"), new RemoveInstance("c", false));

        byte[] json = MetadataJson.write(state);
        assertThat(MetadataJson.read(json, ClusterState.class)).isEqualTo(state);

        String old = "{\"appliedIndex\":3,\"topics\":{},\"instances\":{},\"offsets\":{}}";
        ClusterState read = MetadataJson.read(old.getBytes(java.nio.charset.StandardCharsets.UTF_8), ClusterState.class);
        assertThat(read.membership()).isEqualTo(ClusterMembership.EMPTY);
        assertThat(read.membership().removed()).isEqualTo(List.of());
    }
}
