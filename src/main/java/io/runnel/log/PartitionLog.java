package io.runnel.log;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The log of one partition: an ordered list of {@link Segment}s in one directory, the last one
 * active. Offsets are dense: each batch starts where the previous one ended.
 *
 * <p>Files in the directory: the segments' {@code .log}, {@code .index}, {@code .timeindex};
 * {@code recovery-point} (an offset below which every byte is known to be on disk, written
 * atomically at each roll, truncation and at close); {@code clean-shutdown} (present only between a
 * clean close and the next open); {@code leader-epoch-checkpoint} (the {@link LeaderEpochCache});
 * {@code log-reset} (present only while {@link #truncateFullyAndStartAt} runs).
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
 * <p>Truncation, like every other change, builds the new state and swaps the view; segment
 * instances that old views may still read are superseded, not changed (see {@link Segment}), so a
 * lock-free reader never sees bytes written after a cut: it retries on the new view instead.
 *
 * <p>Recovery on open: an interrupted {@link #truncateFullyAndStartAt} is completed; after a clean
 * close the saved indexes are used; otherwise every segment from the recovery point on is
 * validated batch by batch (length, order, CRC32C), truncated at the first bad byte, and its
 * indexes rebuilt. Segments after a truncated one are deleted. The epoch cache then drops entries
 * past the log end, or is rebuilt from the batch headers when its file is missing or malformed.
 *
 * <p>Thread-safety: all public methods may be called from any thread.
 */
public final class PartitionLog implements AutoCloseable {
    static final String CLEAN_SHUTDOWN = "clean-shutdown";
    static final String RECOVERY_POINT = "recovery-point";
    /** Holds the target offset while {@link #truncateFullyAndStartAt} runs; an open completes it. */
    static final String RESET_MARKER = "log-reset";
    private static final long DELETED_SEGMENT_CLOSE_DELAY_MS = 60_000;
    private static final int READ_ATTEMPTS = 4;

    private final Path dir;
    private final FlushPolicy flushPolicy;
    private final Clock clock;
    private final Object appendLock = new Object();
    private final Object flushLock = new Object();
    private final List<PendingClose> pendingClose = new ArrayList<>();
    private volatile LogConfig config;
    private volatile LogListener listener = LogListener.NONE;
    private volatile LogView view;
    /** Where the last written (not necessarily flushed) batch ends; guarded by appendLock for writes. */
    private volatile LogView.End writtenEnd;
    /** When the active segment took its first batch; segment.ms counts from it. Under appendLock. */
    private long activeSegmentOpenedMs;
    private long flushedOffset;
    /** The recovery point last written; under appendLock. */
    private long recoveryPoint;
    /** Mutated under appendLock; read lock-free. */
    private volatile LeaderEpochCache epochs;
    /** Readers see no offset at or above it; guarded by this. */
    private long highWatermarkCap = Long.MAX_VALUE;
    /** The visible end for the cap once the durable end has passed it, or null; guarded by this. */
    private LogView.End capEnd;
    private boolean closed;
    private volatile IOException failure;

    private PartitionLog(Path dir, LogConfig config, FlushPolicy flushPolicy, Clock clock) {
        this.dir = dir;
        this.config = config;
        this.flushPolicy = flushPolicy;
        this.clock = clock;
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly. */
    public static PartitionLog open(Path dir, LogConfig config, FlushPolicy flushPolicy, Clock clock) {
        PartitionLog log = new PartitionLog(dir, config, flushPolicy, clock);
        try {
            log.load();
        } catch (IOException e) {
            throw new LogException("cannot open log " + dir + ": " + e.getMessage(), e);
        }
        return log;
    }

    private void load() throws IOException {
        Files.createDirectories(dir);
        completeReset();
        boolean clean = Files.exists(dir.resolve(CLEAN_SHUTDOWN));
        long recoveryPoint = readRecoveryPoint();
        this.recoveryPoint = recoveryPoint;
        List<Long> bases = segmentBaseOffsets();
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            boolean belowRecoveryPoint = i + 1 < bases.size() && bases.get(i + 1) <= recoveryPoint;
            Segment segment = Segment.open(dir, base, config.indexIntervalBytes(), clean || belowRecoveryPoint);
            if (!segments.isEmpty() && segments.get(segments.size() - 1).nextOffset() != base) {
                // A gap: the previous segment lost its tail, so everything after it is unreachable.
                segment.close();
                segment.deleteFiles();
                continue;
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            segments.add(Segment.create(dir, recoveryPoint, config.indexIntervalBytes()));
        }
        Files.deleteIfExists(dir.resolve(CLEAN_SHUTDOWN));
        AtomicFile.fsyncDirectory(dir);
        Segment active = segments.get(segments.size() - 1);
        activeSegmentOpenedMs = active.isEmpty() ? clock.millis() : Math.min(clock.millis(), active.firstBatchTimestamp());
        LogView.End end = new LogView.End(active.nextOffset(), active, active.size());
        writtenEnd = end;
        flushedOffset = end.offset();
        view = new LogView(segments.toArray(new Segment[0]), segments.get(0).baseOffset(), end, end);
        loadEpochs();
    }

    /**
     * Loads the epoch cache and drops what recovery cut off, or rebuilds it from every batch
     * header when its file is missing or malformed.
     */
    private void loadEpochs() throws IOException {
        Path file = dir.resolve(LeaderEpochCache.FILE);
        LogView v = view;
        long end = writtenEnd.offset();
        Optional<LeaderEpochCache> loaded = LeaderEpochCache.load(file);
        if (loaded.isPresent()) {
            epochs = loaded.get();
            boolean changed = epochs.truncateFromEnd(end);
            changed |= epochs.truncateFromStart(v.logStartOffset(), end);
            if (changed) {
                epochs.persist();
            }
            return;
        }
        LeaderEpochCache rebuilt = LeaderEpochCache.empty(file);
        for (Segment s : v.segments()) {
            s.forEachHeader(h -> {
                if (h.leaderEpoch() > rebuilt.latestEpoch()) {
                    rebuilt.assign(h.leaderEpoch(), h.baseOffset());
                }
            });
        }
        rebuilt.persist();
        epochs = rebuilt;
    }

    /**
     * Finishes a {@link #truncateFullyAndStartAt} that a crash interrupted: once its marker is
     * written the old log is gone, so every segment file goes and the log restarts empty there.
     */
    private void completeReset() throws IOException {
        Path marker = dir.resolve(RESET_MARKER);
        if (!Files.exists(marker)) {
            return;
        }
        long offset;
        try {
            offset = Long.parseLong(Files.readString(marker).trim());
        } catch (NumberFormatException e) {
            // AtomicFile never leaves a partial marker; an unreadable one is not ours to act on.
            Files.delete(marker);
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (isSegmentFile(file.getFileName().toString())) {
                    Files.delete(file);
                }
            }
        }
        AtomicFile.write(dir.resolve(RECOVERY_POINT), ascii(offset));
        LeaderEpochCache.empty(dir.resolve(LeaderEpochCache.FILE)).persist();
        Files.delete(marker);
        AtomicFile.fsyncDirectory(dir);
    }

    private static boolean isSegmentFile(String name) {
        for (String suffix : new String[] {Segment.LOG_SUFFIX, ".index", ".timeindex"}) {
            if (name.length() == 20 + suffix.length() && name.endsWith(suffix)
                    && name.substring(0, 20).chars().allMatch(Character::isDigit)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private List<Long> segmentBaseOffsets() throws IOException {
        List<Long> bases = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(file);
                } else if (name.endsWith(Segment.LOG_SUFFIX) && name.length() == 20 + Segment.LOG_SUFFIX.length()) {
                    bases.add(Long.parseLong(name.substring(0, 20)));
                }
            }
        }
        bases.sort(null);
        return bases;
    }

    private long readRecoveryPoint() throws IOException {
        Path file = dir.resolve(RECOVERY_POINT);
        if (!Files.exists(file)) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (NumberFormatException e) {
            return 0; // validate everything
        }
    }

    public Path dir() { return dir; }
    public LogConfig config() { return config; }
    public long logStartOffset() { return view.logStartOffset(); }
    /** The end of what consumers may read: the last batch boundary at or below {@code min(durableEnd, cap)}. */
    public long highWatermark() { return view.highWatermark(); }
    /** Where the last written batch ends; it may not be durable yet (see {@link #durableEnd}). */
    public long logEndOffset() { return writtenEnd.offset(); }

    /**
     * The offset below which every batch is durable per the flush policy (fsynced under
     * {@code flush=always}, written under the others): what followers may replicate, and the
     * replica's own end for the high-watermark computation.
     */
    public long durableEnd() { return view.durableEnd().offset(); }

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
        synchronized (appendLock) {
            return epochs.endOffsetFor(epoch, writtenEnd.offset());
        }
    }

    public long sizeInBytes() {
        long total = 0;
        for (Segment s : view.segments()) {
            total += s.size();
        }
        return total;
    }

    /** The current view, for tests that read as a lock-free reader holding it would. */
    LogView view() {
        return view;
    }

    public int segmentCount() {
        return view.segments().length;
    }

    public void setListener(LogListener listener) {
        this.listener = listener;
    }

    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    /**
     * Appends a batch built by {@link BatchBuilder}, assigning offsets from the log end offset.
     * Returns once the batch is durable per the flush policy and visible to readers.
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
        synchronized (appendLock) {
            checkWritable();
            epochs.checkEpoch(batch.leaderEpoch());
            batch.setBaseOffset(writtenEnd.offset());
            write(List.of(batch));
        }
        return new AppendResult(batch.baseOffset(), batch.lastOffset());
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
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("no batches to append to " + dir);
        }
        checkFollowerBatches(batches);
        RecordBatch first = batches.get(0);
        RecordBatch last = batches.get(batches.size() - 1);
        synchronized (appendLock) {
            checkWritable();
            long end = writtenEnd.offset();
            if (first.baseOffset() != end) {
                throw new LogException("batch base offset " + first.baseOffset() + " is not the log end offset "
                        + end + " of " + dir);
            }
            epochs.checkEpoch(first.leaderEpoch());
            write(batches);
        }
        awaitDurable(last.nextOffset());
        return new AppendResult(first.baseOffset(), last.lastOffset());
    }

    /** The checks that need no lock: each batch valid (CRC32C, magic, framing), contiguous, epochs not going back. */
    private void checkFollowerBatches(List<RecordBatch> batches) {
        RecordBatch previous = null;
        for (int i = 0; i < batches.size(); i++) {
            RecordBatch b = batches.get(i);
            if (!b.isValid()) {
                throw new LogException("batch " + i + " of a follower append to " + dir
                        + " is corrupt (CRC, magic or framing)");
            }
            if (previous != null && b.baseOffset() != previous.nextOffset()) {
                throw new LogException("batch base offset " + b.baseOffset() + " does not follow the previous batch's end "
                        + previous.nextOffset() + " in a follower append to " + dir);
            }
            if (previous != null && b.leaderEpoch() < previous.leaderEpoch()) {
                throw new LogException("batch leader epoch " + b.leaderEpoch() + " at offset " + b.baseOffset()
                        + " is below the previous batch's " + previous.leaderEpoch());
            }
            previous = b;
        }
    }

    /**
     * Writes batches that carry their final offsets, from the log end on, recording new leader
     * epochs first (so the checkpoint never lacks the epoch of a batch on disk; an entry whose
     * batch a crash lost is dropped at open). Under appendLock.
     */
    private void write(List<RecordBatch> batches) {
        boolean newEpoch = false;
        for (RecordBatch b : batches) {
            newEpoch |= epochs.assign(b.leaderEpoch(), b.baseOffset());
        }
        boolean persisted = false;
        try {
            if (newEpoch) {
                epochs.persist();
                persisted = true;
            }
            for (RecordBatch b : batches) {
                Segment active = maybeRoll(b.sizeInBytes());
                if (active.isEmpty()) {
                    // segment.ms is the age of the first batch, not of the file: a segment that has
                    // been empty since the log was opened long ago must not roll at its second batch.
                    activeSegmentOpenedMs = clock.millis();
                }
                active.append(b);
                writtenEnd = new LogView.End(b.nextOffset(), active, active.size());
            }
        } catch (IOException e) {
            LogException failed = storageFailure("append to " + dir, e);
            forgetEpochsPastEnd(persisted, e);
            if (flushPolicy != FlushPolicy.ALWAYS) {
                publish(writtenEnd);
            }
            throw failed;
        }
        if (flushPolicy != FlushPolicy.ALWAYS) {
            publish(writtenEnd);
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
                failure = e;
            }
        }
    }

    /** Returns once every offset below {@code nextOffset} is durable per the flush policy and visible. */
    public void awaitDurable(long nextOffset) {
        if (flushPolicy == FlushPolicy.ALWAYS) {
            flushTo(nextOffset);
        }
    }

    private void checkWritable() {
        if (closed) {
            throw new LogException("log " + dir + " is closed");
        }
        if (failure != null) {
            throw new LogException("log " + dir + " is offline after an I/O failure: " + failure.getMessage(), failure);
        }
    }

    private LogException storageFailure(String what, IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left") || message.contains("quota")) {
            return new LogException.StorageFull(what + ": no space left on device", e);
        }
        failure = e;
        return new LogException(what + " failed: " + message, e);
    }

    /** Rolls to a new segment if this batch would overflow the active one or it is too old. Under appendLock. */
    private Segment maybeRoll(int batchBytes) throws IOException {
        Segment[] segments = view.segments();
        Segment active = segments[segments.length - 1];
        LogConfig cfg = config;
        boolean full = active.size() + (long) batchBytes > cfg.segmentBytes();
        boolean old = clock.millis() - activeSegmentOpenedMs >= cfg.segmentMs();
        if (active.isEmpty() || !(full || old)) {
            return active;
        }
        active.flush();
        saveIndexesQuietly(active);
        Segment next = Segment.create(dir, active.nextOffset(), cfg.indexIntervalBytes());
        try {
            writeRecoveryPoint(next.baseOffset());
        } catch (IOException e) {
            // A stale recovery point only means more validation at the next unclean start.
        }
        Segment[] grown = Arrays.copyOf(segments, segments.length + 1);
        grown[segments.length] = next;
        replaceSegments(grown, view.logStartOffset());
        return next;
    }

    /** Under appendLock. */
    private void writeRecoveryPoint(long offset) throws IOException {
        AtomicFile.write(dir.resolve(RECOVERY_POINT), ascii(offset));
        recoveryPoint = offset;
    }

    private static void saveIndexesQuietly(Segment segment) {
        try {
            segment.saveIndexes();
        } catch (IOException e) {
            // The index is a cache: a missing one is rebuilt from the log at open.
        }
    }

    /** Forces everything written so far to disk unless a concurrent caller already did (group commit). */
    private void flushTo(long offset) {
        synchronized (flushLock) {
            if (flushedOffset >= offset) {
                return;
            }
            LogView.End target = writtenEnd;
            long start = System.nanoTime();
            try {
                target.segment().flush();
            } catch (IOException e) {
                failure = e;
                throw new LogException("fsync of " + dir + " failed: " + e.getMessage(), e);
            }
            listener.onFlush(System.nanoTime() - start);
            flushedOffset = target.offset();
            publish(target);
        }
    }

    /** Forces appended bytes to disk; used by the interval flusher. */
    public void flush() {
        if (flushPolicy == FlushPolicy.ALWAYS) {
            return; // already flushed before being acknowledged
        }
        flushTo(writtenEnd.offset());
    }

    /** Everything below {@code end} is now durable per the flush policy: republishes the view. */
    private void publish(LogView.End end) {
        long grownTo;
        synchronized (this) {
            LogView v = view;
            if (end.offset() <= v.durableEnd().offset()) {
                return;
            }
            grownTo = install(v.segments(), v.logStartOffset(), end);
        }
        listener.onDurableEnd(end.offset());
        notifyIfGrown(grownTo);
    }

    private void notifyIfGrown(long grownTo) {
        if (grownTo >= 0) {
            listener.onHighWatermark(grownTo);
        }
    }

    /**
     * Replaces the view with one ending at {@code durable}, its high watermark recomputed from the
     * cap. Returns the new high watermark if it grew, else -1. Under this.
     */
    private long install(Segment[] segments, long logStartOffset, LogView.End durable) {
        LogView before = view;
        LogView next = new LogView(segments, logStartOffset, durable, durable);
        next = new LogView(segments, logStartOffset, visibleEnd(next), durable);
        view = next;
        return next.highWatermark() > before.highWatermark() ? next.highWatermark() : -1;
    }

    /**
     * The high watermark of {@code next}: the last batch boundary at or below
     * {@code min(durable end, cap)}, never below the log start. Under this.
     */
    private LogView.End visibleEnd(LogView next) {
        long limit = Math.max(highWatermarkCap, next.logStartOffset());
        if (limit >= next.durableEnd().offset()) {
            return next.durableEnd();
        }
        if (capEnd == null) {
            try {
                // Stays right until the cap changes or the log is truncated: the batches below
                // the durable end do not change otherwise.
                capEnd = next.boundaryAtOrBelow(limit);
            } catch (IOException e) {
                // Show less rather than more: the start of the segment holding the limit.
                Segment s = next.segments()[next.segmentIndexOf(limit)];
                return new LogView.End(s.baseOffset(), s, 0);
            }
        }
        return capEnd;
    }

    private void replaceSegments(Segment[] segments, long logStartOffset) {
        synchronized (this) {
            LogView v = view;
            view = new LogView(segments, logStartOffset, v.visibleEnd(), v.durableEnd());
        }
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
        long grownTo;
        synchronized (this) {
            if (cap == highWatermarkCap) {
                return;
            }
            highWatermarkCap = cap;
            capEnd = null;
            LogView v = view;
            grownTo = install(v.segments(), v.logStartOffset(), v.durableEnd());
        }
        notifyIfGrown(grownTo);
    }

    public synchronized long highWatermarkCap() {
        return highWatermarkCap;
    }

    /**
     * Reads whole batches from the one holding {@code offset}, up to about {@code maxBytes} (at
     * least one batch), never past the high watermark.
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
        return readView(v -> v.read(offset, maxBytes, maxRecords));
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
        return readView(v -> v.readForReplication(offset, maxBytes));
    }

    /** The first offset whose timestamp is ≥ {@code timestamp}, or the high watermark if none is. */
    public long offsetForTimestamp(long timestamp) {
        return readView(v -> v.offsetForTimestamp(timestamp));
    }

    /** A read of one view. */
    private interface ViewRead<T> {
        T apply(LogView view) throws IOException;
    }

    /**
     * Runs {@code read} on the current view, again on a newer one when a segment it read was closed
     * (retention) or superseded (truncation) meanwhile.
     */
    private <T> T readView(ViewRead<T> read) {
        for (int attempt = 1; ; attempt++) {
            LogView v = view;
            try {
                return read.apply(v);
            } catch (ClosedChannelException | Segment.SupersededException e) {
                if (attempt >= READ_ATTEMPTS) {
                    throw new LogException("segment closed or truncated while reading " + dir, e);
                }
            } catch (IOException e) {
                throw new LogException("read of " + dir + " failed: " + e.getMessage(), e);
            }
        }
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
        if (offset < 0) {
            throw new IllegalArgumentException("cannot truncate " + dir + " to a negative offset " + offset);
        }
        closeDeletedSegments(false);
        synchronized (appendLock) {
            checkWritable();
            if (offset >= writtenEnd.offset()) {
                return writtenEnd.offset();
            }
            synchronized (flushLock) {
                try {
                    if (offset < view.logStartOffset()) {
                        resetTo(offset);
                        return offset;
                    }
                    return cutAt(offset);
                } catch (IOException e) {
                    failure = e;
                    throw new LogException("truncation of " + dir + " to " + offset + " failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Cuts the log at the start of the batch holding {@code offset}. Under appendLock and flushLock. */
    private long cutAt(long offset) throws IOException {
        LogView v = view;
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
        if (flushedOffset < end) {
            s.flush(); // what stays becomes durable now, as the new view says
        }
        Segment cut = s.truncatedCopy(position);
        Segment[] kept = Arrays.copyOf(segments, i + 1);
        kept[i] = cut;
        LogView.End newEnd = new LogView.End(end, cut, position);
        long grownTo;
        synchronized (this) {
            capEnd = null;
            grownTo = install(kept, v.logStartOffset(), newEnd);
        }
        writtenEnd = newEnd;
        flushedOffset = end;
        // New readers take the new instances; retire the old ones before their bytes change.
        long closeAt = clock.millis() + DELETED_SEGMENT_CLOSE_DELAY_MS;
        for (int j = i; j < segments.length; j++) {
            segments[j].supersede();
            pendingClose.add(new PendingClose(segments[j], closeAt));
        }
        cut.cutFile();
        for (int j = i + 1; j < segments.length; j++) {
            // Should a crash keep some of them, they follow a gap, which recovery deletes.
            segments[j].deleteFiles();
        }
        AtomicFile.fsyncDirectory(dir);
        writeRecoveryPoint(Math.min(recoveryPoint, end));
        if (epochs.truncateFromEnd(end)) {
            epochs.persist();
        }
        activeSegmentOpenedMs = cut.isEmpty() ? clock.millis() : Math.min(clock.millis(), cut.firstBatchTimestamp());
        notifyIfGrown(grownTo);
        return end;
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
        if (offset < 0) {
            throw new IllegalArgumentException("cannot restart " + dir + " at a negative offset " + offset);
        }
        closeDeletedSegments(false);
        synchronized (appendLock) {
            checkWritable();
            synchronized (flushLock) {
                try {
                    resetTo(offset);
                } catch (IOException e) {
                    failure = e;
                    throw new LogException("reset of " + dir + " to " + offset + " failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Under appendLock and flushLock. */
    private void resetTo(long offset) throws IOException {
        Path marker = dir.resolve(RESET_MARKER);
        AtomicFile.write(marker, ascii(offset)); // the commit point: see completeReset
        Segment[] old = view.segments();
        for (Segment s : old) {
            s.deleteFiles(); // first: the new segment may take the name of an old one
        }
        Segment fresh = Segment.create(dir, offset, config.indexIntervalBytes());
        LogView.End end = new LogView.End(offset, fresh, 0);
        long grownTo;
        synchronized (this) {
            capEnd = null;
            grownTo = install(new Segment[] {fresh}, offset, end);
        }
        writtenEnd = end;
        flushedOffset = offset;
        long closeAt = clock.millis() + DELETED_SEGMENT_CLOSE_DELAY_MS;
        for (Segment s : old) {
            s.supersede();
            pendingClose.add(new PendingClose(s, closeAt));
        }
        epochs.clear();
        epochs.persist();
        writeRecoveryPoint(offset);
        activeSegmentOpenedMs = clock.millis();
        Files.delete(marker);
        AtomicFile.fsyncDirectory(dir);
        notifyIfGrown(grownTo);
    }

    /**
     * Deletes closed segments past retention: those whose newest record is older than
     * {@code retention.ms}, and, with Kafka's meaning of {@code retention.bytes}, the oldest as long
     * as the log without them still holds at least that many bytes (so at least
     * {@code retention.bytes} are kept, and the log exceeds it by less than one segment).
     * The active segment is never deleted. Returns the number of segments deleted.
     */
    public int applyRetention() {
        closeDeletedSegments(false);
        LogConfig cfg = config;
        long now = clock.millis();
        long[] total = {sizeInBytes()};
        return dropOldestSegments(s -> {
            boolean expired = cfg.retentionMs() >= 0 && now - s.maxTimestamp() > cfg.retentionMs();
            boolean oversized = cfg.retentionBytes() >= 0 && total[0] - s.size() >= cfg.retentionBytes();
            total[0] -= s.size();
            return expired || oversized;
        });
    }

    /**
     * Deletes the closed segments that hold only offsets below {@code offset} (for internal logs
     * whose content has been snapshotted elsewhere). Returns the number of segments deleted.
     */
    public int deleteSegmentsBelow(long offset) {
        closeDeletedSegments(false);
        return dropOldestSegments(s -> s.nextOffset() <= offset);
    }

    /** Drops segments from the oldest while {@code drop} says so, never the active one or one above the high watermark. */
    private int dropOldestSegments(java.util.function.Predicate<Segment> drop) {
        long now = clock.millis();
        synchronized (appendLock) {
            if (closed) {
                return 0;
            }
            LogView v = view;
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
            replaceSegments(kept, kept[0].baseOffset());
            if (epochs.truncateFromStart(kept[0].baseOffset(), writtenEnd.offset())) {
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
                pendingClose.add(new PendingClose(segments[i], now + DELETED_SEGMENT_CLOSE_DELAY_MS));
            }
            return count;
        }
    }

    private record PendingClose(Segment segment, long closeAtMs) {
    }

    private void closeDeletedSegments(boolean all) {
        synchronized (appendLock) {
            long now = clock.millis();
            pendingClose.removeIf(p -> {
                if (all || p.closeAtMs() <= now) {
                    closeQuietly(p.segment());
                    return true;
                }
                return false;
            });
        }
    }

    private static void closeQuietly(Segment s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing more to do for a deleted segment
        }
    }

    /**
     * Flushes, saves the active segment's indexes and the recovery point, marks a clean shutdown
     * and closes every file. Appends fail afterwards.
     */
    @Override
    public void close() {
        synchronized (appendLock) {
            if (closed) {
                return;
            }
            closed = true;
            Segment[] segments = view.segments();
            Segment active = segments[segments.length - 1];
            try {
                if (failure == null) {
                    active.flush();
                    active.saveIndexes();
                    writeRecoveryPoint(active.nextOffset());
                    AtomicFile.write(dir.resolve(CLEAN_SHUTDOWN), new byte[0]);
                }
            } catch (IOException e) {
                // Without the marker the next open validates the log: slower, never wrong.
            } finally {
                for (Segment s : segments) {
                    closeQuietly(s);
                }
            }
        }
        closeDeletedSegments(true);
    }

    /** Closes and deletes every file of this log and its directory (topic deletion). */
    public void delete() {
        synchronized (appendLock) {
            closed = true;
            for (Segment s : view.segments()) {
                closeQuietly(s);
            }
        }
        closeDeletedSegments(true);
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new LogException("cannot delete " + p, e);
                }
            });
        } catch (IOException e) {
            throw new LogException("cannot delete " + dir, e);
        }
    }

    @Override
    public String toString() {
        return "PartitionLog[" + dir + ", hw=" + highWatermark() + "]";
    }
}
