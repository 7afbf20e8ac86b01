package io.runnel.topic;

import io.micrometer.core.instrument.Timer;
import io.runnel.log.LogListener;
import io.runnel.log.PartitionLog;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One partition of a topic on this instance: its log plus the readers waiting for it to grow.
 * Waiting readers are callbacks, not threads: {@link #awaitBeyond} registers one and every
 * high-watermark advance runs and forgets all registered callbacks, on the appending thread
 * (so they must only hand work off, e.g. complete a {@code DeferredResult}).
 */
public final class Partition implements LogListener {
    private final String topic;
    private final int id;
    private final PartitionLog log;
    private final Timer fsyncTimer;
    private final Set<Runnable> waiters = ConcurrentHashMap.newKeySet();

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
     * registering, when it already has: the caller should read now.
     */
    public boolean awaitBeyond(long offset, Runnable callback) {
        waiters.add(callback);
        if (log.highWatermark() > offset) {
            waiters.remove(callback);
            return false;
        }
        return true;
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
        if (waiters.isEmpty()) {
            return;
        }
        for (Runnable waiter : waiters) {
            if (waiters.remove(waiter)) {
                waiter.run();
            }
        }
    }

    @Override
    public void onFlush(long nanos) {
        fsyncTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Wakes every waiter (at shutdown or deletion) so no request hangs on a closed log. */
    void wakeAll() {
        onHighWatermark(Long.MAX_VALUE);
    }
}
