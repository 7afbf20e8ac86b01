package io.runnel.log;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Deletes a {@link PartitionLog}'s oldest segments: past {@code retention.ms} / {@code
 * retention.bytes} ({@link #apply}), or wholly below an offset ({@link #deleteBelow}), raising the
 * log start offset to the first segment kept. The active segment, and any segment holding offsets
 * at or above the high watermark, is never deleted.
 *
 * <p>Thread-safety: takes the append lock, publishes the new segment list under the view lock
 * inside it; deleted segments stay open for readers of older views until the {@link SegmentCloser}
 * closes them.
 *
 * <p>Crash: the log start is not stored apart from the segments: the files are deleted after the
 * new view is published, and segments a crash kept come back at the next open (they are whole and
 * valid) for the next retention to delete again. The epoch checkpoint moves its first entry up to the new log start;
 * if that write fails, an open applies the log start itself. The {@link ProducerStates} forget the
 * batches deleted: a batch no longer in the log is not a duplicate.
 */
final class Retention {
    private final LogContext ctx;
    private final ViewPublisher views;
    private final LogAppender appender;
    private final LeaderEpochCache epochs;
    private final SegmentCloser closer;
    private final ProducerStates producers;

    Retention(LogContext ctx, ViewPublisher views, LogAppender appender, LeaderEpochCache epochs, SegmentCloser closer,
              ProducerStates producers) {
        this.producers = producers;
        this.ctx = ctx;
        this.views = views;
        this.appender = appender;
        this.epochs = epochs;
        this.closer = closer;
    }

    /** See {@link PartitionLog#applyRetention}. */
    int apply() {
        closer.closeDue(false);
        LogConfig cfg = ctx.config();
        long now = ctx.clock.millis();
        long[] total = {sizeInBytes(views.current())};
        return dropOldestSegments(s -> {
            boolean expired = cfg.retentionMs() >= 0 && now - s.maxTimestamp() > cfg.retentionMs();
            boolean oversized = cfg.retentionBytes() >= 0 && total[0] - s.size() >= cfg.retentionBytes();
            total[0] -= s.size();
            return expired || oversized;
        });
    }

    /** See {@link PartitionLog#deleteSegmentsBelow}. */
    int deleteBelow(long offset) {
        closer.closeDue(false);
        return dropOldestSegments(s -> s.nextOffset() <= offset);
    }

    static long sizeInBytes(LogView view) {
        long total = 0;
        for (Segment s : view.segments()) {
            total += s.size();
        }
        return total;
    }

    /** Drops segments from the oldest while {@code drop} says so, never the active one or one above the high watermark. */
    private int dropOldestSegments(Predicate<Segment> drop) {
        long now = ctx.clock.millis();
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            if (ctx.isClosed()) {
                return 0;
            }
            LogView v = views.current();
            Segment[] segments = v.segments();
            int count = 0;
            while (count < segments.length - 1 && segments[count].nextOffset() <= v.highWatermark()
                    && drop.test(segments[count])) {
                count++;
            }
            if (count == 0) {
                return 0;
            }
            Segment[] kept = Arrays.copyOfRange(segments, count, segments.length);
            views.replaceSegments(kept, kept[0].baseOffset());
            producers.truncateFromStart(kept[0].baseOffset());
            if (epochs.truncateFromStart(kept[0].baseOffset(), appender.writtenEnd().offset())) {
                try {
                    epochs.persist();
                } catch (IOException e) {
                    // The next change rewrites it; an open applies the new log start itself.
                }
            }
            for (int i = 0; i < count; i++) {
                try {
                    segments[i].deleteFiles();
                } catch (IOException e) {
                    // Left behind; the files only hold offsets below the log start and are ignored.
                }
                closer.retire(segments[i], now);
            }
            return count;
        }
    }
}
