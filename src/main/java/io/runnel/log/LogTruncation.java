package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Cuts a follower's log back: to where it diverged from the leader ({@link #truncateTo}), or
 * wholly, restarting it empty at an offset ({@link #truncateFullyAndStartAt}).
 *
 * <p>Protocol (see {@link Segment}): build the new segment list, with a {@linkplain
 * Segment#truncatedCopy truncated copy} of the cut segment; publish it; {@linkplain
 * Segment#supersede supersede} the old instances so lock-free readers of older views fail and retry
 * rather than read bytes written after the cut; only then change the files. The old instances are
 * closed later by the {@link SegmentCloser}.
 *
 * <p>Thread-safety: both operations hold the append lock, then the flush lock (no fsync may run
 * while the written end moves back), and publish under the view lock inside them.
 *
 * <p>Crash: {@link #truncateTo} forces what stays, shortens the file and forces it, deletes later
 * segments (any a crash keeps follow a gap, which recovery deletes), and rewrites the recovery point
 * and epoch checkpoint before returning, so a crash does not bring cut batches back. A reset is
 * atomic through the {@value PartitionLog#RESET_MARKER} marker: once it is written an open
 * completes the reset ({@link LogLoader}); before, the old log stays. A failure midway takes the
 * log offline: its files no longer match its state in memory. The {@link CleanerCheckpoint} is
 * cut back with the log (a reset deletes it), so rewritten offsets count as dirty. The {@link ProducerStates} follow the
 * cut (they are rebuilt from the log at the next open in any case).
 */
final class LogTruncation {
    private final LogContext ctx;
    private final ViewPublisher views;
    private final LogAppender appender;
    private final GroupCommit groupCommit;
    private final RecoveryPoint recoveryPoint;
    private final LeaderEpochCache epochs;
    private final SegmentCloser closer;
    private final ProducerStates producers;

    LogTruncation(LogContext ctx, ViewPublisher views, LogAppender appender, GroupCommit groupCommit,
            RecoveryPoint recoveryPoint, LeaderEpochCache epochs, SegmentCloser closer, ProducerStates producers) {
        this.producers = producers;
        this.ctx = ctx;
        this.views = views;
        this.appender = appender;
        this.groupCommit = groupCommit;
        this.recoveryPoint = recoveryPoint;
        this.epochs = epochs;
        this.closer = closer;
    }

    /** See {@link PartitionLog#truncateTo}. */
    long truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("cannot truncate " + ctx.dir + " to a negative offset " + offset);
        }
        closer.closeDue(false);
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            ctx.checkWritable();
            long end = appender.writtenEnd().offset();
            if (offset >= end) {
                return end;
            }
            try {
                return groupCommit.whileNoFlush(() -> {
                    if (offset < views.current().logStartOffset()) {
                        resetTo(offset);
                        return offset;
                    }
                    return cutAt(offset);
                });
            } catch (IOException e) {
                ctx.fail(e);
                throw new LogException("truncation of " + ctx.dir + " to " + offset + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** See {@link PartitionLog#truncateFullyAndStartAt}. */
    void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("cannot restart " + ctx.dir + " at a negative offset " + offset);
        }
        closer.closeDue(false);
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            ctx.checkWritable();
            try {
                groupCommit.whileNoFlush(() -> {
                    resetTo(offset);
                    return null;
                });
            } catch (IOException e) {
                ctx.fail(e);
                throw new LogException("reset of " + ctx.dir + " to " + offset + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** Cuts the log at the start of the batch holding {@code offset}. Under appendLock and flushLock. */
    private long cutAt(long offset) throws IOException {
        LogView v = views.current();
        Segment[] segments = v.segments();
        int i = v.segmentIndexOf(offset);
        Segment s = segments[i];
        int position = 0;
        long end = s.baseOffset();
        if (offset > s.baseOffset()) {
            position = s.positionOf(offset, s.size())
                    .orElseThrow(() -> new IOException("no batch holds offset " + offset + " in " + s.logFile()));
            end = s.readHeader(position, s.size()).orElseThrow().baseOffset();
        }
        if (groupCommit.flushedOffset() < end) {
            s.flush(); // what stays becomes durable now, as the new view says
        }
        Segment cut = s.truncatedCopy(position);
        Segment[] kept = Arrays.copyOf(segments, i + 1);
        kept[i] = cut;
        LogView.End newEnd = new LogView.End(end, cut, position);
        long grownTo = views.installAfterCut(kept, v.logStartOffset(), newEnd);
        appender.restartAt(newEnd);
        groupCommit.flushedTo(end);
        // New readers take the new instances; retire the old ones before their bytes change.
        long now = ctx.clock.millis();
        for (int j = i; j < segments.length; j++) {
            segments[j].supersede();
            closer.retire(segments[j], now);
        }
        cut.cutFile();
        for (int j = i + 1; j < segments.length; j++) {
            // Should a crash keep some of them, they follow a gap, which recovery deletes.
            segments[j].deleteFiles();
        }
        AtomicFile.fsyncDirectory(ctx.dir);
        recoveryPoint.write(Math.min(recoveryPoint.offset(), end));
        CleanerCheckpoint cleaned = CleanerCheckpoint.read(ctx.dir);
        if (cleaned.firstDirtyOffset() > end) {
            cleaned.truncatedTo(end).write(ctx.dir);
        }
        if (epochs.truncateFromEnd(end)) {
            epochs.persist();
        }
        producers.truncateFromEnd(end, kept);
        views.notifyIfGrown(grownTo);
        return end;
    }

    /** Deletes every segment and restarts the log empty at {@code offset}. Under appendLock and flushLock. */
    private void resetTo(long offset) throws IOException {
        Path marker = ctx.dir.resolve(PartitionLog.RESET_MARKER);
        AtomicFile.write(marker, RecoveryPoint.ascii(offset)); // the commit point: see LogLoader
        Segment[] old = views.current().segments();
        for (Segment s : old) {
            s.deleteFiles(); // first: the new segment may take the name of an old one
        }
        Segment fresh = Segment.create(ctx.dir, offset, ctx.config().indexIntervalBytes());
        LogView.End end = new LogView.End(offset, fresh, 0);
        long grownTo = views.installAfterCut(new Segment[] {fresh}, offset, end);
        appender.restartAt(end);
        groupCommit.flushedTo(offset);
        long now = ctx.clock.millis();
        for (Segment s : old) {
            s.supersede();
            closer.retire(s, now);
        }
        epochs.clear();
        epochs.persist();
        producers.clear();
        Files.deleteIfExists(ctx.dir.resolve(CleanerCheckpoint.FILE));
        recoveryPoint.write(offset);
        Files.delete(marker);
        AtomicFile.fsyncDirectory(ctx.dir);
        views.notifyIfGrown(grownTo);
    }
}
