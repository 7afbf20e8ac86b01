package io.runnel.log;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Group commit: forces what appenders wrote to disk, one fsync for as many appends as are waiting,
 * and only then publishes them to readers as durable.
 *
 * <p>Owns the flushed offset: below it every written batch has been forced. An appender waiting
 * for its batch ({@link #awaitDurable}, {@code flush=always}) takes the flush lock; if an fsync
 * that finished meanwhile covered it, it returns at once, else it forces the active segment up to
 * the current written end (covering every appender that wrote before it) and publishes that end
 * through the {@link ViewPublisher}. The interval flusher ({@link #flush}) does the same for the
 * other policies, where writes are published at once and only the fsync is missing.
 *
 * <p>Thread-safety: fsyncs and the flushed offset are under the flush lock, which is taken after
 * the append lock when both are held (truncation: {@link #whileNoFlush}) and never before it, so
 * appenders keep writing while one of them waits for the disk. The segments below the active one
 * need no fsync here: a roll forces the old active segment before the new one takes a batch.
 *
 * <p>Crash: an fsync that failed takes the log offline: which of the written pages reached the disk
 * is then unknown, and the next open validates everything past the recovery point.
 */
final class GroupCommit {
    private final LogContext ctx;
    private final ViewPublisher views;
    private final Supplier<LogView.End> writtenEnd;
    /** Under flushLock. */
    private long flushedOffset;

    /** A change made with no fsync running, under the append and flush locks. */
    interface Change<T> {
        T apply() throws IOException;
    }

    GroupCommit(LogContext ctx, ViewPublisher views, Supplier<LogView.End> writtenEnd, long flushedOffset) {
        this.ctx = ctx;
        this.views = views;
        this.writtenEnd = writtenEnd;
        this.flushedOffset = flushedOffset;
    }

    /** Returns once every offset below {@code nextOffset} is durable per the flush policy and visible. */
    void awaitDurable(long nextOffset) {
        if (ctx.flushPolicy == FlushPolicy.ALWAYS) {
            flushTo(nextOffset);
        }
    }

    /** Forces appended bytes to disk; for the interval flusher (a no-op under {@code flush=always}). */
    void flush() {
        if (ctx.flushPolicy == FlushPolicy.ALWAYS) {
            return; // already flushed before being acknowledged
        }
        flushTo(writtenEnd.get().offset());
    }

    /**
     * Runs {@code change} holding the flush lock, so no fsync runs meanwhile (a truncation moving
     * the written end back). The caller holds the append lock.
     */
    <T> T whileNoFlush(Change<T> change) throws IOException {
        assert Thread.holdsLock(ctx.appendLock) && ctx.mayTakeFlushLock() : "lock order";
        synchronized (ctx.flushLock) {
            return change.apply();
        }
    }

    /** Under flushLock. */
    long flushedOffset() {
        assert Thread.holdsLock(ctx.flushLock);
        return flushedOffset;
    }

    /** Everything below {@code offset} is on disk, and nothing past it is left (truncation). Under flushLock. */
    void flushedTo(long offset) {
        assert Thread.holdsLock(ctx.flushLock);
        flushedOffset = offset;
    }

    /** Forces everything written so far to disk unless a concurrent caller already did. */
    private void flushTo(long offset) {
        assert ctx.mayTakeFlushLock() : "lock order";
        synchronized (ctx.flushLock) {
            if (flushedOffset >= offset) {
                return;
            }
            LogView.End target = writtenEnd.get();
            long start = System.nanoTime();
            try {
                target.segment().flush();
            } catch (IOException e) {
                ctx.fail(e);
                throw new LogException("fsync of " + ctx.dir + " failed: " + e.getMessage(), e);
            }
            ctx.listener().onFlush(System.nanoTime() - start);
            flushedOffset = target.offset();
            views.publishDurable(target);
        }
    }
}
