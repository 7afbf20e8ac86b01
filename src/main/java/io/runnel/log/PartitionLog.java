package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The log of one partition: an ordered list of {@link Segment}s in one directory, the last one
 * active. Offsets are dense: each batch starts where the previous one ended.
 *
 * <p>Files in the directory: the segments' {@code .log}, {@code .index}, {@code .timeindex};
 * {@value #RECOVERY_POINT} (an offset below which every byte is known to be on disk, written
 * atomically at each roll, truncation and at close: {@link RecoveryPoint}); {@value #CLEAN_SHUTDOWN}
 * (present only between a clean close and the next open); {@code leader-epoch-checkpoint} (the
 * {@link LeaderEpochCache}); {@code cleaner-checkpoint} (when each range became clean: {@link
 * CleanerCheckpoint}); {@code <base>.log.cleaned} and {@code <base>.log.swap} (present only while
 * a compaction swaps segments in, or after a crash in it: {@link LogCleaner}); {@value #RESET_MARKER} (present only while
 * {@link #truncateFullyAndStartAt} runs).
 *
 * <p>Commit point of an append: the batch is written under the append lock, forced to disk per the
 * {@link FlushPolicy} (concurrent appenders share one fsync), and only then published to readers by
 * replacing the immutable {@link LogView}. Readers take no lock: they read the current view and never
 * look past its high watermark, so they never see bytes the disk might not keep.
 *
 * <p>Replication: a leader appends with {@link #appendAsLeader}, a follower copies the leader's
 * batches, offsets and epochs with {@link #appendAsFollower}. Three offsets matter: the log end
 * offset (written), the {@link #durableEnd} (durable per the flush policy: what a follower may
 * fetch with {@link #readForReplication} and what a replica reports as its own end) and the high
 * watermark (what consumers may read): the last batch boundary at or below
 * {@code min(durableEnd, cap)}, where the replication layer sets the cap with
 * {@link #setHighWatermarkCap} (unset: the high watermark is the durable end). Every batch's
 * leader epoch is recorded in the {@link LeaderEpochCache} ({@link #latestEpoch},
 * {@link #endOffsetForEpoch}); a follower that diverged {@link #truncateTo truncates}, or
 * {@link #truncateFullyAndStartAt starts afresh} when it is wholly behind the leader's log start.
 *
 * <p>This class is the façade; each job is done by one part, whose header holds its contract:
 * {@link LogLoader} (open, recovery, clean-shutdown marker), {@link LogAppender} (leader and
 * follower writes, rolls), {@link GroupCommit} (shared fsyncs, the durable end, {@link
 * #awaitDurable}), {@link ViewPublisher} (the reader view and the high-watermark cap),
 * {@link LogTruncation}, {@link Retention}, {@link LogCleaner} (compaction), {@link SegmentCloser} (deferred close of removed
 * segments, so lock-free readers stay safe), {@link RecoveryPoint}; {@link LogContext} holds what
 * they share, and {@link StorageErrors} tells a full disk from other write failures.
 * {@link ProducerStates} remembers each producer's last batch (in memory, rebuilt at open from the
 * batch headers), so a leader appends a producer's batch at most once.
 *
 * <p><b>Lock hierarchy.</b> Three monitors, always taken in this order (a thread holding one may
 * take only those after it):
 * <ol>
 *   <li><b>append lock</b>: every change of the content and the segment list — the written end,
 *       the active segment's age, the recovery point, changes of the epoch cache, the segments
 *       waiting to be closed, the producer states, and {@code closed}. Taken by the appends, {@link #endOffsetForEpoch},
 *       {@link #truncateTo}, {@link #truncateFullyAndStartAt}, {@link #applyRetention},
 *       {@link #deleteSegmentsBelow}, {@link #close}, {@link #delete}.</li>
 *   <li><b>flush lock</b>: fsyncs of the active segment and the flushed offset (group commit).
 *       Taken with no other lock held by {@link #awaitDurable} (so by {@link #appendAsLeader} and
 *       {@link #appendAsFollower}, after they release the append lock) and {@link #flush}; inside
 *       the append lock only by the two truncations, so no fsync runs while the end moves back.</li>
 *   <li><b>view lock</b>: publishing a new view, the high-watermark cap and its cached end. Taken
 *       alone by {@link #setHighWatermarkCap} and {@link #highWatermarkCap}; inside the append lock
 *       by writes under {@code flush=interval/os}, rolls and retention; inside the flush lock by
 *       group commit; inside both by the truncations. Nothing else is taken, and no listener is
 *       called, while it is held.</li>
 * </ol>
 * So never flush lock → append lock, nor view lock → either. Outside this order, the
 * {@link LogCleaner}'s clean lock lets one {@link #clean} pass run at a time; it is taken with no
 * other lock held, and the pass takes the append lock inside it only to swap its files in. Every acquisition asserts its place
 * (see {@link LogContext}), so a test run with assertions on fails at the first one out of order.
 * Readers ({@link #read}, {@link #readForReplication}, {@link #offsetForTimestamp} and the offset
 * getters but {@link #endOffsetForEpoch}) take no lock. {@link LogListener} callbacks run on the
 * changing thread while it holds the append lock (writes under {@code flush=interval/os}), the
 * flush lock (group commit) or both (truncation) — which keeps notifications in order — but never
 * the view lock: a callback may read the log and set its cap, but must not append to, flush,
 * truncate, trim or close it.
 *
 * <p>Every change builds the new state and swaps the view; segment instances that old views may
 * still read are superseded or retired, not changed (see {@link Segment}, {@link SegmentCloser}).
 * Crash: {@link LogLoader} recovers every batch an fsync covered (under {@code flush=always}, every
 * acknowledged one), cut at the first invalid byte; a truncation or reset that returned stays done.
 *
 * <p>Thread-safety: all public methods may be called from any thread.
 */
public final class PartitionLog implements AutoCloseable {
    static final String CLEAN_SHUTDOWN = "clean-shutdown";
    static final String RECOVERY_POINT = "recovery-point";
    /** Holds the target offset while {@link #truncateFullyAndStartAt} runs; an open completes it. */
    static final String RESET_MARKER = "log-reset";
    /** How long a producer's last batch is remembered unless the open says otherwise. */
    public static final Duration DEFAULT_PRODUCER_WINDOW = Duration.ofMinutes(10);

    private final LogContext ctx;
    private final ViewPublisher views;
    private final LeaderEpochCache epochs;
    private final RecoveryPoint recoveryPoint;
    private final LogAppender appender;
    private final GroupCommit groupCommit;
    private final SegmentCloser closer;
    private final LogTruncation truncation;
    private final Retention retention;
    private final ProducerStates producers;
    private final LogCleaner cleaner;

    private PartitionLog(LogContext ctx, LogLoader.Loaded loaded, long producerWindowMs) {
        this.ctx = ctx;
        this.views = new ViewPublisher(ctx, loaded.view());
        this.epochs = loaded.epochs();
        this.recoveryPoint = loaded.recoveryPoint();
        this.producers = loaded.producers();
        this.appender = new LogAppender(ctx, views, epochs, recoveryPoint, loaded.activeSegmentOpenedMs(), producers);
        this.groupCommit = new GroupCommit(ctx, views, appender::writtenEnd, appender.writtenEnd().offset());
        this.closer = new SegmentCloser(ctx);
        this.truncation = new LogTruncation(ctx, views, appender, groupCommit, recoveryPoint, epochs, closer, producers);
        this.retention = new Retention(ctx, views, appender, epochs, closer, producers);
        this.cleaner = new LogCleaner(ctx, views, appender, closer, producerWindowMs);
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly,
     * with a producer window of {@link #DEFAULT_PRODUCER_WINDOW}.
     */
    public static PartitionLog open(Path dir, LogConfig config, FlushPolicy flushPolicy, Clock clock) {
        return open(dir, config, flushPolicy, clock, DEFAULT_PRODUCER_WINDOW);
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly;
     * a producer's last batch is remembered for {@code producerWindow} (see {@link ProducerStates}).
     */
    public static PartitionLog open(Path dir, LogConfig config, FlushPolicy flushPolicy, Clock clock, Duration producerWindow) {
        try {
            LogContext ctx = new LogContext(dir, config, flushPolicy, clock, StorageErrors.SYSTEM);
            return new PartitionLog(ctx, LogLoader.load(dir, config, clock, producerWindow.toMillis()), producerWindow.toMillis());
        } catch (IOException e) {
            throw new LogException("cannot open log " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() { return ctx.dir; }
    public LogConfig config() { return ctx.config(); }
    public long logStartOffset() { return views.current().logStartOffset(); }
    /** The end of what consumers may read: the last batch boundary at or below {@code min(durableEnd, cap)}. */
    public long highWatermark() { return views.current().highWatermark(); }
    /** Where the last written batch ends; it may not be durable yet (see {@link #durableEnd}). */
    public long logEndOffset() { return appender.writtenEnd().offset(); }

    /**
     * The offset below which every batch is durable per the flush policy (fsynced under
     * {@code flush=always}, written under the others): what followers may replicate, and the
     * replica's own end for the high-watermark computation.
     */
    public long durableEnd() { return views.current().durableEnd().offset(); }

    /** The latest leader epoch of the log's batches, or -1 when it knows none. */
    public int latestEpoch() {
        return epochs.latestEpoch();
    }

    /**
     * Where {@code epoch} ends in this log, as a leader answers a follower's OffsetsForLeaderEpoch
     * (KIP-101/KIP-279): the largest epoch at most {@code epoch} that the log knows, and the start
     * offset of the next larger one, or the log end offset for the latest;
     * {@link EpochEndOffset#UNDEFINED} when {@code epoch} is below every epoch known.
     */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            return epochs.endOffsetFor(epoch, appender.writtenEnd().offset());
        }
    }

    /**
     * The last batch {@code producerId} appended, if it is still in the log and inside the producer
     * window (see {@link ProducerStates}).
     */
    public Optional<ProducerBatch> lastBatchOf(long producerId) {
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            return producers.lastBatch(producerId);
        }
    }

    public long sizeInBytes() {
        return Retention.sizeInBytes(views.current());
    }

    /** The current view, for tests that read as a lock-free reader holding it would. */
    LogView view() {
        return views.current();
    }

    public int segmentCount() {
        return views.current().segments().length;
    }

    public void setListener(LogListener listener) {
        ctx.listener(listener);
    }

    public void updateConfig(LogConfig config) {
        ctx.config(config);
    }

    /**
     * Appends a batch built by {@link BatchBuilder}, assigning offsets from the log end offset.
     * Returns once the batch is durable per the flush policy and visible to readers. A batch that
     * repeats its producer's last batch (same producer id and sequence, see {@link ProducerStates})
     * is not appended: the answer is that batch's offsets, marked {@link AppendResult#duplicate},
     * once they are durable.
     *
     * @throws LogException.StorageFull when the disk is full; nothing was appended
     * @throws LogException on any other I/O failure; the log then refuses further appends
     */
    public AppendResult appendAsLeader(RecordBatch batch) {
        AppendResult result = appendWithoutWaiting(batch);
        awaitDurable(result.lastOffset() + 1);
        return result;
    }

    /**
     * The first half of {@link #appendAsLeader}: writes the batch but, under {@code flush=always},
     * does not wait for the fsync, so a caller appending to several partitions can wait for all
     * their fsyncs at once. The batch is neither acknowledged-durable nor visible to readers until
     * {@link #awaitDurable} (or a later append's fsync) covers it.
     *
     * @throws LogException when the batch's leader epoch is below the log's latest epoch
     */
    public AppendResult appendWithoutWaiting(RecordBatch batch) {
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            return appender.appendAsLeader(batch);
        }
    }

    /** As {@link #appendAsFollower(List)} for one batch. */
    public AppendResult appendAsFollower(RecordBatch batch) {
        return appendAsFollower(List.of(batch));
    }

    /**
     * Appends batches copied from the leader, keeping their offsets and leader epochs: the first
     * must start at the log end offset, each must start where the previous ends, pass its CRC and
     * framing checks, and carry an epoch no lower than the log's latest nor the previous batch's.
     * All are written, then forced with one shared fsync; returns once they are durable per the
     * flush policy. Readers see them once the high watermark (see {@link #setHighWatermarkCap})
     * covers them.
     *
     * @throws LogException when a batch is refused; nothing was appended then
     * @throws LogException.StorageFull when the disk is full; the batches before the one that did
     *         not fit stay appended (the log end offset says how far it got)
     * @throws IllegalArgumentException when {@code batches} is empty
     */
    public AppendResult appendAsFollower(List<RecordBatch> batches) {
        AppendResult result = appendAsFollowerWithoutWaiting(batches);
        awaitDurable(result.lastOffset() + 1);
        return result;
    }

    /**
     * The first half of {@link #appendAsFollower(List)}: checks and writes the batches but, under
     * {@code flush=always}, does not wait for the fsync ({@code runnel.replication.follower-flush=async}).
     * They are in the {@link #logEndOffset} at once, and neither durable nor visible to readers until
     * {@link #awaitDurable} (or a later fsync) covers them.
     *
     * @throws LogException as {@link #appendAsFollower(List)}
     */
    public AppendResult appendAsFollowerWithoutWaiting(List<RecordBatch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no batches to append to " + ctx.dir);
        }
        appender.checkFollowerBatches(batches);
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            appender.appendAsFollower(batches);
        }
        return new AppendResult(batches.get(0).baseOffset(), batches.get(batches.size() - 1).lastOffset());
    }

    /** Returns once every offset below {@code nextOffset} is durable per the flush policy and visible. */
    public void awaitDurable(long nextOffset) {
        groupCommit.awaitDurable(nextOffset);
    }

    /** Forces appended bytes to disk; used by the interval flusher. */
    public void flush() {
        groupCommit.flush();
    }

    /**
     * Caps the high watermark: readers see no offset at or above {@code cap} (the replicated high
     * watermark the replication layer computes, or learns from the leader). The high watermark is
     * then the last batch boundary at or below {@code min(durableEnd(), cap)} (replicas share batch
     * boundaries, so in practice exactly the smaller of the two), and never below the log start.
     * Raising it wakes the {@link LogListener} when the high watermark grows; lowering it is
     * allowed. {@code Long.MAX_VALUE}, the default, means no cap: the high watermark is the durable end.
     */
    public void setHighWatermarkCap(long cap) {
        views.setCap(cap);
    }

    public long highWatermarkCap() {
        return views.cap();
    }

    /**
     * Reads whole batches from the one holding {@code offset}, up to about {@code maxBytes} (at
     * least one batch, and at least one record when there is one below the high watermark), never
     * past the high watermark. After compaction a batch may hold fewer records than offsets, and
     * the batch holding {@code offset} may hold no record at or after it: the reader then finds
     * the next record that remains in the following batches (see {@link RecordBatch} on offsets).
     *
     * @throws LogException.OffsetOutOfRange when offset is below the log start or above the high watermark
     */
    public LogReadResult read(long offset, int maxBytes) {
        return read(offset, maxBytes, Integer.MAX_VALUE);
    }

    /**
     * As {@link #read(long, int)}, but also stops once the batches read hold {@code maxRecords}
     * records from {@code offset} on, so a fetch with a small limit does not read a large maxBytes.
     */
    public LogReadResult read(long offset, int maxBytes, int maxRecords) {
        return views.read(v -> v.read(offset, maxBytes, maxRecords));
    }

    /**
     * Reads for a follower: whole batches from the one holding {@code offset}, up to about
     * {@code maxBytes} (at least one batch if any), up to the {@link #durableEnd} rather than the
     * high watermark. The result's {@code highWatermark} is still the high watermark, which the
     * follower learns from it.
     *
     * @throws LogException.OffsetOutOfRange when offset is below the log start or above the durable
     *         end (which the exception then reports in its {@code highWatermark} field)
     */
    public LogReadResult readForReplication(long offset, int maxBytes) {
        return views.read(v -> v.readForReplication(offset, maxBytes));
    }

    /** The first offset whose timestamp is ≥ {@code timestamp}, or the high watermark if none is. */
    public long offsetForTimestamp(long timestamp) {
        return views.read(v -> v.offsetForTimestamp(timestamp));
    }

    /**
     * Removes every batch at or above {@code offset} (a follower cutting its log back to where it
     * diverged from the leader). When {@code offset} falls inside a batch, that whole batch goes
     * too: the log is cut at its start. Below the log start the log is emptied and restarts at
     * {@code offset} ({@link #truncateFullyAndStartAt}); at or above the log end nothing happens.
     * Returns the new log end offset.
     *
     * <p>The high watermark and durable end follow the cut down; the epoch cache forgets epochs
     * that start at or after it; the cut segment file is shortened and forced, and the recovery
     * point and epoch checkpoint rewritten, before this returns, so a crash does not bring the cut
     * batches back. Readers of older views never get bytes written after the cut.
     * Role changes are for the caller to serialise: a leader append still waiting for its fsync
     * when its batch is cut returns as if it were kept.
     *
     * @throws LogException on an I/O failure; the log then refuses further appends
     */
    public long truncateTo(long offset) {
        return truncation.truncateTo(offset);
    }

    /**
     * Deletes every segment and restarts the log empty at {@code offset}: log start, log end,
     * durable end and high watermark all become {@code offset} (a follower whose log lies wholly
     * below the leader's log start). The epoch cache is cleared. Atomic across crashes: once a
     * marker file naming {@code offset} is written, an open completes the reset; before, the old
     * log stays.
     *
     * @throws LogException on an I/O failure; the log then refuses further appends
     */
    public void truncateFullyAndStartAt(long offset) {
        truncation.truncateFullyAndStartAt(offset);
    }

    /**
     * Deletes closed segments past retention: those whose newest record is older than
     * {@code retention.ms}, and, with Kafka's meaning of {@code retention.bytes}, the oldest as long
     * as the log without them still holds at least that many bytes (so at least
     * {@code retention.bytes} are kept, and the log exceeds it by less than one segment).
     * The active segment is never deleted. Returns the number of segments deleted.
     */
    public int applyRetention() {
        return retention.apply();
    }

    /**
     * Deletes the closed segments that hold only offsets below {@code offset} (for internal logs
     * whose content has been snapshotted elsewhere). Returns the number of segments deleted.
     */
    public int deleteSegmentsBelow(long offset) {
        return retention.deleteBelow(offset);
    }

    /**
     * Compacts the closed segments below {@code upperBound} (and the high watermark) that are older
     * than {@code min.compaction.lag.ms}: keeps the latest record of each key and drops tombstones
     * that have been clean for {@code delete.retention.ms}; offsets never change, and a read at a
     * removed offset answers from the next one that remains. One pass, of at most as many keys as
     * the map holds; crash-safe: see {@link LogCleaner} for the protocol and what recovery does.
     * Appends go on meanwhile (they wait only for the final renames).
     *
     * @throws LogException on an I/O failure; a failure while swapping the files in takes the log
     *         offline until it is opened again (which completes or rolls back the swap)
     */
    public CleanResult clean(CleanerConfig config, long upperBound) {
        return cleaner.clean(config, upperBound);
    }

    /**
     * Kafka's cleanable ratio, to compare with {@code min.cleanable.dirty.ratio}: the share of the
     * closed segments' bytes in segments that hold offsets no pass has cleaned yet; 0 without a
     * closed segment. Reads a small file; takes no lock.
     */
    public double dirtyRatio() {
        return cleaner.dirtyRatio();
    }

    /** For tests: called after each step of a cleaning pass. */
    void cleanerHook(LogCleaner.StepHook hook) {
        cleaner.hook(hook);
    }

    /**
     * Flushes, saves the active segment's indexes and the recovery point, marks a clean shutdown
     * and closes every file. Appends fail afterwards.
     */
    @Override
    public void close() {
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            if (ctx.isClosed()) {
                return;
            }
            ctx.markClosed();
            Segment[] segments = views.current().segments();
            Segment active = segments[segments.length - 1];
            try {
                if (!ctx.failed()) {
                    active.flush();
                    active.saveIndexes();
                    recoveryPoint.write(active.nextOffset());
                    LogLoader.markCleanShutdown(ctx.dir);
                }
            } catch (IOException e) {
                // Without the marker the next open validates the log: slower, never wrong.
            } finally {
                for (Segment s : segments) {
                    SegmentCloser.closeQuietly(s);
                }
            }
        }
        closer.closeDue(true);
    }

    /** Closes and deletes every file of this log and its directory (topic deletion). */
    public void delete() {
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            ctx.markClosed();
            for (Segment s : views.current().segments()) {
                SegmentCloser.closeQuietly(s);
            }
        }
        closer.closeDue(true);
        try (var files = Files.walk(ctx.dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new LogException("cannot delete " + p, e);
                }
            });
        } catch (IOException e) {
            throw new LogException("cannot delete " + ctx.dir, e);
        }
    }

    @Override
    public String toString() {
        return "PartitionLog[" + ctx.dir + ", hw=" + highWatermark() + "]";
    }
}
