package io.runnel.cluster;

import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import io.runnel.cluster.MetadataCommand.PlaceConnectorTask;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where connector tasks run: a pure function of the state, applied by the controller
 * ({@link ControllerDuties}) with one {@link PlaceConnectorTask} per change, and by a single node to its
 * own file.
 *
 * <p>Rules: a task stays where it is while its instance may run tasks (online, not shutting down, not
 * draining or drained, not removed): placements are stable. A task that is unplaced, or whose instance
 * may not run tasks any more, goes to the eligible instance with the fewest tasks (ties: the smallest
 * id), counting the moves of this plan. Connectors are taken by name, tasks by number, so equal states give
 * equal plans. With no eligible instance nothing moves: the tasks wait where they are.
 */
public final class ConnectorPlanner {
    private ConnectorPlanner() {
    }

    /** The moves for a cluster: eligible are the instances that can lead ({@link InstanceMetadata#canLead}). */
    public static List<PlaceConnectorTask> plan(ClusterState state) {
        List<String> eligible = state.instances().values().stream().filter(InstanceMetadata::canLead)
                .map(InstanceMetadata::id).filter(id -> !state.membership().isRemoved(id)).toList();
        return plan(state.connectors(), eligible);
    }

    /** The moves that place every task of {@code connectors} on one of {@code eligible}. */
    public static List<PlaceConnectorTask> plan(ConnectorsState connectors, Collection<String> eligible) {
        if (eligible.isEmpty()) {
            return List.of();
        }
        Set<String> ok = new HashSet<>(eligible);
        Map<String, Integer> load = new TreeMap<>();
        eligible.forEach(id -> load.put(id, 0));
        for (ConnectorMetadata c : connectors.connectors().values()) {
            for (TaskMetadata t : c.tasks()) {
                if (t.instance() != null && ok.contains(t.instance())) {
                    load.merge(t.instance(), 1, Integer::sum);
                }
            }
        }
        List<PlaceConnectorTask> moves = new ArrayList<>();
        for (ConnectorMetadata c : connectors.connectors().values()) {
            for (int i = 0; i < c.tasks().size(); i++) {
                String at = c.tasks().get(i).instance();
                if (at != null && ok.contains(at)) {
                    continue;
                }
                String to = leastLoaded(load);
                load.merge(to, 1, Integer::sum);
                moves.add(new PlaceConnectorTask(c.name(), i, at, to));
            }
        }
        return moves;
    }

    private static String leastLoaded(Map<String, Integer> load) {
        String best = null;
        for (Map.Entry<String, Integer> e : load.entrySet()) {
            if (best == null || e.getValue() < load.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }
}
