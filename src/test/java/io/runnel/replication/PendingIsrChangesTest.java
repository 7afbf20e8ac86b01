package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.PartitionMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link PendingIsrChanges}: when a leader's proposed ISR change stops being pending, from the metadata it reads. */
class PendingIsrChangesTest {
    private static final List<String> REPLICAS = List.of("n1", "n2", "n0");

    private static PartitionMetadata at(int partitionEpoch, String... isr) {
        return new PartitionMetadata(0, REPLICAS, "n1", 3, List.of(isr), partitionEpoch);
    }

    @Test
    void aJoiningFollowerStaysPendingUntilTheMetadataShowsItInTheIsr() {
        PendingIsrChanges joining = PendingIsrChanges.joining();
        assertThat(joining.begin("n0", 5)).isTrue();
        assertThat(joining.begin("n0", 5)).as("proposed once").isFalse();

        joining.settle(at(5, "n1", "n2"));
        assertThat(joining.ids()).as("the leader still reads the ISR it proposed from").containsExactly("n0");

        joining.settle(at(6, "n1", "n2", "n0"));
        assertThat(joining.contains("n0")).isFalse();
    }

    @Test
    void aFollowerReadmittedAndDroppedAgainBeforeTheLeaderLookedCanBeReadmittedAgain() {
        PendingIsrChanges joining = PendingIsrChanges.joining();
        joining.begin("n0", 5);
        // applied at epoch 6, then the controller dropped n0 (its instance marked offline) at epoch 7
        joining.settle(at(7, "n1", "n2"));
        assertThat(joining.contains("n0")).isFalse();
        assertThat(joining.begin("n0", 7)).isTrue();
    }

    @Test
    void aFailedProposalIsForgottenButNotANewerOne() {
        PendingIsrChanges joining = PendingIsrChanges.joining();
        joining.begin("n0", 5);
        joining.failed("n0", 5);
        assertThat(joining.begin("n0", 6)).isTrue();
        joining.failed("n0", 5);
        assertThat(joining.contains("n0")).as("the failure of the earlier proposal").isTrue();
    }

    @Test
    void aLeavingFollowerStaysPendingUntilTheMetadataShowsItOutOfTheIsrOrMovesOn() {
        PendingIsrChanges leaving = PendingIsrChanges.leaving();
        leaving.begin("n0", 5);
        leaving.settle(at(5, "n1", "n2", "n0"));
        assertThat(leaving.contains("n0")).isTrue();
        leaving.settle(at(6, "n1", "n2"));
        assertThat(leaving.contains("n0")).isFalse();

        // dropped at epoch 8 and re-admitted at epoch 9 before the leader looked: lagging again, it can be dropped again
        leaving.begin("n0", 7);
        leaving.settle(at(9, "n1", "n2", "n0"));
        assertThat(leaving.contains("n0")).isFalse();
    }
}
