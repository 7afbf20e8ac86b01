package io.runnel.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the batch that compaction writes in place of an appended one: the same header fields
 * (magic, attributes, leader epoch, first and max timestamp, producer id, epoch and sequence),
 * a subset of its records with their offsets and timestamp deltas unchanged, and an offset range
 * {@code [baseOffset, lastOffset]} that covers at least the original one (see {@link RecordBatch}
 * on offsets: a batch may take over the offsets of neighbouring batches that compaction emptied).
 * The record layout is {@link BatchBuilder}'s; only the offset delta is re-encoded when the base
 * offset moves down. The CRC is computed afresh.
 *
 * <p>Not thread-safe; one instance per batch being built.
 */
final class CompactedBatch {
    private final RecordBatch original;
    private final List<Kept> records = new ArrayList<>();
    private long baseOffset;
    private long lastOffset;

    /** A record kept from the original batch; the buffers are views into it. */
    record Kept(long offset, long timestampDelta, ByteBuffer key, ByteBuffer value, ByteBuffer headers) {
    }

    CompactedBatch(RecordBatch original) {
        this.original = original;
        this.baseOffset = original.baseOffset();
        this.lastOffset = original.lastOffset();
    }

    RecordBatch original() { return original; }
    int leaderEpoch() { return original.leaderEpoch(); }
    long baseOffset() { return baseOffset; }
    long lastOffset() { return lastOffset; }
    boolean isEmpty() { return records.isEmpty(); }

    void keep(Kept record) {
        records.add(record);
    }

    /**
     * Keeps only the last record of the original batch: for a batch every record of which was
     * removed but that cannot disappear (see {@link CleanedSegmentWriter}).
     */
    void keepLastRecordOnly() {
        Kept[] last = {null};
        original.forEachRecordRaw((offset, timestampDelta, key, value, headers) ->
                last[0] = new Kept(offset, timestampDelta, key, value, headers));
        records.clear();
        records.add(last[0]);
    }

    /** Takes over the offsets from {@code offset} on, which emptied batches before it held. */
    void startAt(long offset) {
        baseOffset = Math.min(baseOffset, offset);
    }

    /** Takes over the offsets up to {@code offset}, which emptied batches after it held. */
    void endAt(long offset) {
        lastOffset = Math.max(lastOffset, offset);
    }

    /** Whether it holds exactly what was appended, so the original bytes can be written as they are. */
    boolean isUnchanged() {
        return baseOffset == original.baseOffset() && lastOffset == original.lastOffset()
                && records.size() == original.recordCount();
    }

    RecordBatch build() {
        if (records.isEmpty()) {
            throw new IllegalStateException("a batch holds at least one record");
        }
        if (isUnchanged()) {
            return original;
        }
        int size = RecordBatch.HEADER_SIZE;
        for (Kept r : records) {
            size += recordSize(r);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        ByteBuffer header = original.buffer();
        header.limit(RecordBatch.HEADER_SIZE);
        out.put(header);
        for (Kept r : records) {
            int body = bodySize(r);
            Varint.writeInt(body, out);
            Varint.writeLong(r.timestampDelta(), out);
            Varint.writeInt((int) (r.offset() - baseOffset), out);
            writeField(r.key(), out);
            writeField(r.value(), out);
            writeField(r.headers(), out);
        }
        out.putLong(0, baseOffset);
        out.putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD);
        out.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, (int) (lastOffset - baseOffset));
        out.putInt(RecordBatch.RECORD_COUNT_OFFSET, records.size());
        out.flip();
        RecordBatch batch = new RecordBatch(out);
        out.putInt(RecordBatch.CRC_OFFSET, batch.computeCrc());
        return batch;
    }

    private int recordSize(Kept r) {
        int body = bodySize(r);
        return Varint.sizeOfInt(body) + body;
    }

    private int bodySize(Kept r) {
        return Varint.sizeOfLong(r.timestampDelta()) + Varint.sizeOfInt((int) (r.offset() - baseOffset))
                + fieldSize(r.key()) + fieldSize(r.value()) + fieldSize(r.headers());
    }

    private static int fieldSize(ByteBuffer bytes) {
        return bytes == null ? 1 : Varint.sizeOfInt(bytes.remaining()) + bytes.remaining();
    }

    private static void writeField(ByteBuffer bytes, ByteBuffer out) {
        if (bytes == null) {
            Varint.writeInt(-1, out);
        } else {
            Varint.writeInt(bytes.remaining(), out);
            out.put(bytes.duplicate());
        }
    }
}
