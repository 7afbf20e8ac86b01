package io.runnel.log;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Writes batches at the end of a {@link PartitionLog}, for the leader (assigning offsets) and for
 * a follower (keeping the leader's), and rolls the active segment.
 *
 * <p>Owns the written end (where the last written, not necessarily flushed, batch ends; volatile,
 * read lock-free) and the time the active segment took its first batch ({@code segment.ms} counts
 * from it). Both are changed under the append lock: here, and by {@link LogTruncation} through
 * {@link #restartAt}. A write records a new leader epoch in the {@link LeaderEpochCache} before the
 * batch, then writes it, then records it in the {@link ProducerStates} (a leader's batch that
 * repeats its producer's last one is not written at all); under {@code flush=always} the batch is published by {@link GroupCommit}
 * after its fsync, under the other policies here at once.
 *
 * <p>Thread-safety: every method but {@link #writtenEnd} and {@link #checkFollowerBatches} is
 * called under the append lock; publishing takes the view lock inside it.
 *
 * <p>Crash: a batch is on disk once an fsync covers it ({@link GroupCommit}, a roll, or a clean
 * close); a failed write leaves nothing behind (the segment cuts itself back), and an epoch entry
 * whose batch a crash lost is dropped at open. A write that failed for want of space
 * ({@link LogException.StorageFull}) leaves the log writable; any other failure takes it offline.
 */
final class LogAppender {
    private final LogContext ctx;
    private final ViewPublisher views;
    private final LeaderEpochCache epochs;
    private final RecoveryPoint recoveryPoint;
    private final ProducerStates producers;
    private volatile LogView.End writtenEnd;
    /** When the active segment took its first batch; under appendLock. */
    private long activeSegmentOpenedMs;

    LogAppender(LogContext ctx, ViewPublisher views, LeaderEpochCache epochs, RecoveryPoint recoveryPoint,
            long activeSegmentOpenedMs, ProducerStates producers) {
        this.ctx = ctx;
        this.producers = producers;
        this.views = views;
        this.epochs = epochs;
        this.recoveryPoint = recoveryPoint;
        this.writtenEnd = views.current().durableEnd();
        this.activeSegmentOpenedMs = activeSegmentOpenedMs;
    }

    /** Where the last written batch ends. */
    LogView.End writtenEnd() {
        return writtenEnd;
    }

    /**
     * Assigns {@code batch} offsets from the written end and writes it, unless it repeats its
     * producer's last batch: then nothing is written and the answer is that batch's offsets.
     * Under appendLock.
     */
    AppendResult appendAsLeader(RecordBatch batch) {
        assert Thread.holdsLock(ctx.appendLock);
        ctx.checkWritable();
        if (!batch.isDense()) {
            // Only compaction writes batches with fewer records than offsets; a new batch takes one offset per record.
            throw new LogException("a leader append to " + ctx.dir + " must hold one record per offset: " + batch);
        }
        epochs.checkEpoch(batch.leaderEpoch());
        Optional<ProducerBatch> duplicate = producers.duplicateOf(batch);
        if (duplicate.isPresent()) {
            return new AppendResult(duplicate.get().baseOffset(), duplicate.get().lastOffset(), true);
        }
        batch.setBaseOffset(writtenEnd.offset());
        write(List.of(batch));
        return new AppendResult(batch.baseOffset(), batch.lastOffset());
    }

    /** Writes batches that {@link #checkFollowerBatches passed the checks}, if they start at the written end. Under appendLock. */
    void appendAsFollower(List<RecordBatch> batches) {
        assert Thread.holdsLock(ctx.appendLock);
        ctx.checkWritable();
        RecordBatch first = batches.get(0);
        long end = writtenEnd.offset();
        if (first.baseOffset() != end) {
            throw new LogException("batch base offset " + first.baseOffset() + " is not the log end offset "
                    + end + " of " + ctx.dir);
        }
        epochs.checkEpoch(first.leaderEpoch());
        write(batches);
    }

    /** The checks that need no lock: each batch valid (CRC32C, magic, framing), contiguous, epochs not going back. */
    void checkFollowerBatches(List<RecordBatch> batches) {
        RecordBatch previous = null;
        for (int i = 0; i < batches.size(); i++) {
            RecordBatch b = batches.get(i);
            if (!b.isValid()) {
                throw new LogException("batch " + i + " of a follower append to " + ctx.dir
                        + " is corrupt (CRC, magic or framing)");
            }
            if (previous != null && b.baseOffset() != previous.nextOffset()) {
                throw new LogException("batch base offset " + b.baseOffset() + " does not follow the previous batch's end "
                        + previous.nextOffset() + " in a follower append to " + ctx.dir);
            }
            if (previous != null && b.leaderEpoch() < previous.leaderEpoch()) {
                throw new LogException("batch leader epoch " + b.leaderEpoch() + " at offset " + b.baseOffset()
                        + " is below the previous batch's " + previous.leaderEpoch());
            }
            previous = b;
        }
    }

    /** After a truncation: the log now ends at {@code end}, in its active segment. Under appendLock. */
    void restartAt(LogView.End end) {
        assert Thread.holdsLock(ctx.appendLock);
        writtenEnd = end;
        Segment active = end.segment();
        long now = ctx.clock.millis();
        activeSegmentOpenedMs = active.isEmpty() ? now : Math.min(now, active.firstBatchTimestamp());
    }

    /**
     * Writes batches that carry their final offsets, from the log end on, recording new leader
     * epochs first (so the checkpoint never lacks the epoch of a batch on disk; an entry whose
     * batch a crash lost is dropped at open).
     */
    private void write(List<RecordBatch> batches) {
        boolean newEpoch = false;
        for (RecordBatch b : batches) {
            newEpoch |= epochs.assign(b.leaderEpoch(), b.baseOffset());
        }
        boolean persisted = false;
        long needed = 0;
        try {
            if (newEpoch) {
                needed = 0; // a few bytes: the classification's margin covers them
                epochs.persist();
                persisted = true;
            }
            for (RecordBatch b : batches) {
                needed = b.sizeInBytes();
                Segment active = maybeRoll(b.sizeInBytes());
                if (active.isEmpty()) {
                    // segment.ms is the age of the first batch, not of the file: a segment that has
                    // been empty since the log was opened long ago must not roll at its second batch.
                    activeSegmentOpenedMs = ctx.clock.millis();
                }
                active.append(b);
                writtenEnd = new LogView.End(b.nextOffset(), active, active.size());
                producers.record(b);
            }
        } catch (IOException e) {
            LogException failed = ctx.storage.writeFailure("append to " + ctx.dir, e, ctx.dir, needed);
            if (!(failed instanceof LogException.StorageFull)) {
                ctx.fail(e);
            }
            forgetEpochsPastEnd(persisted, e);
            if (ctx.flushPolicy != FlushPolicy.ALWAYS) {
                views.publishDurable(writtenEnd);
            }
            throw failed;
        }
        if (ctx.flushPolicy != FlushPolicy.ALWAYS) {
            views.publishDurable(writtenEnd);
        }
    }

    /** After a failed write: forgets the epochs of batches not written, on disk too if they got there. */
    private void forgetEpochsPastEnd(boolean persisted, IOException cause) {
        if (epochs.truncateFromEnd(writtenEnd.offset()) && persisted) {
            try {
                epochs.persist();
            } catch (IOException e) {
                // The file names an epoch from an offset that later batches of an older epoch would take.
                cause.addSuppressed(e);
                ctx.fail(e);
            }
        }
    }

    /** Rolls to a new segment if this batch would overflow the active one or it is too old. */
    private Segment maybeRoll(int batchBytes) throws IOException {
        LogView v = views.current();
        Segment[] segments = v.segments();
        Segment active = segments[segments.length - 1];
        LogConfig cfg = ctx.config();
        boolean full = active.size() + (long) batchBytes > cfg.segmentBytes();
        boolean old = ctx.clock.millis() - activeSegmentOpenedMs >= cfg.segmentMs();
        if (active.isEmpty() || !(full || old)) {
            return active;
        }
        active.flush();
        saveIndexesQuietly(active);
        Segment next = Segment.create(ctx.dir, active.nextOffset(), cfg.indexIntervalBytes());
        try {
            recoveryPoint.write(next.baseOffset());
        } catch (IOException e) {
            // A stale recovery point only means more validation at the next unclean start.
        }
        Segment[] grown = Arrays.copyOf(segments, segments.length + 1);
        grown[segments.length] = next;
        views.replaceSegments(grown, v.logStartOffset());
        return next;
    }

    private static void saveIndexesQuietly(Segment segment) {
        try {
            segment.saveIndexes();
        } catch (IOException e) {
            // The index is a cache: a missing one is rebuilt from the log at open.
        }
    }
}
