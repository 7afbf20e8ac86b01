package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.failure;
import static io.runnel.cluster.ClusterStateTest.threeInstances;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import io.runnel.cluster.MetadataCommand.DeleteConnector;
import io.runnel.cluster.MetadataCommand.FailConnectorTask;
import io.runnel.cluster.MetadataCommand.PlaceConnectorTask;
import io.runnel.cluster.MetadataCommand.PutConnector;
import io.runnel.cluster.MetadataCommand.RestartConnector;
import io.runnel.cluster.MetadataCommand.SetConnectorTargetState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorsStateTest {
    private static final Map<String, String> CONFIG = Map.of("connector.class", "http-sink", "topics", "orders");

    private static ConnectorMetadata connector(ClusterState state, String name) {
        return state.connectors().connector(name).orElseThrow();
    }

    @Test
    void aNewConnectorRunsAtGenerationOneWithUnplacedTasksAndItsCreator() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:alice", 2));

        ConnectorMetadata c = connector(state, "c");
        assertThat(c.config()).isEqualTo(CONFIG);
        assertThat(c.creator()).isEqualTo("User:alice");
        assertThat(c.targetState()).isEqualTo(ConnectorMetadata.RUNNING);
        assertThat(c.generation()).isEqualTo(1);
        assertThat(c.tasks()).containsExactly(TaskMetadata.UNPLACED, TaskMetadata.UNPLACED);
    }

    @Test
    void aConfigChangeStartsANewGenerationAndKeepsCreatorTargetStateAndPlaces() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:alice", 2),
                new PlaceConnectorTask("c", 0, null, "a"), new SetConnectorTargetState("c", ConnectorMetadata.PAUSED),
                new PutConnector("c", Map.of("connector.class", "http-sink", "topics", "payments"), "User:bob", 3));

        ConnectorMetadata c = connector(state, "c");
        assertThat(c.creator()).isEqualTo("User:alice");
        assertThat(c.paused()).isTrue();
        assertThat(c.generation()).isEqualTo(2);
        assertThat(c.config()).containsEntry("topics", "payments");
        assertThat(c.tasks()).extracting(TaskMetadata::instance).containsExactly("a", null, null);
    }

    @Test
    void theSameConfigAgainChangesNothing() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:alice", 1));

        assertThat(applyAll(state, new PutConnector("c", CONFIG, "User:bob", 1))).isEqualTo(state);
    }

    @Test
    void aFailureCountsInItsGenerationOnlyAndRestartClearsIt() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:alice", 1),
                new PlaceConnectorTask("c", 0, null, "a"), new FailConnectorTask("c", 0, 1, "a", "boom", 5));
        assertThat(connector(state, "c").tasks().get(0).failure()).isEqualTo(new ConnectorMetadata.Failure("a", "boom", 5));

        ClusterState restarted = applyAll(state, new RestartConnector("c"));

        assertThat(connector(restarted, "c").generation()).isEqualTo(2);
        assertThat(connector(restarted, "c").tasks()).containsExactly(new TaskMetadata("a", null));
        assertThat(failure(restarted, new FailConnectorTask("c", 0, 1, "a", "late", 6)).code()).isEqualTo(Code.STALE_CONNECTOR_STATE);
        assertThat(failure(restarted, new FailConnectorTask("c", 0, 2, "b", "elsewhere", 6)).code())
                .as("not placed there").isEqualTo(Code.STALE_CONNECTOR_STATE);
    }

    @Test
    void aPlacementAppliesOnlyFromWhereTheTaskIs() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:alice", 1),
                new PlaceConnectorTask("c", 0, null, "a"));

        assertThat(failure(state, new PlaceConnectorTask("c", 0, null, "b")).code()).isEqualTo(Code.STALE_CONNECTOR_STATE);
        assertThat(failure(state, new PlaceConnectorTask("c", 1, null, "b")).code()).isEqualTo(Code.STALE_CONNECTOR_STATE);
        assertThat(connector(applyAll(state, new PlaceConnectorTask("c", 0, "a", "b")), "c").tasks().get(0).instance()).isEqualTo("b");
    }

    @Test
    void unknownConnectorsAndBrokenLimitsAreRefused() {
        assertThat(failure(ClusterState.EMPTY, new RestartConnector("nope")).code()).isEqualTo(Code.CONNECTOR_NOT_FOUND);
        assertThat(failure(ClusterState.EMPTY, new DeleteConnector("nope")).code()).isEqualTo(Code.CONNECTOR_NOT_FOUND);
        assertThat(failure(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:a", 0)).code()).isEqualTo(Code.INVALID_REQUEST);
        assertThat(failure(ClusterState.EMPTY, new PutConnector("c", Map.of("k", "v".repeat(ConnectorsState.MAX_TEXT_LENGTH + 1)),
                "User:a", 1)).code()).isEqualTo(Code.INVALID_REQUEST);
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("c", CONFIG, "User:alice", 1));
        assertThat(failure(state, new SetConnectorTargetState("c", "SLEEPING")).code()).isEqualTo(Code.INVALID_REQUEST);
        assertThat(failure(state, new FailConnectorTask("c", 0, 1, "a", "x", 1)).code()).as("unplaced").isEqualTo(Code.STALE_CONNECTOR_STATE);
    }

    @Test
    void deleteRemovesTheDefinitionAndOtherPartsAreUntouched() {
        ClusterState base = threeInstances();
        ClusterState state = applyAll(base, new PutConnector("c", CONFIG, "User:alice", 1), new DeleteConnector("c"));

        assertThat(state.connectors().connectors()).isEmpty();
        assertThat(state.instances()).isEqualTo(base.instances());
    }

    @Test
    void connectorsSurviveTheSnapshotJsonAndAnOldSnapshotHasNone() {
        ClusterState state = applyAll(threeInstances(), new PutConnector("c", CONFIG, "User:alice", 2),
                new PlaceConnectorTask("c", 0, null, "a"), new FailConnectorTask("c", 0, 1, "a", "boom\n\tat x", 7),
                new SetConnectorTargetState("c", ConnectorMetadata.PAUSED));

        assertThat(MetadataJson.read(MetadataJson.write(state), ClusterState.class)).isEqualTo(state);
        String old = "{\"appliedIndex\":3,\"topics\":{},\"instances\":{},\"offsets\":{}}";
        assertThat(MetadataJson.read(old.getBytes(), ClusterState.class).connectors()).isEqualTo(ConnectorsState.EMPTY);
    }

    @Test
    void connectorCommandsSurviveAJsonRoundTrip() {
        List<MetadataCommand> commands = List.of(new PutConnector("c", CONFIG, "User:alice", 2),
                new SetConnectorTargetState("c", "PAUSED"), new RestartConnector("c"), new DeleteConnector("c"),
                new PlaceConnectorTask("c", 1, null, "a"), new PlaceConnectorTask("c", 1, "a", "b"),
                new FailConnectorTask("c", 0, 3, "a", "trace", 9));

        for (MetadataCommand c : commands) {
            assertThat(MetadataJson.read(MetadataJson.write(c), MetadataCommand.class)).isEqualTo(c);
        }
    }
}
