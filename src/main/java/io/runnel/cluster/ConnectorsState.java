package io.runnel.cluster;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.ConnectorMetadata.Failure;
import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import io.runnel.cluster.MetadataCommand.ConnectorCommand;
import io.runnel.cluster.MetadataCommand.DeleteConnector;
import io.runnel.cluster.MetadataCommand.FailConnectorTask;
import io.runnel.cluster.MetadataCommand.PlaceConnectorTask;
import io.runnel.cluster.MetadataCommand.PutConnector;
import io.runnel.cluster.MetadataCommand.RestartConnector;
import io.runnel.cluster.MetadataCommand.SetConnectorTargetState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The connector part of {@link ClusterState}: every connector's definition by name
 * ({@link ConnectorMetadata}). A single node keeps the same value in its own file and applies the same
 * commands to it, so both behave alike.
 *
 * <p>Immutable; {@link #apply} is a pure function of this state and the command. The limits hold on
 * every replica whatever a proposer sends, so no command can exhaust the memory of every instance. A
 * snapshot written before this part existed has none: it reads as {@link #EMPTY}.
 */
public record ConnectorsState(Map<String, ConnectorMetadata> connectors) {
    public static final ConnectorsState EMPTY = new ConnectorsState(Map.of());
    /** Most connectors a cluster keeps. */
    public static final int MAX_CONNECTORS = 1_000;
    /** Most tasks of one connector ({@code tasks.max}). */
    public static final int MAX_TASKS = 100;
    /** Most config entries of one connector. */
    public static final int MAX_CONFIG_ENTRIES = 1_000;
    /** Longest config key or value, principal or instance id. */
    public static final int MAX_TEXT_LENGTH = 10_000;
    /** Longest failure trace kept (a longer one is cut by the reporter). */
    public static final int MAX_TRACE_LENGTH = 8_000;

    /** A state after a command, and what the command did. */
    public record Applied(ConnectorsState state, ApplyResult result) {
    }

    public ConnectorsState {
        connectors = SortedMaps.freeze(connectors == null ? Map.of() : connectors);
    }

    public Optional<ConnectorMetadata> connector(String name) {
        return Optional.ofNullable(connectors.get(name));
    }

    /** Applies one command: the next state and the outcome. Never throws for a well-formed command. */
    public Applied apply(ConnectorCommand command) {
        if (command instanceof PutConnector c) {
            return put(c);
        }
        ConnectorMetadata old = connectors.get(command.name());
        if (old == null) {
            return unchanged(Code.CONNECTOR_NOT_FOUND, "connector '" + command.name() + "' does not exist");
        }
        if (command instanceof SetConnectorTargetState c) {
            if (!c.state().equals(ConnectorMetadata.RUNNING) && !c.state().equals(ConnectorMetadata.PAUSED)) {
                return unchanged(Code.INVALID_REQUEST, "a connector's target state is RUNNING or PAUSED, got " + c.state());
            }
            return changed(old.targetState().equals(c.state()) ? this : with(old.withTargetState(c.state())));
        } else if (command instanceof RestartConnector) {
            return changed(with(old.nextGeneration(old.config(), old.tasks().size())));
        } else if (command instanceof DeleteConnector c) {
            return changed(new ConnectorsState(SortedMaps.without(connectors, c.name())));
        } else if (command instanceof PlaceConnectorTask c) {
            return place(old, c);
        } else if (command instanceof FailConnectorTask c) {
            return fail(old, c);
        }
        throw new IllegalArgumentException("unknown command " + command);
    }

    private Applied put(PutConnector c) {
        if (c.tasks() < 1 || c.tasks() > MAX_TASKS) {
            return unchanged(Code.INVALID_REQUEST, "tasks.max must be from 1 to " + MAX_TASKS + ", got " + c.tasks());
        }
        if (c.config().size() > MAX_CONFIG_ENTRIES || tooLong(c.name(), c.principal())
                || c.config().entrySet().stream().anyMatch(e -> tooLong(e.getKey(), e.getValue()))) {
            return unchanged(Code.INVALID_REQUEST, "a connector has at most " + MAX_CONFIG_ENTRIES + " config entries, each key and"
                    + " value at most " + MAX_TEXT_LENGTH + " characters");
        }
        ConnectorMetadata old = connectors.get(c.name());
        if (old == null) {
            if (connectors.size() >= MAX_CONNECTORS) {
                return unchanged(Code.LIMIT_EXCEEDED, "the cluster already has " + connectors.size()
                        + " connectors, the most it keeps; delete unused ones first");
            }
            List<TaskMetadata> tasks = new ArrayList<>(c.tasks());
            for (int i = 0; i < c.tasks(); i++) {
                tasks.add(TaskMetadata.UNPLACED);
            }
            return changed(with(new ConnectorMetadata(c.name(), c.config(), c.principal(), ConnectorMetadata.RUNNING, 1, tasks)));
        }
        if (old.config().equals(c.config()) && old.tasks().size() == c.tasks()) {
            return changed(this);
        }
        return changed(with(old.nextGeneration(c.config(), c.tasks())));
    }

    private Applied place(ConnectorMetadata old, PlaceConnectorTask c) {
        if (c.task() < 0 || c.task() >= old.tasks().size()) {
            return unchanged(Code.STALE_CONNECTOR_STATE, "connector '" + c.name() + "' has no task " + c.task());
        }
        TaskMetadata task = old.tasks().get(c.task());
        if (!Objects.equals(task.instance(), c.from())) {
            return unchanged(Code.STALE_CONNECTOR_STATE, "task " + c.task() + " of connector '" + c.name() + "' is on "
                    + task.instance() + ", not " + c.from());
        }
        if (tooLong(c.to())) {
            return unchanged(Code.INVALID_REQUEST, "an instance id has at most " + MAX_TEXT_LENGTH + " characters");
        }
        return changed(with(old.withTask(c.task(), task.placedOn(c.to()))));
    }

    private Applied fail(ConnectorMetadata old, FailConnectorTask c) {
        if (c.generation() != old.generation() || c.task() < 0 || c.task() >= old.tasks().size()
                || !c.instance().equals(old.tasks().get(c.task()).instance())) {
            return unchanged(Code.STALE_CONNECTOR_STATE, "task " + c.task() + " of connector '" + c.name() + "' at generation "
                    + c.generation() + " on " + c.instance() + " is not running any more (generation now " + old.generation() + ")");
        }
        if (c.trace().length() > MAX_TRACE_LENGTH || tooLong(c.instance())) {
            return unchanged(Code.INVALID_REQUEST, "a failure trace has at most " + MAX_TRACE_LENGTH + " characters");
        }
        TaskMetadata task = old.tasks().get(c.task());
        return changed(with(old.withTask(c.task(), new TaskMetadata(task.instance(), new Failure(c.instance(), c.trace(), c.atMs())))));
    }

    private ConnectorsState with(ConnectorMetadata connector) {
        return new ConnectorsState(SortedMaps.with(connectors, connector.name(), connector));
    }

    private static boolean tooLong(String... texts) {
        for (String text : texts) {
            if (text != null && text.length() > MAX_TEXT_LENGTH) {
                return true;
            }
        }
        return false;
    }

    private Applied unchanged(Code code, String message) {
        return new Applied(this, ApplyResult.failure(code, message));
    }

    private static Applied changed(ConnectorsState next) {
        return new Applied(next, ApplyResult.OK);
    }
}
