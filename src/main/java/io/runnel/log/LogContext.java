package io.runnel.log;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What the parts of one {@link PartitionLog} share: its directory, flush policy, clock, settings
 * and listener, the three monitors of its lock hierarchy, and whether it still takes writes.
 *
 * <p>Lock order (see {@link PartitionLog} for what each guards): {@link #appendLock} →
 * {@link #flushLock} → {@link #viewLock}. Every place that takes one asserts
 * {@link #mayTakeAppendLock} or {@link #mayTakeFlushLock} first, and every listener call asserts
 * {@link #mayNotify}, so a test run with assertions enabled (Surefire's default) fails at the first
 * acquisition out of order instead of deadlocking some day.
 *
 * <p>Thread-safety: {@link #config}, {@link #listener} and {@link #failure} are volatile;
 * {@link #isClosed closed} is guarded by the append lock. Nothing here is persistent.
 */
final class LogContext {
    final Path dir;
    final FlushPolicy flushPolicy;
    final Clock clock;
    final StorageErrors storage;
    /** Outermost: serialises every change to the log's content and segment list. */
    final Object appendLock = new Object();
    /** Middle: serialises fsyncs of the active segment and guards the flushed offset. */
    final Object flushLock = new Object();
    /** Innermost: guards the high-watermark cap and the publication of a new view. */
    final Object viewLock = new Object();
    private volatile LogConfig config;
    private volatile LogListener listener = LogListener.NONE;
    private volatile IOException failure;
    private boolean closed;

    LogContext(Path dir, LogConfig config, FlushPolicy flushPolicy, Clock clock, StorageErrors storage) {
        this.dir = dir;
        this.config = config;
        this.flushPolicy = flushPolicy;
        this.clock = clock;
        this.storage = storage;
    }

    LogConfig config() { return config; }
    void config(LogConfig config) { this.config = config; }
    LogListener listener() { return listener; }
    void listener(LogListener listener) { this.listener = listener; }

    /** Whether the current thread may take the append lock now: it holds it, or neither inner lock. */
    boolean mayTakeAppendLock() {
        return Thread.holdsLock(appendLock) || !(Thread.holdsLock(flushLock) || Thread.holdsLock(viewLock));
    }

    /** Whether the current thread may take the flush lock now: it holds it, or not the view lock. */
    boolean mayTakeFlushLock() {
        return Thread.holdsLock(flushLock) || !Thread.holdsLock(viewLock);
    }

    /** Listeners are never called under the view lock (they may set the high-watermark cap). */
    boolean mayNotify() {
        return !Thread.holdsLock(viewLock);
    }

    /** Under appendLock. */
    boolean isClosed() {
        return closed;
    }

    /** Under appendLock. */
    void markClosed() {
        closed = true;
    }

    /** Takes the log offline: every later change is refused with {@code cause}. */
    void fail(IOException cause) {
        failure = cause;
    }

    boolean failed() {
        return failure != null;
    }

    /** Under appendLock: throws unless the log takes writes. */
    void checkWritable() {
        if (closed) {
            throw new LogException("log " + dir + " is closed");
        }
        IOException f = failure;
        if (f != null) {
            throw new LogException("log " + dir + " is offline after an I/O failure: " + f.getMessage(), f);
        }
    }
}
