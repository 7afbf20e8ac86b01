package io.runnel.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One connector's durable definition ({@link ConnectorsState}): its config as given (secrets included:
 * the metadata is the cluster's own, answers mask them), who created it, whether it should run, and
 * where each of its tasks is placed.
 *
 * <p>{@code generation} numbers the connector's runs: a config change and a restart bump it, and a
 * task's failure counts only in the generation it happened in, so a restart clears failures and every
 * worker can tell a task it must start afresh (its generation moved) from one it already runs.
 *
 * <p>Immutable; strings throughout (the {@code connect} package gives them meaning).
 *
 * @param config      flat string map, sorted
 * @param creator     the principal of the first {@code PUT}, text form ({@code User:alice}); kept by later changes
 * @param targetState {@link #RUNNING} or {@link #PAUSED}
 * @param tasks       one entry per task, {@code tasks.max} of them
 */
public record ConnectorMetadata(String name, Map<String, String> config, String creator, String targetState, long generation,
                                List<TaskMetadata> tasks) {
    public static final String RUNNING = "RUNNING";
    public static final String PAUSED = "PAUSED";

    /**
     * Where one task is placed, and why it stopped if it failed.
     *
     * @param instance the instance that runs it; {@code null} while unplaced
     * @param failure  its failure in the connector's current generation; {@code null} when none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TaskMetadata(String instance, Failure failure) {
        public static final TaskMetadata UNPLACED = new TaskMetadata(null, null);

        TaskMetadata placedOn(String next) {
            return new TaskMetadata(next, failure);
        }
    }

    /**
     * A task's failure.
     *
     * @param instance where it ran
     * @param trace    the error's stack trace, secrets masked, at most {@link ConnectorsState#MAX_TRACE_LENGTH} characters
     * @param atMs     the reporting instance's clock
     */
    public record Failure(String instance, String trace, long atMs) {
    }

    public ConnectorMetadata {
        Objects.requireNonNull(name, "name");
        config = SortedMaps.freeze(config == null ? Map.of() : config);
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    public boolean paused() {
        return PAUSED.equals(targetState);
    }

    /** With {@code count} tasks: the first ones keep their place, failures are cleared (a new generation). */
    ConnectorMetadata nextGeneration(Map<String, String> nextConfig, int count) {
        List<TaskMetadata> next = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            next.add(i < tasks.size() ? new TaskMetadata(tasks.get(i).instance(), null) : TaskMetadata.UNPLACED);
        }
        return new ConnectorMetadata(name, nextConfig, creator, targetState, generation + 1, next);
    }

    ConnectorMetadata withTargetState(String state) {
        return new ConnectorMetadata(name, config, creator, state, generation, tasks);
    }

    ConnectorMetadata withTask(int task, TaskMetadata value) {
        List<TaskMetadata> next = new ArrayList<>(tasks);
        next.set(task, value);
        return new ConnectorMetadata(name, config, creator, targetState, generation, next);
    }
}
