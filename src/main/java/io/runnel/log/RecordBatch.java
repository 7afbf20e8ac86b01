package io.runnel.log;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.ArrayList;
import java.util.zip.CRC32C;

/**
 * One framed batch of records: the unit of append, replication, CRC checking and recovery.
 *
 * <p>On-disk and on-wire layout (big-endian):
 * <pre>
 * offset size field
 *   0     8   baseOffset        offset of the first record; assigned by the leader at append
 *   8     4   length            bytes that follow this field (whole batch = 12 + length)
 *  12     4   crc               CRC32C of bytes [16, end): everything but baseOffset, length, crc
 *  16     1   magic             format version, {@value #MAGIC}
 *  17     1   attributes        bit 0: timestamps are LogAppendTime (every record takes maxTimestamp)
 *  18     4   leaderEpoch       epoch of the leader that wrote it
 *  22     4   lastOffsetDelta   offset of the last offset the batch covers, from baseOffset (see below)
 *  26     8   firstTimestamp    epoch millis of the first record
 *  34     8   maxTimestamp      largest record timestamp
 *  42     8   producerId        the writing producer, or -1 for none (see {@link ProducerStates})
 *  50     2   producerEpoch     the producer's epoch, or -1
 *  52     4   baseSequence      the producer's sequence number of this batch, or -1
 *  56     4   recordCount
 *  60     …   records
 * </pre>
 * Each record:
 * <pre>
 *   varint  length of the rest of the record
 *   varlong timestampDelta      from firstTimestamp
 *   varint  offsetDelta         from baseOffset
 *   varint  keyLength           -1 for a null key, then the key's JSON bytes as the client sent them
 *   varint  valueLength         -1 for a null value (tombstone), then the value's JSON bytes
 *   varint  headersLength       -1 for none, then a JSON object of string members, as sent
 * </pre>
 * Varints are zig-zag encoded, as in Kafka and protobuf. Keys, values and headers are never
 * parsed by the log: they are the client's bytes, served back as they are.
 *
 * <p>Offsets: a batch covers the offsets {@code [baseOffset, baseOffset + lastOffsetDelta]}, and
 * each batch of a log starts where the previous one ends, so the batches of a log cover its
 * offsets without gaps — always derive a batch's end from {@code lastOffsetDelta}
 * ({@link #lastOffset}, {@link #nextOffset}), never from {@code recordCount}. A batch as
 * appended holds one record per offset ({@code lastOffsetDelta = recordCount - 1}); a batch that
 * compaction rewrote ({@link LogCleaner}) holds fewer records than offsets, each with the offset
 * it was appended at, in increasing order, and may cover the offsets of neighbouring batches that
 * compaction emptied.
 *
 * <p>Instances are views over a buffer and are not thread-safe; the buffer's bytes are not copied.
 */
public final class RecordBatch {
    public static final byte MAGIC = 1;
    public static final int HEADER_SIZE = 60;
    /** Bytes in front of {@code length}'s payload: baseOffset and length. */
    public static final int LOG_OVERHEAD = 12;
    static final int LENGTH_OFFSET = 8;
    static final int CRC_OFFSET = 12;
    static final int MAGIC_OFFSET = 16;
    static final int ATTRIBUTES_OFFSET = 17;
    static final int LEADER_EPOCH_OFFSET = 18;
    static final int LAST_OFFSET_DELTA_OFFSET = 22;
    static final int FIRST_TIMESTAMP_OFFSET = 26;
    static final int MAX_TIMESTAMP_OFFSET = 34;
    static final int PRODUCER_ID_OFFSET = 42;
    static final int PRODUCER_EPOCH_OFFSET = 50;
    static final int BASE_SEQUENCE_OFFSET = 52;
    /** The producer id of a batch written by no producer. */
    public static final long NO_PRODUCER_ID = -1L;
    static final int RECORD_COUNT_OFFSET = 56;
    static final byte LOG_APPEND_TIME_FLAG = 1;

    private final ByteBuffer buffer; // position 0 = start of batch, limit = end of batch

    /** Wraps {@code buffer} from its position to its limit, which must hold exactly one batch. */
    public RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer.slice();
    }

    public long baseOffset() { return buffer.getLong(0); }
    /** Size of the whole batch per its length field; valid on a header-only view too. */
    public int sizeInBytes() { return (int) declaredSize(); }
    public int storedCrc() { return buffer.getInt(CRC_OFFSET); }
    public byte magic() { return buffer.get(MAGIC_OFFSET); }
    public int leaderEpoch() { return buffer.getInt(LEADER_EPOCH_OFFSET); }
    public int recordCount() { return buffer.getInt(RECORD_COUNT_OFFSET); }
    public long lastOffset() { return baseOffset() + buffer.getInt(LAST_OFFSET_DELTA_OFFSET); }
    public long nextOffset() { return lastOffset() + 1; }
    public long firstTimestamp() { return buffer.getLong(FIRST_TIMESTAMP_OFFSET); }
    public long maxTimestamp() { return buffer.getLong(MAX_TIMESTAMP_OFFSET); }
    public long producerId() { return buffer.getLong(PRODUCER_ID_OFFSET); }
    public short producerEpoch() { return buffer.getShort(PRODUCER_EPOCH_OFFSET); }
    public int baseSequence() { return buffer.getInt(BASE_SEQUENCE_OFFSET); }
    /** Whether a producer wrote this batch: its producer id is not {@link #NO_PRODUCER_ID}. */
    public boolean hasProducer() { return producerId() >= 0; }
    public boolean isLogAppendTime() { return (buffer.get(ATTRIBUTES_OFFSET) & LOG_APPEND_TIME_FLAG) != 0; }

    /**
     * Size of the whole batch as its length field declares it, as a long so that a corrupt length
     * read from disk cannot overflow; recovery checks it before trusting it.
     */
    long declaredSize() { return LOG_OVERHEAD + (long) buffer.getInt(LENGTH_OFFSET); }

    /** The whole batch, positioned at 0; a fresh view each call. */
    public ByteBuffer buffer() { return buffer.duplicate(); }

    void setBaseOffset(long baseOffset) { buffer.putLong(0, baseOffset); }

    /** Computes the CRC32C over the covered bytes. */
    public int computeCrc() {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buffer.duplicate();
        covered.position(MAGIC_OFFSET);
        crc.update(covered);
        return (int) crc.getValue();
    }

    /** True when the header is sane and the CRC matches: the batch is what was written. */
    public boolean isValid() {
        return buffer.limit() >= HEADER_SIZE
                && buffer.getInt(LENGTH_OFFSET) == buffer.limit() - LOG_OVERHEAD
                && magic() == MAGIC
                && recordCount() > 0
                && buffer.getInt(LAST_OFFSET_DELTA_OFFSET) >= recordCount() - 1
                && storedCrc() == computeCrc();
    }

    /** Calls {@code visitor} for each record at or after {@code fromOffset}, until it returns false. */
    public void forEachRecord(long fromOffset, RecordVisitor visitor) {
        long base = baseOffset();
        long firstTimestamp = firstTimestamp();
        boolean appendTime = isLogAppendTime();
        long maxTimestamp = maxTimestamp();
        ByteBuffer in = buffer.duplicate();
        in.position(HEADER_SIZE);
        int count = recordCount();
        for (int i = 0; i < count; i++) {
            int length = Varint.readInt(in);
            int end = in.position() + length;
            long timestampDelta = Varint.readLong(in);
            long offset = base + Varint.readInt(in);
            if (offset < fromOffset) {
                in.position(end);
                continue;
            }
            long timestamp = appendTime ? maxTimestamp : firstTimestamp + timestampDelta;
            ByteBuffer key = readBytes(in);
            ByteBuffer value = readBytes(in);
            ByteBuffer headers = readBytes(in);
            in.position(end);
            if (!visitor.visit(offset, timestamp, key, value, headers)) {
                return;
            }
        }
    }

    /**
     * Whether the batch holds a record at every offset it covers, as every batch does until
     * compaction rewrites it.
     */
    public boolean isDense() {
        return buffer.getInt(LAST_OFFSET_DELTA_OFFSET) == recordCount() - 1;
    }

    /** How many records of this batch have an offset at or after {@code fromOffset}. */
    public int recordsFrom(long fromOffset) {
        if (isDense()) {
            long from = Math.max(fromOffset, baseOffset());
            return (int) Math.max(0, nextOffset() - from);
        }
        int[] count = {0};
        forEachRecordRaw((offset, timestampDelta, key, value, headers) -> {
            if (offset >= fromOffset) {
                count[0]++;
            }
        });
        return count[0];
    }

    /**
     * Calls {@code visitor} for each record with its stored timestamp delta, as compaction
     * copies records (the timestamp is {@code firstTimestamp + delta}, or {@code maxTimestamp}
     * under LogAppendTime).
     */
    void forEachRecordRaw(RawRecordVisitor visitor) {
        long base = baseOffset();
        ByteBuffer in = buffer.duplicate();
        in.position(HEADER_SIZE);
        int count = recordCount();
        for (int i = 0; i < count; i++) {
            int length = Varint.readInt(in);
            int end = in.position() + length;
            long timestampDelta = Varint.readLong(in);
            long offset = base + Varint.readInt(in);
            ByteBuffer key = readBytes(in);
            ByteBuffer value = readBytes(in);
            ByteBuffer headers = readBytes(in);
            in.position(end);
            visitor.visit(offset, timestampDelta, key, value, headers);
        }
    }

    /** Receives one record as stored; byte buffers are views into the batch, {@code null} when absent. */
    @FunctionalInterface
    interface RawRecordVisitor {
        void visit(long offset, long timestampDelta, ByteBuffer key, ByteBuffer value, ByteBuffer headers);
    }

    private static ByteBuffer readBytes(ByteBuffer in) {
        int length = Varint.readInt(in);
        if (length < 0) {
            return null;
        }
        ByteBuffer slice = in.slice();
        slice.limit(length);
        in.position(in.position() + length);
        return slice;
    }

    /**
     * Whether {@code other} holds the same records: as many, with equal key, value and headers
     * bytes in the same order. Offsets, timestamps and header fields are not compared.
     */
    public boolean hasSameRecordsAs(RecordBatch other) {
        if (recordCount() != other.recordCount()) {
            return false;
        }
        List<ByteBuffer[]> mine = fields();
        List<ByteBuffer[]> theirs = other.fields();
        for (int i = 0; i < mine.size(); i++) {
            for (int f = 0; f < 3; f++) {
                if (!java.util.Objects.equals(mine.get(i)[f], theirs.get(i)[f])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The timestamp of each record, in order. */
    public long[] recordTimestamps() {
        long[] timestamps = new long[recordCount()];
        int[] i = {0};
        forEachRecord(baseOffset(), (offset, timestamp, key, value, headers) -> {
            timestamps[i[0]++] = timestamp;
            return true;
        });
        return timestamps;
    }

    private List<ByteBuffer[]> fields() {
        List<ByteBuffer[]> fields = new ArrayList<>(recordCount());
        forEachRecord(baseOffset(), (offset, timestamp, key, value, headers) -> fields.add(new ByteBuffer[] {key, value, headers}));
        return fields;
    }

    /** Receives one record; byte buffers are views into the batch, {@code null} when absent. */
    @FunctionalInterface
    public interface RecordVisitor {
        boolean visit(long offset, long timestamp, ByteBuffer key, ByteBuffer value, ByteBuffer headers);
    }

    /** The stored bytes of {@code batches}, one after another, as they travel between instances. */
    public static byte[] toBytes(List<RecordBatch> batches) {
        int size = 0;
        for (RecordBatch b : batches) {
            size += b.sizeInBytes();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (RecordBatch b : batches) {
            out.put(b.buffer());
        }
        return out.array();
    }

    /**
     * Splits batches laid one after another in {@code bytes} (from its position to its limit) into
     * views, without copying.
     *
     * @throws LogException if a batch is cut short or declares an impossible size
     */
    public static List<RecordBatch> split(ByteBuffer bytes) {
        List<RecordBatch> batches = new ArrayList<>();
        int position = bytes.position();
        while (position + LOG_OVERHEAD <= bytes.limit()) {
            int size = LOG_OVERHEAD + bytes.getInt(position + LENGTH_OFFSET);
            if (size < HEADER_SIZE || position + size > bytes.limit()) {
                throw new LogException("truncated batch at byte " + position);
            }
            batches.add(new RecordBatch(bytes.duplicate().position(position).limit(position + size)));
            position += size;
        }
        return batches;
    }

    @Override
    public String toString() {
        return "RecordBatch[base=" + baseOffset() + ", count=" + recordCount() + ", bytes=" + sizeInBytes() + "]";
    }
}
