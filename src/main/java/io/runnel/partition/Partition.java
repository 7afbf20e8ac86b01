package io.runnel.partition;

import io.micrometer.core.instrument.Timer;
import io.runnel.log.AtomicFile;
import io.runnel.log.LogListener;
import io.runnel.log.PartitionLog;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One partition of a topic on this instance: its log plus the readers waiting for it to grow.
 * Waiting readers are callbacks, not threads: {@link #awaitBeyond} registers one and every
 * high-watermark advance runs and forgets all registered callbacks, on the appending thread
 * (so they must only hand work off: {@link PartitionWaits} is what registers them). Deleting the
 * partition marks it {@linkplain #deleted deleted} and runs every callback, so no reader waits on a
 * log that no longer exists.
 */
public final class Partition implements LogListener {
    private final String topic;
    private final int id;
    private final PartitionLog log;
    private final Timer fsyncTimer;
    private final Set<Runnable> waiters = ConcurrentHashMap.newKeySet();
    private final Set<Runnable> durableWaiters = ConcurrentHashMap.newKeySet();
    private volatile long checkpointedHighWatermark = -1;
    private volatile boolean deleted;

    Partition(String topic, int id, PartitionLog log, Timer fsyncTimer) {
        this.topic = topic;
        this.id = id;
        this.log = log;
        this.fsyncTimer = fsyncTimer;
        log.setListener(this);
    }

    public String topic() { return topic; }
    public int id() { return id; }
    public PartitionLog log() { return log; }

    /**
     * Runs {@code callback} once the high watermark passes {@code offset}. Returns false, without
     * registering, when it already has (or the partition was deleted): the caller should read now.
     */
    public boolean awaitBeyond(long offset, Runnable callback) {
        waiters.add(callback);
        if (deleted || log.highWatermark() > offset) {
            waiters.remove(callback);
            return false;
        }
        return true;
    }

    /**
     * Runs {@code callback} once the log's durable end passes {@code offset} (a follower's fetch
     * waits for this: the high watermark cannot move before followers have the records). Returns
     * false, without registering, when it already has (or the partition was deleted).
     */
    public boolean awaitDurableBeyond(long offset, Runnable callback) {
        durableWaiters.add(callback);
        if (deleted || log.durableEnd() > offset) {
            durableWaiters.remove(callback);
            return false;
        }
        return true;
    }

    public void cancelDurableWait(Runnable callback) {
        durableWaiters.remove(callback);
    }

    @Override
    public void onDurableEnd(long durableEnd) {
        runOnce(durableWaiters);
    }

    /**
     * The high watermark last saved in {@link DataLayout#highWatermarkCheckpoint} (0 if never): a lower
     * bound of the replicated high watermark, so a replica that restarts shows readers no record
     * that was not replicated before.
     */
    public long readHighWatermarkCheckpoint() {
        Path file = DataLayout.highWatermarkCheckpoint(log.dir());
        try {
            return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Saves the current high watermark if it moved since the last save. */
    public void checkpointHighWatermark() {
        long hw = log.highWatermark();
        if (hw == checkpointedHighWatermark) {
            return;
        }
        try {
            AtomicFile.write(DataLayout.highWatermarkCheckpoint(log.dir()), Long.toString(hw).getBytes(StandardCharsets.US_ASCII));
            checkpointedHighWatermark = hw;
        } catch (IOException e) {
            // a stale checkpoint is only more conservative; the next tick tries again
        }
    }

    /** Forgets a callback (its request timed out or went away). */
    public void cancelWait(Runnable callback) {
        waiters.remove(callback);
    }

    public int waiterCount() {
        return waiters.size();
    }

    @Override
    public void onHighWatermark(long highWatermark) {
        runOnce(waiters);
    }

    /**
     * Runs and forgets the callbacks registered now. A callback may register again (to wait for a
     * later offset); it then waits for the next advance, rather than running again in this one.
     */
    private static void runOnce(Set<Runnable> registered) {
        if (registered.isEmpty()) {
            return;
        }
        for (Runnable waiter : registered.toArray(Runnable[]::new)) {
            if (registered.remove(waiter)) {
                waiter.run();
            }
        }
    }

    @Override
    public void onFlush(long nanos) {
        fsyncTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Whether the partition was deleted here (its topic was, or this instance no longer hosts it). */
    public boolean deleted() {
        return deleted;
    }

    /** Marks the partition deleted, then wakes every waiter, which sees {@link #deleted}. */
    void wakeAllDeleted() {
        deleted = true;
        wakeAll();
    }

    /** Wakes every waiter (at shutdown or deletion) so no request hangs on a closed log. */
    void wakeAll() {
        onHighWatermark(Long.MAX_VALUE);
        onDurableEnd(Long.MAX_VALUE);
    }
}
