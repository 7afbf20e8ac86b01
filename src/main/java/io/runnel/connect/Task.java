package io.runnel.connect;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One running task of a connector on this instance, made by {@link ConnectorPlugin#start}. The
 * runtime starts a task when the task is placed here and the connector is {@code RUNNING}, and stops
 * it when the task is placed elsewhere, the connector is paused, restarted, changed or deleted, or the
 * instance shuts down. A stopped task is never started again: the runtime makes a new one.
 *
 * <p>Thread-safe: {@link #progress} is called from web threads while the task works.
 */
public interface Task {

    /**
     * Stops the task: no new delivery, request or write starts after this returns. The future
     * completes once work in flight has ended or been abandoned (within a few seconds at most);
     * progress not yet committed is not committed afterwards, so the task's successor resends it.
     */
    CompletableFuture<Void> stop();

    /** The task's progress per partition it works on, for {@code GET /connectors/{name}/status}. */
    List<PartitionProgress> progress();

    /**
     * What keeps the task as a whole from working right now while it retries (e.g. the other system unreachable
     * before any partition is known), for {@code GET /connectors/{name}/status}; {@code null} when nothing does.
     * Not a failure: a task that cannot go on reports through {@link TaskContext#reporter()}.
     */
    default String error() {
        return null;
    }
}
