package io.runnel.replication;

import io.runnel.config.FollowerFlush;
import io.runnel.log.PartitionLog;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fsyncs of a follower under {@code runnel.replication.follower-flush=async}: the fetchers hand
 * it every log they wrote to ({@link #dirty}), and one thread forces each to its then written end,
 * publishing it as durable (its readers' cap then moves, see {@code PartitionLog.awaitDurable}). A log
 * handed over again before its turn is queued once: one fsync covers every append before it.
 *
 * <p>Thread-safety: {@link #dirty} may be called from any thread; the flushing thread is the only
 * consumer. Crash: nothing of its own; what it had not fsynced is in the page cache, which outlives
 * the process but not a power loss (see {@link FollowerFlush#ASYNC}).
 */
final class BackgroundFlusher {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundFlusher.class);

    private final LinkedBlockingQueue<PartitionLog> queue = new LinkedBlockingQueue<>();
    private final Set<PartitionLog> queued = ConcurrentHashMap.newKeySet();
    private final Thread thread = new Thread(this::run, "runnel-replica-flusher");

    BackgroundFlusher() {
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Schedules an fsync of {@code log} up to whatever it has written when its turn comes. */
    void dirty(PartitionLog log) {
        if (queued.add(log)) {
            queue.add(log);
        }
    }

    void interrupt() {
        thread.interrupt();
    }

    private void run() {
        try {
            while (true) {
                PartitionLog log = queue.take();
                queued.remove(log); // before the fsync: an append after this point queues it again
                try {
                    log.awaitDurable(log.logEndOffset());
                } catch (RuntimeException e) {
                    // closed (deleted, moved) or failed: a failed fsync takes the log offline by itself
                    LOG.debug("Background fsync of {} failed: {}", log.dir(), e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
