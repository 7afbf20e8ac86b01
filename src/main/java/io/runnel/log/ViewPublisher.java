package io.runnel.log;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * Publishes a {@link PartitionLog}'s {@link LogView} to lock-free readers, and applies the
 * high-watermark cap the replication layer sets.
 *
 * <p>Owns: the current view (volatile; readers take it and never lock), the cap, and the end the
 * cap gives once the durable end has passed it (cached: the batches below the durable end change
 * only at truncation, after which {@link #installAfterCut} forgets it). Every new view's high watermark is
 * recomputed here: the last batch boundary at or below {@code min(durable end, cap)}.
 *
 * <p>Thread-safety: every change of the view, the cap or its cached end is made under the log's
 * view lock, the innermost of its locks: a caller may hold the append and flush locks, and nothing
 * here takes another lock or calls the listener under the view lock. Changes of the segment list
 * ({@link #replaceSegments}, {@link #replaceCleaned}, {@link #installAfterCut}) come only from callers holding
 * the append lock, so a caller holding it may read {@link #current()}'s segments and rely on them.
 * {@link #read} retries a read whose view lost a segment meanwhile (see {@link Segment}).
 *
 * <p>Nothing here is persistent: the cap is set again by the replication layer after a restart.
 */
final class ViewPublisher {
    private static final int READ_ATTEMPTS = 4;

    private final LogContext ctx;
    private volatile LogView view;
    /** Readers see no offset at or above it; under viewLock. */
    private long cap = Long.MAX_VALUE;
    /** The visible end for the cap once the durable end has passed it, or null; under viewLock. */
    private LogView.End capEnd;

    ViewPublisher(LogContext ctx, LogView initial) {
        this.ctx = ctx;
        this.view = initial;
    }

    LogView current() {
        return view;
    }

    /**
     * Replaces the view after a truncation with one of {@code segments} from {@code logStartOffset}
     * ending at {@code durable}, forgetting the cached capped end (it may lie past the cut) and
     * recomputing the high watermark. Returns the new high watermark if it grew, else -1, for
     * {@link #notifyIfGrown} once the caller's change is complete.
     */
    long installAfterCut(Segment[] segments, long logStartOffset, LogView.End durable) {
        assert Thread.holdsLock(ctx.appendLock) && Thread.holdsLock(ctx.flushLock);
        synchronized (ctx.viewLock) {
            capEnd = null;
            return installLocked(segments, logStartOffset, durable);
        }
    }

    /** Everything below {@code end} is now durable per the flush policy: republishes the view. */
    void publishDurable(LogView.End end) {
        long grownTo;
        synchronized (ctx.viewLock) {
            LogView v = view;
            if (end.offset() <= v.durableEnd().offset()) {
                return;
            }
            grownTo = installLocked(v.segments(), v.logStartOffset(), end);
        }
        assert ctx.mayNotify();
        ctx.listener().onDurableEnd(end.offset());
        notifyIfGrown(grownTo);
    }

    /** Replaces the segment list (roll, retention), keeping both ends. Under appendLock. */
    void replaceSegments(Segment[] segments, long logStartOffset) {
        assert Thread.holdsLock(ctx.appendLock);
        synchronized (ctx.viewLock) {
            LogView v = view;
            view = new LogView(segments, logStartOffset, v.visibleEnd(), v.durableEnd());
        }
    }

    /**
     * Replaces segments with their cleaned copies (compaction), keeping the offsets of both ends:
     * an end that lies in a replaced segment (at its end: only segments below the high watermark
     * are cleaned) moves to where that offset lies in the copy, {@code movedEnds} says where.
     * Under appendLock.
     */
    void replaceCleaned(Segment[] segments, java.util.Map<Segment, LogView.End> movedEnds) {
        assert Thread.holdsLock(ctx.appendLock);
        synchronized (ctx.viewLock) {
            LogView v = view;
            if (capEnd != null) {
                capEnd = moved(capEnd, movedEnds);
            }
            view = new LogView(segments, v.logStartOffset(), moved(v.visibleEnd(), movedEnds), moved(v.durableEnd(), movedEnds));
        }
    }

    private static LogView.End moved(LogView.End end, java.util.Map<Segment, LogView.End> movedEnds) {
        LogView.End to = movedEnds.get(end.segment());
        if (to == null) {
            return end;
        }
        assert to.offset() == end.offset() : "an end inside a cleaned segment: " + end;
        return to;
    }

    /** Tells the listener the high watermark grew to {@code grownTo}, if it did (not -1). */
    void notifyIfGrown(long grownTo) {
        assert ctx.mayNotify();
        if (grownTo >= 0) {
            ctx.listener().onHighWatermark(grownTo);
        }
    }

    /** See {@link PartitionLog#setHighWatermarkCap}. */
    void setCap(long cap) {
        long grownTo;
        synchronized (ctx.viewLock) {
            if (cap == this.cap) {
                return;
            }
            this.cap = cap;
            capEnd = null;
            LogView v = view;
            grownTo = installLocked(v.segments(), v.logStartOffset(), v.durableEnd());
        }
        notifyIfGrown(grownTo);
    }

    long cap() {
        synchronized (ctx.viewLock) {
            return cap;
        }
    }

    /**
     * Runs {@code read} on the current view, again on a newer one when a segment it read was closed
     * (retention) or superseded (truncation) meanwhile.
     */
    <T> T read(ViewRead<T> read) {
        for (int attempt = 1; ; attempt++) {
            LogView v = view;
            try {
                return read.apply(v);
            } catch (ClosedChannelException | Segment.SupersededException e) {
                if (attempt >= READ_ATTEMPTS) {
                    throw new LogException("segment closed or truncated while reading " + ctx.dir, e);
                }
            } catch (IOException e) {
                throw new LogException("read of " + ctx.dir + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** A read of one view. */
    interface ViewRead<T> {
        T apply(LogView view) throws IOException;
    }

    private long installLocked(Segment[] segments, long logStartOffset, LogView.End durable) {
        LogView before = view;
        LogView next = new LogView(segments, logStartOffset, durable, durable);
        next = new LogView(segments, logStartOffset, visibleEnd(next), durable);
        view = next;
        return next.highWatermark() > before.highWatermark() ? next.highWatermark() : -1;
    }

    /** The high watermark of {@code next} under the cap, cached once the durable end passed it. */
    private LogView.End visibleEnd(LogView next) {
        if (Math.max(cap, next.logStartOffset()) >= next.durableEnd().offset()) {
            return next.durableEnd();
        }
        if (capEnd == null) {
            try {
                // Stays right until the cap changes or the log is truncated: the batches below
                // the durable end do not change otherwise.
                capEnd = next.cappedEnd(cap);
            } catch (IOException e) {
                // Show less rather than more: the start of the segment holding the limit.
                return next.segmentStartAt(Math.max(cap, next.logStartOffset()));
            }
        }
        return capEnd;
    }
}
