package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.heartbeat;
import static io.runnel.cluster.ClusterStateTest.threeInstances;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import io.runnel.cluster.MetadataCommand.PlaceConnectorTask;
import io.runnel.cluster.MetadataCommand.PutConnector;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorPlannerTest {
    private static final Map<String, String> CONFIG = Map.of("connector.class", "http-sink");

    /** Applies the planner's moves until it has none left. */
    private static ClusterState settle(ClusterState state) {
        for (int round = 0; round < 10; round++) {
            List<PlaceConnectorTask> moves = ConnectorPlanner.plan(state);
            if (moves.isEmpty()) {
                return state;
            }
            state = applyAll(state, moves.toArray(MetadataCommand[]::new));
        }
        throw new AssertionError("the planner does not settle");
    }

    private static Map<String, Integer> load(ClusterState state) {
        Map<String, Integer> load = new HashMap<>();
        state.connectors().connectors().values().forEach(c -> c.tasks().forEach(t -> load.merge(t.instance(), 1, Integer::sum)));
        return load;
    }

    @Test
    void tasksSpreadOverTheLiveInstancesFewestFirst() {
        ClusterState state = settle(applyAll(threeInstances(), new PutConnector("x", CONFIG, "User:a", 2),
                new PutConnector("y", CONFIG, "User:a", 4)));

        assertThat(load(state)).containsOnlyKeys("a", "b", "c");
        assertThat(load(state).values()).allSatisfy(n -> assertThat(n).isBetween(2, 2));
    }

    @Test
    void placementsAreStableWhileTheirInstancesAreFine() {
        ClusterState state = settle(applyAll(threeInstances(), new PutConnector("x", CONFIG, "User:a", 3)));

        ClusterState more = applyAll(state, heartbeat("d", 2000), new PutConnector("y", CONFIG, "User:a", 1));
        List<PlaceConnectorTask> moves = ConnectorPlanner.plan(more);

        assertThat(moves).containsExactly(new PlaceConnectorTask("y", 0, null, "d"));
    }

    @Test
    void tasksOfAnOfflineOrDrainingInstanceMoveAndOthersStay() {
        ClusterState state = settle(applyAll(threeInstances(), new PutConnector("x", CONFIG, "User:a", 3)));
        String onA = state.connectors().connector("x").orElseThrow().tasks().get(0).instance();
        assertThat(onA).isEqualTo("a");

        ClusterState offline = applyAll(state, new MetadataCommand.MarkInstanceOffline("a", 1000));
        List<PlaceConnectorTask> moves = ConnectorPlanner.plan(offline);
        assertThat(moves).hasSize(1);
        assertThat(moves.get(0).from()).isEqualTo("a");
        assertThat(moves.get(0).to()).isIn("b", "c");

        ClusterState draining = applyAll(state, new MetadataCommand.DrainInstance("b"));
        assertThat(ConnectorPlanner.plan(draining)).singleElement().satisfies(m -> {
            assertThat(m.from()).isEqualTo("b");
            assertThat(m.to()).isIn("a", "c");
        });
    }

    @Test
    void withNoEligibleInstanceNothingMoves() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("x", CONFIG, "User:a", 1));

        assertThat(ConnectorPlanner.plan(state)).isEmpty();
        assertThat(state.connectors().connector("x").orElseThrow().tasks()).containsExactly(TaskMetadata.UNPLACED);
    }

    @Test
    void aSingleNodeTakesEveryTask() {
        ClusterState state = applyAll(ClusterState.EMPTY, new PutConnector("x", CONFIG, "User:a", 3));

        assertThat(ConnectorPlanner.plan(state.connectors(), List.of("n0"))).extracting(PlaceConnectorTask::to)
                .containsExactly("n0", "n0", "n0");
    }
}
