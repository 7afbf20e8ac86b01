package io.runnel.log;

import static io.runnel.log.LogTestSupport.bytes;
import static io.runnel.log.LogTestSupport.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordBatchTest {

    private static final List<In> MIXED = List.of(
            new In(1_000, "\"k1\"", "{\"a\":1}", "{\"h\":\"x\"}"),
            new In(990, null, "\"no key\"", null),
            new In(1_500, "\"k3\"", null, null),
            new In(1_200, null, null, "{}"),
            new In(1_100, "", "", ""));

    private static RecordBatch mixed() {
        return LogTestSupport.build(MIXED, null);
    }

    @Test
    void roundTripsRecordsWithNullKeysValuesAndHeaders() {
        RecordBatch batch = mixed();
        batch.setBaseOffset(100);

        assertThat(decode(batch)).containsExactly(
                new Rec(100, 1_000, "\"k1\"", "{\"a\":1}", "{\"h\":\"x\"}"),
                new Rec(101, 990, null, "\"no key\"", null),
                new Rec(102, 1_500, "\"k3\"", null, null),
                new Rec(103, 1_200, null, null, "{}"),
                new Rec(104, 1_100, "", "", ""));
    }

    @Test
    void headerFieldsDescribeTheRecords() {
        RecordBatch batch = mixed();
        batch.setBaseOffset(100);

        assertThat(batch.baseOffset()).isEqualTo(100);
        assertThat(batch.recordCount()).isEqualTo(5);
        assertThat(batch.lastOffset()).isEqualTo(104);
        assertThat(batch.nextOffset()).isEqualTo(105);
        assertThat(batch.firstTimestamp()).isEqualTo(1_000);
        assertThat(batch.maxTimestamp()).isEqualTo(1_500);
        assertThat(batch.leaderEpoch()).isEqualTo(7);
        assertThat(batch.magic()).isEqualTo(RecordBatch.MAGIC);
        assertThat(batch.isLogAppendTime()).isFalse();
        assertThat(batch.buffer().getInt(RecordBatch.LENGTH_OFFSET)).isEqualTo(batch.sizeInBytes() - RecordBatch.LOG_OVERHEAD);
        assertThat(batch.buffer().getLong(42)).as("producerId reserved").isEqualTo(-1L);
        assertThat(batch.buffer().getShort(50)).as("producerEpoch reserved").isEqualTo((short) -1);
        assertThat(batch.buffer().getInt(52)).as("baseSequence reserved").isEqualTo(-1);
    }

    @Test
    void logAppendTimeGivesEveryRecordTheAppendTime() {
        RecordBatch batch = LogTestSupport.build(MIXED, 77_777L);

        assertThat(batch.isLogAppendTime()).isTrue();
        assertThat(batch.firstTimestamp()).isEqualTo(77_777L);
        assertThat(batch.maxTimestamp()).isEqualTo(77_777L);
        assertThat(decode(batch)).extracting(Rec::timestamp).containsOnly(77_777L);
        assertThat(decode(batch)).extracting(Rec::value).containsExactly("{\"a\":1}", "\"no key\"", null, null, "");
        assertThat(batch.isValid()).isTrue();
    }

    @Test
    void extremeTimestampsRoundTripThroughWrappingDeltas() {
        List<In> records = List.of(In.of(Long.MAX_VALUE, "1"), In.of(Long.MIN_VALUE, "2"), In.of(0, "3"));
        RecordBatch batch = LogTestSupport.build(records, null);

        assertThat(decode(batch)).extracting(Rec::timestamp).containsExactly(Long.MAX_VALUE, Long.MIN_VALUE, 0L);
        assertThat(batch.maxTimestamp()).isEqualTo(Long.MAX_VALUE);
        assertThat(batch.isValid()).isTrue();
    }

    @Test
    void builtBatchHasAValidCrcThatIgnoresTheBaseOffset() {
        RecordBatch batch = mixed();
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.storedCrc()).isEqualTo(batch.computeCrc());

        batch.setBaseOffset(123_456_789L);

        assertThat(batch.isValid()).as("the log stamps the base offset after the CRC").isTrue();
    }

    @Test
    void flippingAnyBitFromTheCrcToTheEndMakesTheBatchInvalid() {
        RecordBatch original = mixed();
        byte[] bytes = toArray(original);
        for (int position = RecordBatch.CRC_OFFSET; position < bytes.length; position++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] copy = bytes.clone();
                copy[position] ^= (byte) (1 << bit);
                assertThat(new RecordBatch(ByteBuffer.wrap(copy)).isValid())
                        .as("bit %d of byte %d flipped", bit, position).isFalse();
            }
        }
    }

    @Test
    void flippingAByteInTheLengthFieldMakesTheBatchInvalid() {
        byte[] bytes = toArray(mixed());
        for (int position = RecordBatch.LENGTH_OFFSET; position < RecordBatch.CRC_OFFSET; position++) {
            byte[] copy = bytes.clone();
            copy[position] = (byte) ~copy[position];
            assertThat(new RecordBatch(ByteBuffer.wrap(copy)).isValid()).isFalse();
        }
    }

    @Test
    void aTruncatedOrTooShortBufferIsInvalid() {
        byte[] bytes = toArray(mixed());
        for (int length = 0; length < bytes.length; length++) {
            assertThat(new RecordBatch(ByteBuffer.wrap(bytes, 0, length)).isValid()).as("first %d bytes", length).isFalse();
        }
    }

    @Test
    void wrapsFromTheBuffersPositionWithoutCopying() {
        byte[] bytes = toArray(mixed());
        ByteBuffer padded = ByteBuffer.allocate(bytes.length + 10);
        padded.position(10);
        padded.put(bytes);
        padded.position(10);

        RecordBatch batch = new RecordBatch(padded);

        assertThat(batch.isValid()).isTrue();
        assertThat(batch.sizeInBytes()).isEqualTo(bytes.length);
        batch.setBaseOffset(5);
        assertThat(padded.getLong(10)).isEqualTo(5);
    }

    @Test
    void forEachRecordStartsAtTheRequestedOffsetAndStopsWhenTheVisitorSaysSo() {
        RecordBatch batch = mixed();
        batch.setBaseOffset(10);
        List<Long> seen = new ArrayList<>();

        batch.forEachRecord(12, (offset, ts, k, v, h) -> {
            seen.add(offset);
            return offset < 13;
        });

        assertThat(seen).containsExactly(12L, 13L);
    }

    @Test
    void growsPastItsSizeHint() {
        BatchBuilder builder = new BatchBuilder(0, null, 1);
        List<Rec> expected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String value = LogTestSupport.value("r" + i, i % 50);
            builder.add(i, null, bytes(value), null);
            expected.add(new Rec(i, i, null, value, null));
        }
        RecordBatch batch = builder.build();

        assertThat(batch.isValid()).isTrue();
        assertThat(decode(batch)).isEqualTo(expected);
    }

    @Test
    void recordSizeIsAnUpperBoundOfTheBytesARecordTakes() {
        BatchBuilder builder = new BatchBuilder(0, null, 0);
        int before = RecordBatch.HEADER_SIZE;
        long[] timestamps = {0, Long.MAX_VALUE, Long.MIN_VALUE, -1, 1_700_000_000_000L};
        for (int i = 0; i < timestamps.length; i++) {
            byte[] key = i % 2 == 0 ? null : bytes("\"key\"");
            byte[] value = bytes(LogTestSupport.value("v", 300));
            builder.add(timestamps[i], key, value, null);
            int after = builder.build().sizeInBytes();
            assertThat(after - before).isLessThanOrEqualTo(BatchBuilder.recordSize(key, value, null));
            before = after;
        }
    }

    @Test
    void anEmptyBatchCannotBeBuilt() {
        assertThatThrownBy(() -> new BatchBuilder(0, null, 0).build()).isInstanceOf(IllegalStateException.class);
    }

    static byte[] toArray(RecordBatch batch) {
        ByteBuffer b = batch.buffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
