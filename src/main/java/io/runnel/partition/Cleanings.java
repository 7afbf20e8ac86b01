package io.runnel.partition;

import io.runnel.log.PartitionLog;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import org.springframework.stereotype.Component;

/**
 * Which log the cleaner is compacting, so a log can be stopped before it is deleted or closed:
 * {@link LogMaintenance} cleans a log only between {@link #begin} and {@link #end}, and
 * {@link LogManager} calls {@link #stop} (which waits for a cleaning of that log to end) before it
 * deletes or closes a log; a stopped log is never cleaned again.
 *
 * <p>Thread-safe (this object's monitor). Memory only: a stopped log is held weakly, and nothing
 * needs to survive a crash (a cleaning interrupted by one is completed or rolled back when the log
 * is opened).
 */
@Component
class Cleanings {
    private final Set<PartitionLog> stopped = Collections.newSetFromMap(new WeakHashMap<>());
    private PartitionLog running;
    private boolean closed;

    /** Whether {@code log} may be cleaned now; if so, the caller must call {@link #end} afterwards. */
    synchronized boolean begin(PartitionLog log) {
        if (closed || stopped.contains(log)) {
            return false;
        }
        running = log;
        return true;
    }

    synchronized void end(PartitionLog log) {
        if (running == log) {
            running = null;
            notifyAll();
        }
    }

    /** Stops cleaning {@code log} for good, waiting for a cleaning of it under way to end. */
    synchronized void stop(PartitionLog log) {
        stopped.add(log);
        awaitNot(log);
    }

    /** Stops every cleaning (shutdown), waiting for the one under way to end. */
    synchronized void stopAll() {
        closed = true;
        awaitNot(null);
    }

    private void awaitNot(PartitionLog log) {
        boolean interrupted = false;
        while (running != null && (log == null || running == log)) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
