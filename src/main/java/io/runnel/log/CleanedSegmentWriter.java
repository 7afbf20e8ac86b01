package io.runnel.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes the cleaned copy of one or more consecutive source segments into one file: each source
 * batch, with the records the cleaner keeps ({@link CompactedBatch}), in order.
 *
 * <p>Offsets stay dense across batches (see {@link RecordBatch}): a batch whose every record was
 * removed disappears, and its offsets go to a neighbour <em>of the same leader epoch</em> — the
 * kept batch before it, else the next kept batch (which then starts lower). So the copy starts at
 * the first source's base offset and ends at the last source's next offset, and the leader epoch
 * of every offset is unchanged, as the {@link LeaderEpochCache} and a follower that fetches the
 * copy expect. Where no such neighbour exists in the copy (the emptied batches end it or are
 * followed by another epoch), the last of them keeps its last record: compaction
 * keeps <em>at least</em> the latest record of each key, and this is rare (a leader change).
 * A batch that must not disappear ({@code absorbable} false: a producer's batch still inside the
 * producer window, which {@link ProducerStates} rebuild from the headers) likewise keeps its last record.
 *
 * <p>Not thread-safe: used by the one cleaning pass. The file is forced by {@link #finish}; the
 * caller renames it (see {@link LogCleaner}).
 */
final class CleanedSegmentWriter implements AutoCloseable {
    private final Path file;
    private final FileChannel out;
    private long position;
    /** The last kept batch: its end may still grow over emptied batches of its epoch. */
    private CompactedBatch open;
    /**
     * The first and the last of a run of emptied batches of one epoch not yet covered by a kept
     * batch (null: no run). Only these two are held, not the batches between them: a run can
     * span most of a segment group, and each batch holds its source bytes.
     */
    private CompactedBatch runFirst;
    private CompactedBatch runLast;
    private long recordsKept;

    CleanedSegmentWriter(Path file) throws IOException {
        this.file = file;
        this.out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    Path file() {
        return file;
    }

    /** Adds the next batch of the current source, with the records the cleaner kept. */
    void add(CompactedBatch batch, boolean absorbable) throws IOException {
        if (batch.isEmpty() && !absorbable) {
            batch.keepLastRecordOnly();
        }
        if (!batch.isEmpty()) {
            if (runFirst != null) {
                if (runFirst.leaderEpoch() == batch.leaderEpoch()) {
                    batch.startAt(runFirst.baseOffset());
                    runFirst = null;
                    runLast = null;
                } else {
                    closeRun();
                }
            }
            writeOpen();
            open = batch;
            return;
        }
        if (runFirst == null && open != null && open.leaderEpoch() == batch.leaderEpoch()) {
            open.endAt(batch.lastOffset());
            return;
        }
        if (runFirst != null && runFirst.leaderEpoch() != batch.leaderEpoch()) {
            closeRun();
        }
        writeOpen(); // nothing more joins it now
        if (runFirst == null) {
            runFirst = batch;
        }
        runLast = batch;
    }

    /** Whether a record was written or is held back to be: the copy is not empty. */
    boolean hasRecords() {
        return position > 0 || open != null;
    }

    /** Bytes written so far (a batch held back is not counted yet). */
    long size() {
        return position;
    }

    long recordsKept() {
        return recordsKept;
    }

    /** Writes what is still held back and forces the file to disk; its size is then final. */
    void finish() throws IOException {
        if (runFirst != null) {
            closeRun();
        }
        writeOpen();
        out.force(true);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The emptied batches of the run become one batch holding the last one's last record. */
    private void closeRun() {
        CompactedBatch last = runLast;
        last.keepLastRecordOnly();
        last.startAt(runFirst.baseOffset());
        runFirst = null;
        runLast = null;
        open = last;
    }

    private void writeOpen() throws IOException {
        if (open == null) {
            return;
        }
        RecordBatch batch = open.build();
        open = null;
        ByteBuffer buf = batch.buffer();
        while (buf.hasRemaining()) {
            position += out.write(buf, position);
        }
        recordsKept += batch.recordCount();
        if (position > Integer.MAX_VALUE) {
            throw new IOException("cleaned segment larger than 2 GiB: " + file);
        }
    }
}
