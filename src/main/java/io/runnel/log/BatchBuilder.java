package io.runnel.log;

import java.nio.ByteBuffer;

/**
 * Frames records into one {@link RecordBatch}: the only place a batch is built, once per produce
 * request and partition. The CRC is computed here, outside any log lock; the log only stamps the
 * base offset, which the CRC does not cover.
 *
 * <p>Not thread-safe. Typical use: {@code add} each record, then {@code build} once.
 */
public final class BatchBuilder {
    private final int leaderEpoch;
    private final Long logAppendTime; // null = CreateTime
    private ByteBuffer out;
    private int count;
    private long firstTimestamp;
    private long maxTimestamp = Long.MIN_VALUE;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = -1;
    private int baseSequence = -1;

    /**
     * @param leaderEpoch   epoch of the writing leader
     * @param logAppendTime when non-null, every record takes this timestamp (LogAppendTime topics)
     * @param sizeHint      expected batch size, to avoid regrowing
     */
    public BatchBuilder(int leaderEpoch, Long logAppendTime, int sizeHint) {
        this.leaderEpoch = leaderEpoch;
        this.logAppendTime = logAppendTime;
        this.out = ByteBuffer.allocate(Math.max(RecordBatch.HEADER_SIZE + 64, sizeHint));
        out.position(RecordBatch.HEADER_SIZE);
    }

    /** Size in bytes one record takes in a batch, for limits checked before building. */
    public static int recordSize(byte[] key, byte[] value, byte[] headers) {
        int body = Varint.sizeOfLong(Long.MAX_VALUE) + Varint.sizeOfInt(Integer.MAX_VALUE)
                + fieldSize(key) + fieldSize(value) + fieldSize(headers);
        return Varint.sizeOfInt(body) + body;
    }

    /** Appends one record; {@code null} key, value or headers are stored as absent. */
    public BatchBuilder add(long timestamp, byte[] key, byte[] value, byte[] headers) {
        if (count == 0) {
            firstTimestamp = logAppendTime != null ? logAppendTime : timestamp;
        }
        long effective = logAppendTime != null ? logAppendTime : timestamp;
        long timestampDelta = effective - firstTimestamp;
        int body = Varint.sizeOfLong(timestampDelta) + Varint.sizeOfInt(count)
                + fieldSize(key) + fieldSize(value) + fieldSize(headers);
        ensure(Varint.sizeOfInt(body) + body);
        Varint.writeInt(body, out);
        Varint.writeLong(timestampDelta, out);
        Varint.writeInt(count, out);
        writeField(key);
        writeField(value);
        writeField(headers);
        maxTimestamp = Math.max(maxTimestamp, effective);
        count++;
        return this;
    }

    /**
     * Stamps the batch with its producer, so that the leader appends it at most once (see
     * {@link ProducerStates}).
     *
     * @param producerId    non-negative
     * @param producerEpoch non-negative
     * @param baseSequence  non-negative
     */
    public BatchBuilder producer(long producerId, short producerEpoch, int baseSequence) {
        if (producerId < 0 || producerEpoch < 0 || baseSequence < 0) {
            throw new IllegalArgumentException("producer id, epoch and sequence must not be negative");
        }
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public int count() {
        return count;
    }

    /** Writes the header and CRC; the base offset is left 0 for the log to assign. */
    public RecordBatch build() {
        if (count == 0) {
            throw new IllegalStateException("a batch holds at least one record");
        }
        int size = out.position();
        out.putLong(0, 0L);
        out.putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD);
        out.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        out.put(RecordBatch.ATTRIBUTES_OFFSET, logAppendTime != null ? RecordBatch.LOG_APPEND_TIME_FLAG : 0);
        out.putInt(RecordBatch.LEADER_EPOCH_OFFSET, leaderEpoch);
        out.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, count - 1);
        out.putLong(RecordBatch.FIRST_TIMESTAMP_OFFSET, firstTimestamp);
        out.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        out.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        out.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        out.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        out.putInt(RecordBatch.RECORD_COUNT_OFFSET, count);
        ByteBuffer whole = out.duplicate();
        whole.flip();
        RecordBatch batch = new RecordBatch(whole);
        out.putInt(RecordBatch.CRC_OFFSET, batch.computeCrc());
        return batch;
    }

    private static int fieldSize(byte[] bytes) {
        return bytes == null ? 1 : Varint.sizeOfInt(bytes.length) + bytes.length;
    }

    private void writeField(byte[] bytes) {
        if (bytes == null) {
            Varint.writeInt(-1, out);
        } else {
            Varint.writeInt(bytes.length, out);
            out.put(bytes);
        }
    }

    private void ensure(int more) {
        if (out.remaining() >= more) {
            return;
        }
        int capacity = Math.max(out.capacity() * 2, out.position() + more);
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        out.flip();
        bigger.put(out);
        out = bigger;
    }
}
