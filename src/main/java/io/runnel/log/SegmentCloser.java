package io.runnel.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Closes the segments that retention or truncation removed from the log, a while after they were
 * removed: lock-free readers may still hold a view that lists them, and a channel closed under a
 * reader would fail its read (it retries on a newer view, but only a few times). A minute after
 * removal no reader still reads one; {@link PartitionLog#close} closes them all at once.
 *
 * <p>Thread-safety: {@link #retire} is called under the append lock; {@link #closeDue} takes it.
 * Nothing here is persistent: the files of a retired segment are already deleted (or, after a
 * crash, recovery deletes them), only its open channel waits here.
 */
final class SegmentCloser {
    static final long CLOSE_DELAY_MS = 60_000;

    private final LogContext ctx;
    /** Under appendLock. */
    private final List<Pending> pending = new ArrayList<>();

    private record Pending(Segment segment, long closeAtMs) {
    }

    SegmentCloser(LogContext ctx) {
        this.ctx = ctx;
    }

    /** Closes {@code segment} once no reader can still hold it. Under appendLock. */
    void retire(Segment segment, long nowMs) {
        assert Thread.holdsLock(ctx.appendLock);
        pending.add(new Pending(segment, nowMs + CLOSE_DELAY_MS));
    }

    /** Closes the retired segments whose delay has passed, or every one with {@code all}. */
    void closeDue(boolean all) {
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            long now = ctx.clock.millis();
            pending.removeIf(p -> {
                if (all || p.closeAtMs() <= now) {
                    closeQuietly(p.segment());
                    return true;
                }
                return false;
            });
        }
    }

    static void closeQuietly(Segment s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing more to do for a deleted segment
        }
    }
}
