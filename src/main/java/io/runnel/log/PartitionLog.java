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

/**
 * The log of one partition: an ordered list of {@link Segment}s in one directory, the last one
 * active. Offsets are dense: each batch starts where the previous one ended.
 *
 * <p>Files in the directory: the segments' {@code .log}, {@code .index}, {@code .timeindex};
 * {@code recovery-point} (an offset below which every byte is known to be on disk, written
 * atomically at each roll and at close); {@code clean-shutdown} (present only between a clean close
 * and the next open).
 *
 * <p>Commit point of an append: the batch is written under the append lock, forced to disk per the
 * {@link FlushPolicy} (concurrent appenders share one fsync), and only then published to readers by
 * replacing the immutable {@link LogView}. Readers take no lock: they read the current view and never
 * look past its high watermark, so they never see bytes the disk might not keep.
 *
 * <p>Recovery on open: after a clean close the saved indexes are used; otherwise every segment
 * from the recovery point on is validated batch by batch (length, order, CRC32C), truncated at the
 * first bad byte, and its indexes rebuilt. Segments after a truncated one are deleted.
 *
 * <p>Thread-safety: all public methods may be called from any thread.
 */
public final class PartitionLog implements AutoCloseable {
    static final String CLEAN_SHUTDOWN = "clean-shutdown";
    static final String RECOVERY_POINT = "recovery-point";
    private static final long DELETED_SEGMENT_CLOSE_DELAY_MS = 60_000;

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
        boolean clean = Files.exists(dir.resolve(CLEAN_SHUTDOWN));
        long recoveryPoint = readRecoveryPoint();
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
        view = new LogView(segments.toArray(new Segment[0]), segments.get(0).baseOffset(), end);
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
    public long highWatermark() { return view.highWatermark(); }
    public long logEndOffset() { return writtenEnd.offset(); }

    public long sizeInBytes() {
        long total = 0;
        for (Segment s : view.segments()) {
            total += s.size();
        }
        return total;
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
     */
    public AppendResult appendWithoutWaiting(RecordBatch batch) {
        long nextOffset;
        synchronized (appendLock) {
            checkWritable();
            long base = writtenEnd.offset();
            batch.setBaseOffset(base);
            try {
                Segment active = maybeRoll(batch.sizeInBytes());
                if (active.isEmpty()) {
                    // segment.ms is the age of the first batch, not of the file: a segment that has
                    // been empty since the log was opened long ago must not roll at its second batch.
                    activeSegmentOpenedMs = clock.millis();
                }
                active.append(batch);
                nextOffset = batch.nextOffset();
                writtenEnd = new LogView.End(nextOffset, active, active.size());
            } catch (IOException e) {
                throw storageFailure("append to " + dir, e);
            }
            if (flushPolicy != FlushPolicy.ALWAYS) {
                publish(writtenEnd);
            }
        }
        return new AppendResult(nextOffset - batch.recordCount(), nextOffset - 1);
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
            AtomicFile.write(dir.resolve(RECOVERY_POINT), Long.toString(next.baseOffset()).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // A stale recovery point only means more validation at the next unclean start.
        }
        Segment[] grown = Arrays.copyOf(segments, segments.length + 1);
        grown[segments.length] = next;
        replaceSegments(grown, view.logStartOffset());
        return next;
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

    private void publish(LogView.End end) {
        synchronized (this) {
            LogView v = view;
            if (end.offset() <= v.highWatermark()) {
                return;
            }
            view = new LogView(v.segments(), v.logStartOffset(), end);
        }
        listener.onHighWatermark(end.offset());
    }

    private void replaceSegments(Segment[] segments, long logStartOffset) {
        synchronized (this) {
            LogView v = view;
            view = new LogView(segments, logStartOffset, v.visibleEnd());
        }
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
        for (int attempt = 0; ; attempt++) {
            LogView v = view;
            try {
                return v.read(offset, maxBytes, maxRecords);
            } catch (ClosedChannelException e) {
                if (attempt > 2) {
                    throw new LogException("segment closed while reading " + dir, e);
                }
            } catch (IOException e) {
                throw new LogException("read of " + dir + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The first offset whose timestamp is ≥ {@code timestamp}, or the high watermark if none is. */
    public long offsetForTimestamp(long timestamp) {
        try {
            return view.offsetForTimestamp(timestamp);
        } catch (IOException e) {
            throw new LogException("read of " + dir + " failed: " + e.getMessage(), e);
        }
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
                    AtomicFile.write(dir.resolve(RECOVERY_POINT),
                            Long.toString(active.nextOffset()).getBytes(StandardCharsets.US_ASCII));
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
