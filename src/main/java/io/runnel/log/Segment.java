package io.runnel.log;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One segment of a partition log: the batches from {@code baseOffset} up to the next segment's.
 *
 * <p>Files, named by base offset zero-padded to 20 digits: {@code <base>.log} holds whole
 * {@link RecordBatch}es back to back; {@code <base>.index} and {@code <base>.timeindex} are
 * {@link SparseIndex} files (offset → position every {@code indexIntervalBytes}, and largest
 * timestamp so far → offset after it). Offsets are logical (long); positions are bytes in this
 * file (int: segments stay below 2 GiB).
 *
 * <p>Thread-safety: {@link #append}, {@link #truncatedCopy}, {@link #supersede}, {@link #cutFile}
 * and {@link #close} are called under the partition's append lock; reads use positional reads and
 * take no lock, and read only below a position the caller got from a published snapshot.
 *
 * <p>Truncation (a follower cutting its log back to where it diverged from the leader) never
 * changes an instance that readers may hold: {@link #truncatedCopy} builds a second instance over
 * the same file holding only the batches below the cut, the log publishes it, then
 * {@link #supersede}s this one and only then {@link #cutFile cuts the file}. Readers of an older
 * snapshot still use this instance, whose file may now be shorter or hold other batches past the
 * cut; every read checks, after reading, that the instance was not superseded (a seqlock: the
 * mark is set before the file changes) and otherwise fails with {@link SupersededException}, so
 * no reader ever returns or trusts bytes written after the cut.
 *
 * <p>Crash behaviour: appended bytes reach the disk when {@link #flush} returns. Index files are
 * written only at roll and clean close; after a crash {@link #recover} rebuilds them from the log.
 *
 * <p>Compaction ({@link LogCleaner}) never changes a segment: it writes a copy under a temporary
 * name, opens it with {@link #openCleaned} (every batch validated) and swaps it in.
 *
 * <p>Why one class of about 500 lines: the append path, the recovery scan and the superseded-read
 * check all maintain the same few fields ({@code size}, {@code nextOffset}, the index cursors and the
 * seqlock mark) whose ordering is the contract above; split apart, that ordering would have to be
 * restated across classes. Batch framing and index files already live in {@link RecordBatch} and
 * {@link SparseIndex}.
 */
final class Segment {
    static final String LOG_SUFFIX = ".log";
    private static final int MAX_BATCH_BYTES = Integer.MAX_VALUE / 2;

    private final Path dir;
    private final long baseOffset;
    private final FileChannel channel;
    private final int indexIntervalBytes;
    private SparseIndex offsetIndex;
    private SparseIndex timeIndex;
    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = Long.MIN_VALUE;
    private volatile long firstBatchTimestamp = Long.MIN_VALUE;
    private int bytesSinceIndexEntry;
    private volatile boolean superseded;

    /** A read of a segment instance that a truncation replaced; the reader retries on a newer snapshot. */
    static final class SupersededException extends IOException {
        SupersededException(Segment segment) {
            super("segment " + segment.logFile() + " was truncated while being read");
        }
    }

    private Segment(Path dir, long baseOffset, FileChannel channel, int indexIntervalBytes) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.indexIntervalBytes = indexIntervalBytes;
        this.offsetIndex = new SparseIndex();
        this.timeIndex = new SparseIndex();
        this.nextOffset = baseOffset;
    }

    static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    static Segment create(Path dir, long baseOffset, int indexIntervalBytes) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(fileName(baseOffset, LOG_SUFFIX)),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        AtomicFile.fsyncDirectory(dir);
        return new Segment(dir, baseOffset, ch, indexIntervalBytes);
    }

    /**
     * Opens an existing segment. With {@code trusted} (clean shutdown, or a segment below the
     * recovery point) saved indexes are used when they pass their checks; otherwise every batch is
     * validated, the file is truncated at the first bad byte and the indexes are rebuilt.
     */
    static Segment open(Path dir, long baseOffset, int indexIntervalBytes, boolean trusted) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(fileName(baseOffset, LOG_SUFFIX)),
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        Segment segment = new Segment(dir, baseOffset, ch, indexIntervalBytes);
        long fileSize = ch.size();
        if (fileSize > Integer.MAX_VALUE) {
            throw new IOException("segment larger than 2 GiB: " + segment.logFile());
        }
        segment.size = (int) fileSize;
        if (!trusted || !segment.loadIndexes()) {
            segment.recover(!trusted);
        }
        return segment;
    }

    /**
     * Opens the segment starting at {@code baseOffset} over {@code file}, a cleaned copy that
     * compaction wrote under a temporary name ({@link LogCleaner}): every batch is validated and
     * the indexes are built. The channel follows the file when it is renamed to {@code <base>.log}.
     *
     * @throws IOException when a batch is torn, corrupt or out of order (nothing is cut)
     */
    static Segment openCleaned(Path dir, long baseOffset, Path file, int indexIntervalBytes) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            Segment segment = new Segment(dir, baseOffset, ch, indexIntervalBytes);
            long fileSize = ch.size();
            if (fileSize > Integer.MAX_VALUE) {
                throw new IOException("segment larger than 2 GiB: " + file);
            }
            segment.size = (int) fileSize;
            if (segment.rebuildIndexes(segment.size, true) != segment.size) {
                throw new IOException("invalid batch in " + file);
            }
            return segment;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** Calls {@code visitor} with each whole batch, in order, reading below {@link #size}, until it returns false. */
    void forEachBatch(BatchVisitor visitor) throws IOException {
        int limit = size;
        int position = 0;
        Optional<RecordBatch> header;
        while ((header = readHeader(position, limit)).isPresent()) {
            int batchSize = checkedSize(header.get(), position, limit);
            if (!visitor.visit(readBatch(position, batchSize))) {
                return;
            }
            position += batchSize;
        }
    }

    /** Receives one batch read from a segment; returns whether to go on. */
    @FunctionalInterface
    interface BatchVisitor {
        boolean visit(RecordBatch batch) throws IOException;
    }

    long baseOffset() { return baseOffset; }
    int size() { return size; }
    long nextOffset() { return nextOffset; }
    long maxTimestamp() { return maxTimestamp; }
    long firstBatchTimestamp() { return firstBatchTimestamp; }
    boolean isEmpty() { return size == 0; }
    Path logFile() { return dir.resolve(fileName(baseOffset, LOG_SUFFIX)); }
    private Path offsetIndexFile() { return dir.resolve(fileName(baseOffset, ".index")); }
    private Path timeIndexFile() { return dir.resolve(fileName(baseOffset, ".timeindex")); }

    /**
     * Writes {@code batch} at the end. On failure the file is cut back to its old size, so a failed
     * append leaves nothing behind, and the exception is rethrown.
     */
    int append(RecordBatch batch) throws IOException {
        int position = size;
        ByteBuffer buf = batch.buffer();
        try {
            long at = position;
            while (buf.hasRemaining()) {
                at += channel.write(buf, at);
            }
        } catch (IOException e) {
            try {
                channel.truncate(position);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        onBatchWritten(batch.baseOffset(), batch.nextOffset(), batch.maxTimestamp(), position, batch.sizeInBytes());
        size = position + batch.sizeInBytes();
        return position;
    }

    private void onBatchWritten(long base, long next, long batchMaxTimestamp, int position, int bytes) {
        if (firstBatchTimestamp == Long.MIN_VALUE) {
            firstBatchTimestamp = batchMaxTimestamp;
        }
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
        }
        bytesSinceIndexEntry += bytes;
        if (bytesSinceIndexEntry >= indexIntervalBytes) {
            offsetIndex.append(base, position);
            timeIndex.append(maxTimestamp, next);
            bytesSinceIndexEntry = 0;
        }
        nextOffset = next;
    }

    void flush() throws IOException {
        channel.force(false);
    }

    /**
     * Reads the batch header at {@code position}, or empty at or past {@code limit}. A header
     * returned is one that was written (never bytes written after a truncation), so its declared
     * size can be trusted to walk on.
     */
    Optional<RecordBatch> readHeader(int position, int limit) throws IOException {
        if (position + RecordBatch.HEADER_SIZE > limit) {
            return Optional.empty();
        }
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        readFully(header, position);
        header.flip();
        return Optional.of(new RecordBatch(header));
    }

    /** Reads the whole batch at {@code position}, whose header says it is {@code size} bytes. */
    RecordBatch readBatch(int position, int batchSize) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(batchSize);
        readFully(buf, position);
        buf.flip();
        return new RecordBatch(buf);
    }

    /** Reads, then checks that the bytes read are still this instance's (see the class comment). */
    private void readFully(ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, at);
            if (n < 0) {
                checkNotSuperseded();
                throw new IOException("unexpected end of " + logFile() + " at " + at);
            }
            at += n;
        }
        checkNotSuperseded();
    }

    private void checkNotSuperseded() throws SupersededException {
        // The reads above must not move below the check: a reader that sees the mark unset read
        // before the truncation, which the writer starts only after setting the mark.
        VarHandle.acquireFence();
        if (superseded) {
            throw new SupersededException(this);
        }
    }

    /** Size of the batch whose header is {@code header}, checked to lie within {@code limit}. */
    private int checkedSize(RecordBatch header, int position, int limit) throws IOException {
        long batchSize = header.declaredSize();
        if (batchSize < RecordBatch.HEADER_SIZE || batchSize > limit - position) {
            throw new IOException("corrupt batch header at " + position + " of " + logFile());
        }
        return (int) batchSize;
    }

    /** Byte position of the batch holding {@code offset}, scanning headers below {@code limit}. */
    OptionalInt positionOf(long offset, int limit) throws IOException {
        OptionalInt entry = offsetIndex.floor(offset);
        int position = entry.isPresent() ? (int) offsetIndex.valueAt(entry.getAsInt()) : 0;
        while (true) {
            Optional<RecordBatch> header = readHeader(position, limit);
            if (header.isEmpty()) {
                return OptionalInt.empty();
            }
            if (header.get().lastOffset() >= offset) {
                return OptionalInt.of(position);
            }
            position += checkedSize(header.get(), position, limit);
        }
    }

    /** First offset whose record timestamp is ≥ {@code timestamp}, scanning below {@code limit}. */
    OptionalLong offsetOfTimestamp(long timestamp, int limit) throws IOException {
        if (maxTimestamp < timestamp) {
            return OptionalLong.empty();
        }
        OptionalInt entry = timeIndex.lower(timestamp);
        long startOffset = entry.isPresent() ? timeIndex.valueAt(entry.getAsInt()) : baseOffset;
        OptionalInt start = positionOf(startOffset, limit);
        if (start.isEmpty()) {
            return OptionalLong.empty();
        }
        int position = start.getAsInt();
        while (true) {
            Optional<RecordBatch> header = readHeader(position, limit);
            if (header.isEmpty()) {
                return OptionalLong.empty();
            }
            int batchSize = checkedSize(header.get(), position, limit);
            if (header.get().maxTimestamp() >= timestamp) {
                long[] found = {-1};
                readBatch(position, batchSize).forEachRecord(startOffset, (offset, ts, k, v, h) -> {
                    if (ts >= timestamp) {
                        found[0] = offset;
                        return false;
                    }
                    return true;
                });
                if (found[0] >= 0) {
                    return OptionalLong.of(found[0]);
                }
            }
            position += batchSize;
        }
    }

    /**
     * Validates batches from the start (when {@code validate}) or only walks their headers, rebuilds
     * both indexes, and truncates the file at the first batch that is torn, corrupt or out of order.
     *
     * @return bytes truncated
     */
    int recover(boolean validate) throws IOException {
        int fileSize = size;
        int position = rebuildIndexes(fileSize, validate);
        int truncated = fileSize - position;
        if (truncated > 0) {
            channel.truncate(position);
            channel.force(true);
        }
        size = position;
        return truncated;
    }

    /**
     * Walks the batches below {@code limit}, validating each when {@code validate}, and rebuilds
     * the indexes and running values from them; stops at the first batch that is torn, corrupt or
     * out of order. Returns where the good batches end. Changes nothing on disk.
     */
    private int rebuildIndexes(int limit, boolean validate) throws IOException {
        offsetIndex = new SparseIndex();
        timeIndex = new SparseIndex();
        bytesSinceIndexEntry = 0;
        maxTimestamp = Long.MIN_VALUE;
        firstBatchTimestamp = Long.MIN_VALUE;
        nextOffset = baseOffset;
        int fileSize = limit;
        int position = 0;
        while (position + RecordBatch.HEADER_SIZE <= fileSize) {
            RecordBatch header = readHeader(position, fileSize).orElseThrow();
            long batchSize = header.declaredSize();
            if (batchSize < RecordBatch.HEADER_SIZE || batchSize > MAX_BATCH_BYTES
                    || position + batchSize > fileSize || header.baseOffset() != nextOffset) {
                break;
            }
            if (validate && !readBatch(position, (int) batchSize).isValid()) {
                break;
            }
            onBatchWritten(header.baseOffset(), header.nextOffset(), header.maxTimestamp(), position, (int) batchSize);
            position += (int) batchSize;
        }
        return position;
    }

    /** Loads saved indexes and walks the tail after the last entry; false when they do not fit. */
    private boolean loadIndexes() throws IOException {
        Optional<SparseIndex> offsets = SparseIndex.load(offsetIndexFile(), size);
        Optional<SparseIndex> times = SparseIndex.load(timeIndexFile(), Long.MAX_VALUE);
        // The two indexes need not have the same number of entries: a time entry is only added
        // when the largest timestamp grows. Each is checked against the log below.
        if (offsets.isEmpty() || times.isEmpty()) {
            return false;
        }
        offsetIndex = offsets.get();
        timeIndex = times.get();
        // The time index's last entry holds the largest timestamp up to its offset; walk the batches
        // from there (the offset entry at or before it) to learn the rest and to check the tail.
        long timeCovered = timeIndex.size() == 0 ? baseOffset : timeIndex.lastValue();
        OptionalInt start = offsetIndex.floor(timeCovered);
        int position = start.isEmpty() ? 0 : (int) offsetIndex.valueAt(start.getAsInt());
        long expected = start.isEmpty() ? baseOffset : offsetIndex.keyAt(start.getAsInt());
        maxTimestamp = timeIndex.size() == 0 ? Long.MIN_VALUE : timeIndex.lastKey();
        Optional<RecordBatch> first = readHeader(0, size);
        firstBatchTimestamp = first.map(RecordBatch::maxTimestamp).orElse(Long.MIN_VALUE);
        while (position < size) {
            Optional<RecordBatch> header = readHeader(position, size);
            if (header.isEmpty() || header.get().baseOffset() != expected) {
                return false;
            }
            RecordBatch h = header.get();
            long batchSize = h.declaredSize();
            if (batchSize < RecordBatch.HEADER_SIZE || batchSize > size - position) {
                return false;
            }
            maxTimestamp = Math.max(maxTimestamp, h.maxTimestamp());
            expected = h.nextOffset();
            position += (int) batchSize;
        }
        if (position != size || offsetIndex.lastKey() >= expected
                || (timeIndex.size() > 0 && (timeIndex.valueAt(0) <= baseOffset || timeIndex.lastValue() > expected))) {
            return false;
        }
        nextOffset = expected;
        bytesSinceIndexEntry = 0;
        return true;
    }

    /** Calls {@code visitor} with the header of each batch, in order (header reads only). */
    void forEachHeader(java.util.function.Consumer<RecordBatch> visitor) throws IOException {
        int limit = size;
        int position = 0;
        Optional<RecordBatch> header;
        while ((header = readHeader(position, limit)).isPresent()) {
            visitor.accept(header.get());
            position += checkedSize(header.get(), position, limit);
        }
    }

    /**
     * Calls {@code visitor} with the header of each batch that may hold a record timestamped at or
     * after {@code timestamp}, in order: the time index skips the batches before its last entry
     * below {@code timestamp} (their largest timestamp is below it), so a caller still checks each
     * header's {@link RecordBatch#maxTimestamp}. Header reads only.
     */
    void forEachHeaderSince(long timestamp, java.util.function.Consumer<RecordBatch> visitor) throws IOException {
        int limit = size;
        if (maxTimestamp < timestamp) {
            return;
        }
        OptionalInt entry = timeIndex.lower(timestamp);
        long startOffset = entry.isPresent() ? timeIndex.valueAt(entry.getAsInt()) : baseOffset;
        OptionalInt start = positionOf(startOffset, limit);
        int position = start.isPresent() ? start.getAsInt() : limit;
        Optional<RecordBatch> header;
        while ((header = readHeader(position, limit)).isPresent()) {
            visitor.accept(header.get());
            position += checkedSize(header.get(), position, limit);
        }
    }

    /**
     * A new instance over the same files holding only the batches below {@code position}, which
     * must be a batch boundary; its indexes are rebuilt from the headers. Nothing on disk changes
     * yet: once the log has published the copy it {@link #supersede}s this instance and
     * {@link #cutFile cuts the file} through the copy.
     */
    Segment truncatedCopy(int position) throws IOException {
        FileChannel ch = FileChannel.open(logFile(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            Segment copy = new Segment(dir, baseOffset, ch, indexIntervalBytes);
            copy.size = position;
            if (copy.rebuildIndexes(position, false) != position) {
                throw new IOException("no batch boundary at " + position + " in " + logFile());
            }
            return copy;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Marks this instance as replaced: from now on every read of it that completes fails with
     * {@link SupersededException}. Called before its file is cut or its batches are dropped.
     */
    void supersede() {
        superseded = true;
        // The writer's file changes that follow must not be seen before the mark.
        VarHandle.fullFence();
    }

    /**
     * Cuts the file to this instance's size and forces it, so the cut bytes do not come back after
     * a crash; deletes the saved indexes, which may describe the cut batches (they are rebuilt).
     */
    void cutFile() throws IOException {
        channel.truncate(size);
        channel.force(true);
        Files.deleteIfExists(offsetIndexFile());
        Files.deleteIfExists(timeIndexFile());
    }

    void saveIndexes() throws IOException {
        offsetIndex.save(offsetIndexFile());
        timeIndex.save(timeIndexFile());
    }

    void close() throws IOException {
        channel.close();
    }

    /** Deletes the files; the channel stays open for readers that still hold it until {@link #close}. */
    void deleteFiles() throws IOException {
        Files.deleteIfExists(logFile());
        Files.deleteIfExists(offsetIndexFile());
        Files.deleteIfExists(timeIndexFile());
    }

    @Override
    public String toString() {
        return "Segment[" + logFile() + ", size=" + size + ", next=" + nextOffset + "]";
    }
}
