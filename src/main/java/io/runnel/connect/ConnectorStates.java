package io.runnel.connect;

import io.runnel.cluster.ConnectorMetadata;
import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import java.util.List;

/**
 * The states {@code GET /connectors/{name}/status} and the metrics report, derived from a definition
 * alone, so every instance tells the same. A task is {@code FAILED} when it failed in the current
 * generation, {@code UNASSIGNED} while unplaced, else {@code PAUSED} or {@code RUNNING} as the connector
 * is meant to be; the connector is {@code PAUSED} when paused, {@code FAILED} when any task failed (until a
 * restart), else {@code RUNNING}.
 */
final class ConnectorStates {
    static final String RUNNING = "RUNNING";
    static final String PAUSED = "PAUSED";
    static final String FAILED = "FAILED";
    static final String UNASSIGNED = "UNASSIGNED";
    static final List<String> CONNECTOR_STATES = List.of(RUNNING, PAUSED, FAILED);
    static final List<String> TASK_STATES = List.of(RUNNING, PAUSED, FAILED, UNASSIGNED);

    private ConnectorStates() {
    }

    static String of(ConnectorMetadata connector) {
        if (connector.paused()) {
            return PAUSED;
        }
        return connector.tasks().stream().anyMatch(t -> t.failure() != null) ? FAILED : RUNNING;
    }

    static String of(ConnectorMetadata connector, TaskMetadata task) {
        if (task.failure() != null) {
            return FAILED;
        }
        if (task.instance() == null) {
            return UNASSIGNED;
        }
        return connector.paused() ? PAUSED : RUNNING;
    }
}
